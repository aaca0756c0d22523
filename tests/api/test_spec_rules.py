"""Spec rules seen through the REST API: cross-field errors name each field they involve,
and the order variants are listed in is no change (the revision is canonical)."""

from __future__ import annotations

from tests.support.api_server import wait_operation

SPEC = {
    "name": "rules-demo",
    "target": {"platform": "sagemaker", "region": "us-east-1",
               "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    "variants": [
        {"name": "stable", "image": "r/m:1", "instance_type": "ml.m5.large", "weight": 90},
        {"name": "canary", "image": "r/m:2", "instance_type": "ml.c5.large", "weight": 10},
    ],
    "tags": {"team": "t", "app": "rules"},
}


def test_rules_over_several_fields_are_reported_at_each_field(sagemaker_api, sagemaker_emulator):
    bad = {**SPEC, "variants": [{**SPEC["variants"][0], "weight": 50},
                                {**SPEC["variants"][1], "weight": 40, "min_replicas": 3, "max_replicas": 2}]}
    response = sagemaker_api.put("/v1/deployments/rules-demo", json=bad)
    assert response.status_code == 422 and response.json()["error"]["code"] == "spec_invalid"
    assert [d["path"] for d in response.json()["error"]["details"]] == [
        "variants[1].min_replicas", "variants[1].max_replicas"]
    bad["variants"][1] |= {"min_replicas": 1, "max_replicas": 1}
    response = sagemaker_api.post("/v1/plan", json=bad)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [d["path"] for d in details] == ["variants[0].weight", "variants[1].weight"]
    assert all("sum to 100, got 90" in d["message"] for d in details)
    assert sagemaker_emulator.control.calls() == {}


def test_listing_variants_in_another_order_is_unchanged_and_rolls_nothing_out(sagemaker_api, sagemaker_emulator):
    sagemaker_emulator.control.set_progression("immediate")
    first = sagemaker_api.put("/v1/deployments/rules-demo", json=SPEC)
    assert wait_operation(sagemaker_api, first.json())["metadata"]["state"] == "succeeded"
    revision = sagemaker_api.get("/v1/deployments/rules-demo").json()["revision"]
    imported = {**SPEC, "variants": list(reversed(SPEC["variants"])),
                "tags": dict(reversed(list(SPEC["tags"].items())))}
    plan = sagemaker_api.post("/v1/plan", json=imported).json()
    assert (plan["revision"], plan["in_sync"], plan["calls"], plan["changes"]) == (revision, True, [], [])
    again = sagemaker_api.put("/v1/deployments/rules-demo", json=imported)
    assert again.status_code == 200, "no new revision, no operation"
    assert again.json()["revision"] == revision and again.json()["current_operation"] is None
    assert [o["metadata"]["kind"] for o in sagemaker_api.get("/v1/operations").json()["operations"]] == ["apply"]


def test_a_value_that_means_nothing_must_still_be_valid(sagemaker_api):
    """Disabled logging drops destination and sample rate, a fixed-scale variant its autoscaling rule
    (they mean nothing there); an invalid value there is still refused, as the schema says."""
    one = {**SPEC, "variants": [{**SPEC["variants"][0], "weight": 100}]}
    cases = [({**one, "logging": {"enabled": False, "destination": "x" * 1025}}, "logging.destination"),
             ({**one, "logging": {"enabled": False, "sample_percent": 0}}, "logging.sample_percent"),
             ({**one, "variants": [{**one["variants"][0], "autoscaling": {"target": 0}}]},
              "variants[0].autoscaling.target")]
    for bad, path in cases:
        response = sagemaker_api.post("/v1/plan", json=bad)
        assert response.status_code == 422, response.text
        assert path in [d["path"] for d in response.json()["error"]["details"]]
    valid = {**one, "logging": {"enabled": False, "destination": "s3://x/", "sample_percent": 5},
             "variants": [{**one["variants"][0], "autoscaling": {"target": 40}}]}
    plan = sagemaker_api.post("/v1/plan", json=valid)
    assert plan.status_code == 200 and (
        plan.json()["revision"] == sagemaker_api.post("/v1/plan", json=one).json()["revision"])
