# A 90/10 canary on SageMaker: autoscaling on the stable variant, prediction logging to S3.
terraform {
  required_providers {
    deployanywhere = {
      source  = "terraform.deploy-anywhere.dev/deploy-anywhere/deployanywhere"
      version = "~> 0.1"
    }
  }
}

# endpoint and token from DEPLOY_ANYWHERE_ENDPOINT / DEPLOY_ANYWHERE_TOKEN
provider "deployanywhere" {}

resource "deployanywhere_deployment" "fraud" {
  name               = "fraud-scorer"
  platform           = "sagemaker"
  region             = "us-east-1"
  execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"

  variant {
    name          = "stable"
    image         = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.0.0"
    model_uri     = "s3://models/fraud/2.0.0/model.tar.gz"
    instance_type = "ml.c5.xlarge"
    min_replicas  = 2
    max_replicas  = 6
    weight        = 90
  }

  variant {
    name          = "canary"
    image         = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.1.0-rc1"
    model_uri     = "s3://models/fraud/2.1.0/model.tar.gz"
    instance_type = "ml.c5.xlarge"
    weight        = 10
  }

  logging {
    enabled        = true
    sample_percent = 20
    destination    = "s3://captures/fraud-scorer/"
  }

  test_query {
    name          = "scores"
    payload       = jsonencode({ transaction = { amount = 12.5, currency = "EUR" } })
    expect_fields = ["/predictions"]
  }

  request_timeout_seconds = 30
  tags                    = { team = "risk", cost-center = "4711" }
  timeouts                = { create = "45m", update = "45m" }
}

output "invoke_url" {
  value = deployanywhere_deployment.fraud.invoke_url
}
