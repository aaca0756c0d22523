# One variant on an Azure ML managed online endpoint, key auth. The model must be registered in the
# workspace first (`az ml model create`): only registered assets are referenced, nothing is uploaded.
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
  name            = "churn-azure"
  platform        = "azureml"
  subscription_id = "00000000-0000-0000-0000-000000000000"
  resource_group  = "ml-prod"
  workspace       = "ml-prod-ws"

  variant {
    name          = "main"
    image         = "acmeml.azurecr.io/serving/churn:1.4.2"
    model_uri     = "azureml:churn:3"
    predict_route = "/score"
    health_route  = "/health"
    port          = 5001
    instance_type = "Standard_DS3_v2"
    min_replicas  = 2
    max_replicas  = 2
  }

  test_query {
    name          = "smoke"
    payload       = jsonencode({ data = [[0.1, 0.2, 0.3]] })
    expect_fields = ["/echo"]
  }

  auth_mode               = "key"
  request_timeout_seconds = 90
  tags                    = { team = "growth" }
}

output "scoring_uri" {
  value = deployanywhere_deployment.churn.invoke_url
}
