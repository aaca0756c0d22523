# A 90/10 canary on Vertex AI (one Endpoint, one DeployedModel per variant), BigQuery logging.
terraform {
  required_providers {
    deployanywhere = {
      source  = "terraform.deploy-anywhere.dev/deploy-anywhere/deployanywhere"
      version = "~> 0.1"
    }
  }
}

provider "deployanywhere" {}

resource "deployanywhere_deployment" "churn" {
  name     = "churn-vertex"
  platform = "vertex"
  project  = "acme-ml-prod"
  location = "europe-west4"
  # network = "projects/123456789012/global/networks/ml-vpc"   # private endpoint: forces replacement

  variant {
    name               = "stable"
    image              = "europe-docker.pkg.dev/acme-ml-prod/serving/churn:1.4.2"
    model_uri          = "gs://acme-models/churn/1.4.2/"
    predict_route      = "/predict"
    health_route       = "/health"
    instance_type      = "n1-standard-4"
    min_replicas       = 1
    max_replicas       = 3
    autoscaling_metric = "cpu_utilization"
    autoscaling_target = 60
    weight             = 90
  }

  variant {
    name          = "canary"
    image         = "europe-docker.pkg.dev/acme-ml-prod/serving/churn:1.5.0-rc1"
    model_uri     = "gs://acme-models/churn/1.5.0-rc1/"
    predict_route = "/predict"
    health_route  = "/health"
    instance_type = "n1-standard-4"
    weight        = 10
  }

  logging {
    enabled        = true
    sample_percent = 10
    destination    = "bq://acme-ml-prod.prediction_logs.churn"
  }

  test_query {
    name          = "smoke"
    payload       = jsonencode({ instances = [[0.1, 0.2, 0.3]] })
    expect_fields = ["/predictions"]
  }

  tags = { team = "growth" }
}

output "endpoint" {
  value = deployanywhere_deployment.churn.provider_ids
}
