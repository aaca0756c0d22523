"""Unreadable values in core: a value the adapter could not read is absent from the live config,
reported once with its reason, never patched, never adopted; empty and absent mappings agree.
(Through the real SDKs against the emulators: tests/checks/test_unreadable.py.)"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from core.adapter import Capabilities
from core.checks.judge import judge
from core.checks.record_patch import live_document, to_patch
from core.diff import Severity, diff
from core.live import Health, LiveEndpoint, Sync, build_live_config
from core.spec import revision
from core.spec_io import parse_spec
from core.unreadable import STAND_IN_MARK

SPEC = parse_spec({
    "name": "unread",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [{"name": "a", "image": "r/m:1", "instance_type": "ml.m5.large", "weight": 60, "env": {"K": "v"},
                  "min_replicas": 1, "max_replicas": 3},
                 {"name": "b", "image": "r/m:2", "instance_type": "ml.c5.large", "weight": 40}],
    "tags": {"team": "t"},
})
CAPS = Capabilities(platform="sagemaker", sdk="boto3", extra="sagemaker", basic_reads=1,
                    provider_fields={"variants[*].image": "Model.PrimaryContainer.Image"})
GONE = "model unread-a-1234abcd was not found: deleted outside the service"
A_MODEL = {"variants[a].image": GONE, "variants[a].model_uri": GONE, "variants[a].env": GONE}


def _live(config_edit=None, unreadable=None, **fields) -> LiveEndpoint:
    data = json.loads(json.dumps(SPEC.config))
    if config_edit:
        config_edit(data)
    return LiveEndpoint(name=SPEC.name, health=Health.SERVING, revision=revision(SPEC),
                        config=build_live_config(data, unreadable), unreadable=unreadable or {}, **fields)


def _forget_a(data):
    a = data["variants"][0]
    a["image"], a["env"], a["model_uri"] = None, {}, None


def test_an_unreadable_value_is_absent_from_the_live_config_never_a_stand_in():
    live = _live(_forget_a, A_MODEL)
    a = live.config["variants"][0]
    assert {"image", "model_uri", "env"}.isdisjoint(a), a
    assert a["instance_type"] == "ml.m5.large", "what was read stays"
    text = json.dumps(live.config)
    assert STAND_IN_MARK not in text

    role = {"target.execution_role_arn": "none of the models could be read"}
    config = build_live_config(SPEC.config | {"target": SPEC.config["target"] | {"execution_role_arn": None}}, role)
    assert "execution_role_arn" not in config["target"]


def test_a_live_endpoint_cannot_carry_a_value_at_an_unreadable_path():
    with pytest.raises(ValidationError, match="unreadable paths: variants\\[a\\].image"):
        LiveEndpoint(name="x", health=Health.SERVING, config=SPEC.config,
                     unreadable={"variants[a].image": GONE})


def test_the_check_names_each_unreadable_path_once_with_its_reason():
    outcome = judge(SPEC, _live(_forget_a, A_MODEL), CAPS)
    assert outcome.sync is Sync.OUT_OF_SYNC
    by_path = {c.path: c for c in outcome.drift.changes}
    assert sorted(by_path) == sorted(A_MODEL), "one change per unreadable path, nothing under it"
    image = by_path["variants[a].image"]
    assert (image.expected, image.actual, image.unreadable, image.severity, image.provider_field) == (
        "r/m:1", None, GONE, Severity.MATERIAL, "Model.PrimaryContainer.Image")
    assert by_path["variants[a].env"].expected == {"K": "v"}
    assert by_path["variants[a].model_uri"].expected is None, "the spec sets no model_uri"
    assert "3 unreadable: " + GONE in outcome.status_message

    ignored = parse_spec(SPEC.model_dump(mode="json") | {"sync_policy": {"ignore": ["variants[*].model_uri"]}})
    assert "variants[a].model_uri" not in judge(ignored, _live(_forget_a, A_MODEL), CAPS).drift.paths()


def test_the_patch_never_turns_an_unreadable_value_into_a_spec_value():
    def drift(data):
        _forget_a(data)
        data["tags"] = {"team": "ops"}

    outcome = judge(SPEC, _live(drift, A_MODEL), CAPS)
    document = SPEC.model_dump(mode="json")
    patch = to_patch(document, outcome.drift.changes)
    assert patch == [{"op": "replace", "path": "/tags/team", "value": "ops"}]
    assert live_document(document, patch)["variants"][0]["image"] == "r/m:1"
    recorded = [c.model_dump(mode="json") | {"carried": False} for c in outcome.drift.changes]
    assert to_patch(document, recorded) == patch, "recorded changes (JSON, extra keys) too"


def test_an_endpoint_without_variants_is_out_of_sync_naming_each_missing_variant():
    live = _live(lambda d: d.update(variants=[]))
    assert live.config["variants"] == []
    outcome = judge(SPEC, live, CAPS)
    assert outcome.sync is Sync.OUT_OF_SYNC
    expected = {v["name"]: v for v in SPEC.config["variants"]}
    assert [(c.path, c.expected, c.actual) for c in outcome.drift.changes] == [
        ("variants[a]", expected["a"], None), ("variants[b]", expected["b"], None)]


@pytest.mark.parametrize(("spec_env", "live_env", "change"), [
    ({}, {"X": "1"}, ("variants[a].env.X", None, "1")),
    ({"K": "v"}, {}, ("variants[a].env.K", "v", None)),
])
def test_an_env_change_is_one_change_whether_a_side_is_empty(spec_env, live_env, change):
    expected = {"variants": [{"name": "a", "env": spec_env}], "tags": {}}
    live = {"variants": [{"name": "a", "env": live_env}]}
    assert [(c.path, c.expected, c.actual) for c in diff(expected, live).changes] == [change]
    assert diff({"tags": {}}, {}).in_sync and diff({}, {"tags": {}}).in_sync
