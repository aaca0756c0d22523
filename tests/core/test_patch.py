"""Drift as RFC 6902: every change becomes an operation on the expected spec document, and applying
the patch gives the live document (checked against the diff of the two configs)."""

import copy

import jsonpatch
import pytest

from core.checks.record_patch import live_document, parse_path, to_patch
from core.diff import diff
from core.spec_io import parse_spec

BASE = {"name": "patchy", "target": {"platform": "vertex", "project": "proj-123", "location": "europe-west4"},
        "variants": [{"name": "a", "image": "r/m:1", "instance_type": "n1-standard-4", "weight": 70,
                      "env": {"K": "v"}},
                     {"name": "b", "image": "r/m:2", "instance_type": "n1-standard-4", "weight": 30}],
        "tags": {"team": "t", "a.b": "x"}}


def _doc(data):
    return parse_spec(data).model_dump(mode="json")


def _live(mutate):
    live = copy.deepcopy(BASE)
    mutate(live)
    return _doc(live)


def test_parse_path():
    assert parse_path('variants[b].env["A.B"]') == [("key", "variants"), ("variant", "b"), ("key", "env"),
                                                    ("key", "A.B")]
    assert parse_path("tags.team") == [("key", "tags"), ("key", "team")]
    with pytest.raises(ValueError):
        parse_path("variants[b]..x")


def _weights(d):
    d["variants"][0]["weight"], d["variants"][1]["weight"] = 50, 50


def _tags(d):
    d["tags"] = {"team": "ops", "new": "1"}


def _env(d):
    d["variants"][0]["env"] = {}


def _accelerator(d):
    d["variants"][1]["accelerator"] = {"type": "NVIDIA_TESLA_T4", "count": 2}


def _variants(d):
    d["variants"] = [d["variants"][1] | {"weight": 100}, {"name": "c", "image": "r/m:3",
                                                         "instance_type": "n1-standard-8", "weight": 0}]


@pytest.mark.parametrize("mutate", [_weights, _tags, _env, _accelerator, _variants])
def test_patch_applied_to_expected_gives_live(mutate):
    expected, live = _doc(BASE), _live(mutate)
    changes = diff(parse_spec(expected).config, parse_spec(live).config).changes
    patch = to_patch(expected, changes)
    assert patch and all(op["op"] in {"add", "remove", "replace"} for op in patch)
    assert live_document(expected, patch) == live
    assert jsonpatch.apply_patch(expected, patch) == live, "a valid RFC 6902 patch"
    assert expected == _doc(BASE), "the expected document is not changed"


def test_accelerator_removed_becomes_null():
    with_gpu = copy.deepcopy(BASE)
    with_gpu["variants"][1]["accelerator"] = {"type": "NVIDIA_TESLA_T4", "count": 1}
    expected, live = _doc(with_gpu), _doc(BASE)
    changes = diff(parse_spec(expected).config, parse_spec(live).config).changes
    assert live_document(expected, to_patch(expected, changes)) == live


def test_changes_outside_the_spec_have_no_patch():
    changes = [{"path": "revision", "expected": "abc", "actual": None, "severity": "material"},
               {"path": "endpoint", "expected": "patchy", "actual": None, "severity": "material"}]
    assert to_patch(_doc(BASE), changes) == []
