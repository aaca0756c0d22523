# The same model on SageMaker, Vertex AI and Azure ML from one set of variables, plus both data
# sources: which platforms the service can deploy to, and each deployment's live status.
terraform {
  required_providers {
    deployanywhere = {
      source  = "terraform.deploy-anywhere.dev/deploy-anywhere/deployanywhere"
      version = "~> 0.1"
    }
  }
}

provider "deployanywhere" {}

variable "model_version" {
  type    = string
  default = "1.4.2"
}

locals {
  targets = {
    sagemaker = {
      platform           = "sagemaker"
      region             = "us-east-1"
      execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"
      image              = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:${var.model_version}"
      instance_type      = "ml.m5.large"
    }
    vertex = {
      platform      = "vertex"
      project       = "acme-ml-prod"
      location      = "europe-west4"
      image         = "europe-docker.pkg.dev/acme-ml-prod/serving/churn:${var.model_version}"
      instance_type = "n1-standard-4"
    }
    azureml = {
      platform        = "azureml"
      subscription_id = "00000000-0000-0000-0000-000000000000"
      resource_group  = "ml-prod"
      workspace       = "ml-prod-ws"
      image           = "acmeml.azurecr.io/serving/churn:${var.model_version}"
      instance_type   = "Standard_DS3_v2"
    }
  }
}

data "deployanywhere_platforms" "service" {}

resource "deployanywhere_deployment" "churn" {
  for_each = local.targets

  name     = "churn-${each.key}"
  platform = each.value.platform

  region             = lookup(each.value, "region", null)
  execution_role_arn = lookup(each.value, "execution_role_arn", null)
  project            = lookup(each.value, "project", null)
  location           = lookup(each.value, "location", null)
  subscription_id    = lookup(each.value, "subscription_id", null)
  resource_group     = lookup(each.value, "resource_group", null)
  workspace          = lookup(each.value, "workspace", null)

  variant {
    name          = "main"
    image         = each.value.image
    instance_type = each.value.instance_type
  }

  # Vertex AI label values allow only lowercase letters, digits, "-" and "_"
  tags = { team = "growth", model-version = replace(var.model_version, ".", "-") }

  lifecycle {
    precondition {
      condition     = contains(data.deployanywhere_platforms.service.installed, each.value.platform)
      error_message = "The service cannot deploy to ${each.value.platform} (its SDK is not installed)."
    }
  }
}

data "deployanywhere_deployment" "churn" {
  for_each = deployanywhere_deployment.churn
  name     = each.value.name
}

output "invoke_urls" {
  value = { for k, d in deployanywhere_deployment.churn : k => d.invoke_url }
}

output "in_sync" {
  value = { for k, d in data.deployanywhere_deployment.churn : k => d.sync == "in_sync" }
}
