"""Field ownership is data: every platform classifies what a check must not compare as-is, the rules
name real spec paths, unreadable fields are exactly what checks ignore, and the README documents it."""

from pathlib import Path

import pytest

from core import registry
from core.adapter import Owner
from core.diff import _expand, flatten, matches
from core.spec_io import parse_spec

ROOT = Path(__file__).resolve().parents[2]
RICH = {"name": "rich", "target": {"platform": "sagemaker", "region": "us-east-1",
                                   "execution_role_arn": "arn:aws:iam::123456789012:role/R"},
        "variants": [{"name": "a", "image": "r/m:1", "instance_type": "ml.m5.large", "min_replicas": 1,
                      "max_replicas": 3, "max_concurrency": 4, "accelerator": {"type": "NVIDIA_TESLA_T4", "count": 1},
                      "env": {"K": "v"}}],
        "logging": {"enabled": True, "destination": "s3://b/x/"}, "tags": {"t": "v"}}


def _paths() -> set[str]:
    config = parse_spec(RICH).config
    expanded, _ = _expand(flatten(config), flatten(config))
    return set(expanded)


@pytest.mark.parametrize("platform", registry.PLATFORMS)
def test_ownership_rules_name_real_fields(platform):
    caps = registry.capabilities(platform)
    assert caps.ownership, f"{platform} classifies no fields"
    assert {r.owner for r in caps.ownership} >= {Owner.AUTOSCALER, Owner.RUNTIME, Owner.PROVIDER_DEFAULT}
    paths = _paths()
    for rule in caps.ownership:
        assert rule.provider_field and rule.note or rule.owner is Owner.RUNTIME, rule
        if rule.in_spec:
            assert any(matches(p, [rule.field]) for p in paths), f"{rule.field} is no spec path"
    assert caps.unobservable == {r.field for r in caps.ownership if r.in_spec and r.owner is Owner.UNREADABLE}
    assert caps.to_dict()["field_ownership"][0]["owner"] == caps.ownership[0].owner.value


def test_readme_documents_every_owner_class():
    readme = (ROOT / "README.md").read_text()
    for owner in Owner:
        assert f"| `{owner.value}` |" in readme
