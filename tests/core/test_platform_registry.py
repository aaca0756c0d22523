"""The platform registry (core/targets.py) is the one list of platforms: every other list is derived
from it, and no source file outside a platform's own folders spells the platforms out again."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from core import registry
from core.adapter import find_gaps
from core.spec import EndpointSpec
from core.spec_env import SECRET_REF_PATTERNS, SECRET_SOURCES, SecretRef, foreign_secret_stores
from core.spec_io import parse_spec
from core.targets import PLATFORMS, Target
from tests.platforms import TEST_PLATFORMS

ROOT = Path(__file__).resolve().parents[2]
NAMES = list(PLATFORMS)


def test_the_spec_target_union_is_the_registry() -> None:
    union = typing.get_args(EndpointSpec.model_fields["target"].annotation)
    assert list(union) == [p.target for p in PLATFORMS.values()]
    for name, entry in PLATFORMS.items():
        assert entry.target.model_fields["platform"].annotation == typing.Literal[name]
    assert typing.get_args(Target)  # a discriminated union at run time


def test_the_adapter_registry_launcher_and_tests_follow_it() -> None:
    from emulators.launcher import PLATFORMS as EMULATED

    assert registry.PLATFORMS is PLATFORMS
    assert EMULATED == tuple(NAMES)
    assert list(TEST_PLATFORMS) == NAMES
    for name, entry in PLATFORMS.items():
        caps = registry.capabilities(name)
        assert caps is not None and caps.platform == name, name
        assert entry.adapter.startswith(f"{entry.package}.") and entry.package == f"adapters.{name}"


def test_api_platform_parameters_are_the_registry(tmp_path: Path) -> None:
    from api.app import create_app
    from core.settings import Settings

    schema = create_app(Settings(data_dir=tmp_path, sandbox=True)).openapi()
    enums = [node["enum"] for node in _walk(schema) if isinstance(node.get("enum"), list)
             and set(node["enum"]) & set(NAMES)]
    assert len(enums) >= 3, "fleet checks, scoped keys and GET /v1/platforms name platforms"
    assert all(e == NAMES for e in enums), enums


def _walk(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def test_terraform_target_replacement_and_secret_kinds_are_generated_from_it() -> None:
    from terraform.spec_fields import REPLACE, SECRET_KINDS, TARGET

    assert list(TARGET) == NAMES
    for name, keys in TARGET.items():
        assert keys == tuple(k for k in PLATFORMS[name].target.model_fields if k != "platform")
    replacement = {path.removeprefix("target.") for name in NAMES
                   for path in registry.capabilities(name).replacement}  # type: ignore[union-attr]
    assert REPLACE == replacement | {"name", "platform"}
    assert list(SECRET_KINDS) == list(SECRET_SOURCES)


def test_secret_reference_kinds_come_from_each_platforms_store() -> None:
    stores = [p.secret_store for p in PLATFORMS.values() if p.secret_store is not None]
    assert list(SECRET_SOURCES) == [s.kind for s in stores] + ["service_secret"]
    assert list(SecretRef.model_fields) == list(SECRET_SOURCES)
    for store in stores:
        assert SECRET_REF_PATTERNS[store.kind] == store.pattern
    for name in NAMES:
        own = PLATFORMS[name].secret_store
        foreign = foreign_secret_stores(name)
        assert set(foreign) == {s.kind for s in stores} - {own.kind if own else ""}
        caps = registry.capabilities(name)
        assert caps is not None and set(foreign) <= set(caps.unsupported)


@pytest.mark.parametrize("platform", NAMES)
def test_a_foreign_secret_store_is_a_gap_at_its_path(platform: str) -> None:
    other = next(p for p in PLATFORMS.values() if p.name != platform and p.secret_store is not None)
    assert other.secret_store is not None
    kind = other.secret_store.kind
    reference = {"aws_secrets_manager": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                 "gcp_secret_manager": "projects/p/secrets/db",
                 "azure_key_vault": "https://my-vault.vault.azure.net/secrets/db"}[kind]
    target = {"sagemaker": {"platform": "sagemaker", "region": "us-east-1",
                            "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
              "vertex": {"platform": "vertex", "project": "my-project", "location": "us-central1"},
              "azureml": {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-000000000001",
                          "resource_group": "rg", "workspace": "ws1"}}[platform]
    spec = parse_spec({"name": "gap-check", "target": target, "variants": [
        {"name": "a", "image": "r/m:1", "instance_type": "x1", "env": {"DB": {"value_from": {kind: reference}}}}]})
    gaps = [g for g in find_gaps(registry.adapter_class(platform), spec) if g.feature == kind]
    assert [g.path for g in gaps] == ["variants[0].env.DB.value_from"]
    assert other.secret_store.title in gaps[0].reason


_SPELLED_OUT = re.compile(r"""["'](sagemaker|vertex|azureml)["'],\s*["'](sagemaker|vertex|azureml)["']""")
_OWN_FOLDERS = ("adapters/", "emulators/sagemaker/", "emulators/vertex/", "emulators/azureml/")


def test_no_other_source_file_lists_the_platforms() -> None:
    """Outside a platform's own folders (and the registry, and the generated Terraform fields), no
    source file writes two platform names side by side: such lists drift apart."""
    offenders = []
    for root in ("core", "api", "emulators", "terraform"):
        for path in (ROOT / root).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(_OWN_FOLDERS) or rel in {"core/targets.py", "terraform/spec_fields.py"}:
                continue
            if _SPELLED_OUT.search(path.read_text(encoding="utf-8")):
                offenders.append(rel)
    assert offenders == []
