"""The provider's schema and packaging, offline: replacement attributes agree with every platform's
capabilities, the committed generated files are current, offline validation, fast start-up."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tf.types import Unknown
from tf.utils import Diagnostics

from core import registry
from terraform import SOURCE, VERSION
from terraform.generate import main as generate
from terraform.provider import DeployAnywhereProvider
from terraform.resource import DeploymentResource, parse_duration
from terraform.schema import provider_schema, resource_schema
from terraform.shape import TARGET


def test_replacement_attributes_are_the_platforms_replacement_rules():
    attrs = {a.name: a for a in resource_schema().attributes}
    rules = {path.removeprefix("target.") for name in registry.PLATFORMS
             for path in (registry.capabilities(name).replacement or {})}
    assert all("*" not in rule and "." not in rule for rule in rules), "only target fields are replacement rules"
    forced = {name for name, attr in attrs.items() if attr.requires_replace}
    assert forced == rules | {"name", "platform"}
    assert not attrs["execution_role_arn"].requires_replace, "SageMaker updates the role in place (new models)"
    assert set(TARGET) == set(registry.PLATFORMS), "every platform the service supports"


def test_generated_files_are_current(capsys):
    assert generate(["--check"]) == 0, capsys.readouterr().out


def test_every_attribute_is_described_and_the_token_is_sensitive():
    schema = resource_schema()
    for attr in [*schema.attributes, *(a for b in schema.block_types for a in b.block.attributes)]:
        assert attr.description and len(attr.description) > 10, attr.name
    token = next(a for a in provider_schema().attributes if a.name == "token")
    assert token.sensitive


def validate(config):
    diags = Diagnostics()
    full = {a.name: None for a in resource_schema().attributes if not (a.computed and not a.optional)}
    DeploymentResource(DeployAnywhereProvider()).validate(diags, "deployanywhere_deployment", full | config)
    return [(d.summary, d.path) for d in diags.diagnostics]


def test_offline_validation_names_the_attribute():
    base = {"name": "fraud", "platform": "sagemaker", "region": "us-east-1",
            "execution_role_arn": "arn:aws:iam::123456789012:role/x"}
    assert validate(base) == []
    assert validate(base | {"project": "p"}) == [("`project` does not apply to sagemaker", ["project"])]
    assert validate(base | {"region": None}) == [("Missing `region`", ["region"])]
    assert validate(base | {"platform": "heroku"})[0] == ("Unknown platform", ["platform"])
    assert validate(base | {"timeouts": {"create": "ten minutes", "later": "1m"}}) == [
        ("Invalid timeout", ["timeouts", ("create",)]), ("Unknown timeout", ["timeouts", ("later",)])]
    assert validate(base | {"logging": [{}, {}]}) == [("Too many `logging` blocks", ["logging"])]
    assert validate(base | {"test_query": [{"payload": "{oops"}]})[0][0] == "`payload` is not JSON"
    assert validate(base | {"platform": Unknown, "project": "p"}) == [], "unknown values wait for apply"
    stable = {"name": "stable", "env": {"LOG": "1"}}
    assert validate(base | {"variant": [stable | {"env_from": {"DB": "vault:db"}}]}) == [
        ("Invalid `env_from` reference", ["variant"])]
    assert validate(base | {"variant": [stable], "secret_env_wo": {"stable.KEY": "v"}}) == [
        ("Missing `secret_env_wo_version`", ["secret_env_wo_version"])]
    assert validate(base | {"variant": [stable], "secret_env_wo": {"stable.LOG": "v", "KEY": "v"},
                            "secret_env_wo_version": 1}) == [("Invalid `secret_env_wo` key", ["secret_env_wo"])] * 2
    assert validate(base | {"variant": [stable | {"name": Unknown}], "secret_env_wo": {"x.KEY": Unknown},
                            "secret_env_wo_version": 1}) == [], "unknown names wait for apply"


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("45m", 2700), ("1h30m", 5400), ("0.5h", 1800)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "10 m", "1d", "m10"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


FORBIDDEN = ("boto3", "botocore", "google.cloud.aiplatform", "google.api_core", "azure", "fastapi", "dbos",
             "pydantic", "sqlalchemy", "httpx", "core", "api", "adapters", "emulators")


def test_start_up_imports_no_cloud_sdk_nor_the_service():
    code = ("import sys, terraform.main, terraform.provider, tf.runner, tf.provider;"
            "print(__import__('json').dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    heavy = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert heavy == []


def test_launcher_prints_its_version():
    out = subprocess.run([sys.executable, "-m", "terraform.main", "--version"], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == f"{SOURCE} {VERSION}"


def test_an_unexpected_error_is_a_diagnostic_not_a_crash():
    from tf.iface import ReadContext

    diags = Diagnostics()
    current = {"name": "fraud", "id": "fraud"}
    unconfigured = DeploymentResource(DeployAnywhereProvider())
    assert unconfigured.read(ReadContext(diags, "deployanywhere_deployment"), current) is current
    (diag,) = diags.diagnostics
    assert diag.summary == "deploy-anywhere provider error (read)" and "not configured" in diag.detail
