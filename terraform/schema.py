"""The Terraform schemas of the provider, the resource and the data sources.

Descriptions come from the spec (:mod:`terraform.spec_fields`, generated from ``core.spec``), with
the spec path and default appended, so ``docs/`` and ``terraform providers schema`` say the same as
the service's JSON Schema. Attributes in :data:`terraform.shape.REPLACE` force replacement.
"""

from __future__ import annotations

import json
from typing import Any

from tf import types
from tf.blocks import SetNestedBlock
from tf.schema import Attribute, Block, Schema

from terraform.protocol import WriteOnlyAttribute
from terraform.shape import (
    BLOCKS,
    REPLACE,
    REQUIRED,
    SECRET_ENV,
    SECRET_FINGERPRINTS,
    SECRET_KINDS,
    SECRET_VERSION,
    TARGET,
    TOP,
    Leaf,
    default_of,
)
from terraform.spec_fields import FIELDS

__all__ = ["resource_schema", "provider_schema", "deployment_data_schema", "platforms_data_schema",
           "COMPUTED", "TIMEOUT_KEYS", "EXAMPLES"]

TIMEOUT_KEYS = ("create", "update", "delete")
COMPUTED = ("revision", "health", "sync", "provider_ids", "invoke_url", SECRET_FINGERPRINTS)
"""Attributes the service computes; unknown in a plan that changes the deployment."""

_TYPES = {"string": types.String, "number": types.Number, "bool": types.Bool, "json": types.String}

_ENV_TEXT = {
    "env": " Text values only: a secret goes in `env_from` (a reference to a secret store) or in the "
           "resource's write-only `secret_env_wo` (a literal).",
    "env_from": " Environment variables whose value comes from a secret store: name -> `\"<kind>:<reference>\"`, "
                "kind one of " + ", ".join(f"`{k}`" for k in SECRET_KINDS) + " (e.g. `\"aws_secrets_manager:"
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:db\"`, `\"gcp_secret_manager:projects/p/"
                "secrets/db/versions/3\"`, `\"azure_key_vault:https://vault.vault.azure.net/secrets/db\"`, "
                "`\"service_secret:db\"`). Only the reference is sent and stored; each platform accepts its "
                "own store and `service_secret`. Spec value: `{value_from: {<kind>: <reference>}}`.",
}


def _tf_type(kind: str) -> Any:
    if kind in ("map", "env", "env_from"):
        return types.Map(types.String())
    if kind == "list":
        return types.List(types.String())
    return _TYPES[kind]()


def _describe(spec_path: str, extra: str = "") -> str:
    text = FIELDS.get(spec_path, {}).get("description", "").strip()
    default = default_of(spec_path)
    if isinstance(default, (str, int, float, bool)) and not isinstance(default, type):
        text += f" Default: `{json.dumps(default)}`."
    return f"{text}{extra} Spec: `{spec_path}`."


def _leaf(leaf: Leaf, prefix: str, extra: str = "") -> Attribute:
    spec_path = prefix + leaf.spec
    if leaf.kind == "json":
        extra += " JSON text: write `jsonencode(...)` (a plain-text payload is `jsonencode(\"text\")`)."
    if leaf.kind in _ENV_TEXT:
        return Attribute(leaf.attr, _tf_type(leaf.kind), optional=True, description=(
            ("Environment variables of the serving container." if leaf.kind == "env" else "")
            + _ENV_TEXT[leaf.kind] + f" Spec: `{spec_path}`.").strip())
    return Attribute(leaf.attr, _tf_type(leaf.kind), description=_describe(spec_path, extra),
                     required=leaf.required, optional=not leaf.required)


def _target_attributes() -> list[Attribute]:
    attrs = []
    for platform, keys in TARGET.items():
        for key in keys:
            path = f"target.{key}"
            required = default_of(path) is REQUIRED
            extra = f" Required for `{platform}`." if required else f" Optional, `{platform}` only."
            attrs.append(Attribute(key, types.String(), description=_describe(path, extra), optional=True,
                                   requires_replace=key in REPLACE))
    return attrs


def _secret_attributes() -> list[Attribute]:
    return [
        WriteOnlyAttribute(
            SECRET_ENV, types.Map(types.String()), optional=True, sensitive=True,
            description="Literal secret environment variables: `\"<variant name>.<ENV NAME>\"` -> value. "
                        "Write-only (Terraform >= 1.11): the values are never stored in plan or state, and "
                        "the service keeps them encrypted and shows only their fingerprints "
                        f"(`{SECRET_FINGERPRINTS}`). Needs `{SECRET_VERSION}`: the values are sent when it "
                        "changes (and for a key the deployment does not hold yet); otherwise the service keeps "
                        "the values it holds, so change the version to roll out a new value. Accepts "
                        "ephemeral values. Spec: `variants[].env.<ENV>` = `{secret: true, value}`."),
        Attribute(SECRET_VERSION, types.Number(), optional=True,
                  description=f"Version of the values in `{SECRET_ENV}` (required with it): change it (e.g. "
                              "increment) to send them again. Reads back null when a secret changed behind "
                              "Terraform's back (its fingerprint differs), so the next plan sends the values."),
        Attribute(SECRET_FINGERPRINTS, types.Map(types.String()), computed=True,
                  description="`\"<variant>.<ENV>\"` -> fingerprint (`hmac-sha256:...`, a keyed hash) of each "
                              "literal secret the deployment holds, as the service reports it live. Never a value."),
    ]


def _one_of(names: Any) -> str:
    """```a`, `b` or `c``` (Markdown)."""
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def resource_schema() -> Schema:
    attributes = [
        Attribute("id", types.String(), computed=True, description="The deployment name."),
        Attribute("name", types.String(), required=True, requires_replace=True, description=_describe("name")),
        Attribute("platform", types.String(), required=True, requires_replace=True,
                  description=f"Target platform: {_one_of(TARGET)} (the spec's "
                              "`target.platform`; `provider` is reserved by Terraform). Spec: `target.platform`."),
        *_target_attributes(),
        *(_leaf(leaf, "") for leaf in TOP),
        *_secret_attributes(),
        Attribute("timeouts", types.Map(types.String()), optional=True,
                  description="How long `create`, `update` and `delete` wait for the service's operation, "
                              "e.g. `{ create = \"45m\" }` (units h, m, s). Defaults: create and update "
                              "60m, delete 30m. On a timeout the operation goes on in the service."),
        Attribute("revision", types.String(), computed=True,
                  description="The spec's revision (12-hex hash of the deployed part) the service deploys."),
        Attribute("health", types.String(), computed=True,
                  description="Is it up: `provisioning`, `serving`, `updating`, `degraded`, `failed`, "
                              "`deleting`, `missing`, `unknown` (from the last read)."),
        Attribute("sync", types.String(), computed=True,
                  description="Does live match the spec: `in_sync`, `out_of_sync`, `unknown` (from the last read)."),
        Attribute("provider_ids", types.Map(types.String()), computed=True,
                  description="The cloud's ids of the resources made for the deployment (endpoint ARN, "
                              "resource name, ...)."),
        Attribute("invoke_url", types.String(), computed=True,
                  description="The URL that serves predictions (the platform's invoke/predict/scoring URL)."),
    ]
    blocks = []
    for block in BLOCKS.values():
        leaves = [_leaf(leaf, block.prefix) for leaf in block.leaves]
        text = FIELDS.get(block.spec, {}).get("description", "")
        text += " Repeatable." if block.many else " At most one."
        blocks.append(SetNestedBlock(block.name, Block(attributes=leaves, description=f"{text} Spec: `{block.spec}`.")))
    return Schema(version=1, attributes=attributes, block_types=blocks,
                  description="One deploy-anywhere deployment: the endpoint spec, deployed by the service "
                              "to SageMaker, Vertex AI or Azure ML. `create`/`update` wait until it serves "
                              "(or fail with the provider's reason); refresh reads the LIVE configuration, so "
                              "`terraform plan` shows drift made behind Terraform's back; import by name.")


def provider_schema() -> Schema:
    return Schema(attributes=[
        Attribute("endpoint", types.String(), optional=True,
                  description="URL of the deploy-anywhere service, e.g. `http://127.0.0.1:8080`. "
                              "Default: the environment variable `DEPLOY_ANYWHERE_ENDPOINT`."),
        Attribute("token", types.String(), optional=True, sensitive=True,
                  description="API token sent as `Authorization: Bearer`. Default: the environment "
                              "variable `DEPLOY_ANYWHERE_TOKEN`. Never logged nor stored in state."),
    ])


def deployment_data_schema() -> Schema:
    return Schema(
        description="Reads one deployment as the service sees it live (a full provider read).",
        attributes=[
            Attribute("name", types.String(), required=True, description="The deployment name."),
            Attribute("id", types.String(), computed=True, description="The deployment name."),
            Attribute("platform", types.String(), computed=True, description="Target platform."),
            Attribute("exists", types.Bool(), computed=True,
                      description="Whether the endpoint exists on the cloud."),
            Attribute("revision", types.String(), computed=True, description="The expected revision."),
            Attribute("live_revision", types.String(), computed=True,
                      description="The revision stamped on the live endpoint (null when missing)."),
            Attribute("health", types.String(), computed=True, description="Health from the live read."),
            Attribute("sync", types.String(), computed=True, description="Sync from the live read."),
            Attribute("drift", types.List(types.String()), computed=True,
                      description="Spec paths where live differs from the expected setup."),
            Attribute("provider_ids", types.Map(types.String()), computed=True,
                      description="The cloud's ids of the deployment's resources."),
            Attribute("invoke_url", types.String(), computed=True, description="The URL that serves predictions."),
            Attribute("spec_json", types.String(), computed=True,
                      description="The live configuration in the spec's shape, as JSON text (`jsondecode` it)."),
        ])


def platforms_data_schema() -> Schema:
    return Schema(
        description="The platforms the service supports and what each can do (`GET /v1/platforms`).",
        attributes=[
            Attribute("id", types.String(), computed=True, description="Always `platforms`."),
            Attribute("names", types.List(types.String()), computed=True,
                      description="Every platform the service knows."),
            Attribute("implemented", types.List(types.String()), computed=True,
                      description="Platforms implemented in this build of the service."),
            Attribute("installed", types.List(types.String()), computed=True,
                      description="Platforms whose cloud SDK is installed in the service."),
            Attribute("requires_replacement", types.Map(types.String()), computed=True,
                      description="`<platform>:<spec path glob>` -> why a change there replaces the endpoint."),
            Attribute("capabilities_json", types.Map(types.String()), computed=True,
                      description="Platform -> its capabilities document as JSON text (unsupported features, "
                                  "unobservable fields, provider field names, notes)."),
        ])


EXAMPLES = {
    "provider": """
terraform {
  required_providers {
    deployanywhere = {
      source  = "terraform.deploy-anywhere.dev/deploy-anywhere/deployanywhere"
      version = "~> 0.1"
    }
  }
}

provider "deployanywhere" {
  endpoint = "http://127.0.0.1:8080" # or DEPLOY_ANYWHERE_ENDPOINT
  # token  = var.deploy_anywhere_token # or DEPLOY_ANYWHERE_TOKEN
}
""",
    "resource": """
variable "feature_store_key" {
  type      = string
  sensitive = true
  ephemeral = true # write-only arguments accept ephemeral values
}

resource "deployanywhere_deployment" "fraud" {
  name               = "fraud-scorer"
  platform           = "sagemaker"
  region             = "us-east-1"
  execution_role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"

  variant {
    name          = "stable"
    image         = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.0.0"
    instance_type = "ml.c5.xlarge"
    min_replicas  = 2
    max_replicas  = 6
    weight        = 90
    env           = { LOG_LEVEL = "info" }
    env_from = {
      DB_PASSWORD = "aws_secrets_manager:arn:aws:secretsmanager:us-east-1:123456789012:secret:fraud-db"
    }
  }
  variant {
    name          = "canary"
    image         = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.1.0"
    instance_type = "ml.c5.xlarge"
    weight        = 10
  }

  logging {
    enabled        = true
    sample_percent = 20
    destination    = "s3://captures/fraud-scorer/"
  }

  test_query {
    name          = "smoke"
    payload       = jsonencode({ transaction = { amount = 12.5 } })
    expect_fields = ["/predictions"]
  }

  # never in plan nor state; change the version to roll out a new value
  secret_env_wo         = { "stable.FEATURE_STORE_KEY" = var.feature_store_key }
  secret_env_wo_version = 1

  tags     = { team = "risk" }
  timeouts = { create = "45m" }
}
""",
    "data_deployment": """
data "deployanywhere_deployment" "fraud" {
  name = "fraud-scorer"
}

output "fraud_in_sync" {
  value = data.deployanywhere_deployment.fraud.sync == "in_sync"
}
""",
    "data_platforms": """
data "deployanywhere_platforms" "all" {}

output "installed" {
  value = data.deployanywhere_platforms.all.installed
}
""",
}
"""HCL examples shown in the generated docs."""
