"""State <-> spec: the PUT body the provider sends, the state it builds from a live spec, and how
service error paths map to attributes. The service's own spec model stands for "live" here: a spec
sent is read back the way the service stores and reports it (every default filled in)."""

from __future__ import annotations

import pytest

from core.spec import parse_spec
from terraform.shape import BLOCKS, TARGET_ATTRIBUTES, TOP, SpecShapeError, attribute_path, spec_from_state, \
    state_from_spec
from terraform.spec_fields import FIELDS


def state(**overrides):
    base = {attr: None for attr in ("name", "platform", *TARGET_ATTRIBUTES, *(leaf.attr for leaf in TOP))}
    base |= {block: [] for block in BLOCKS}
    base |= {"name": "fraud", "platform": "vertex", "project": "p-project", "location": "us-central1"}
    return base | overrides


def variant(**overrides):
    base = {leaf.attr: None for leaf in BLOCKS["variant"].leaves}
    return base | {"name": "stable", "image": "r/img:1", "instance_type": "n1-standard-4"} | overrides


def element(block, **values):
    return {leaf.attr: None for leaf in BLOCKS[block].leaves} | values


def read_back(sent: dict) -> dict:
    """What the service reports for a spec it accepted: the normalised spec, defaults filled in."""
    return parse_spec(sent).model_dump(mode="json")


def canonical(st: dict) -> dict:
    """State with set blocks in a stable order (Terraform sets have none)."""
    return {k: sorted(v, key=repr) if k in BLOCKS else v for k, v in st.items()}


MINIMAL = state(variant=[variant()])
FULL = state(
    network="projects/123/global/networks/vpc", encryption_key=None, auth_mode="iam",
    request_timeout_seconds=30, tags={"team": "risk"},
    variant=[variant(name="stable", weight=90, env={"A": "1"}, port=9000, predict_route="/p", health_route="/h",
                     min_replicas=2, max_replicas=4, accelerator_type="NVIDIA_L4", accelerator_count=2,
                     autoscaling_metric="cpu_utilization", autoscaling_target=50, max_concurrency=4,
                     model_uri="gs://m/1/"),
             variant(name="canary", weight=10)],
    logging=[element("logging", enabled=True, sample_percent=20, destination="bq://p.d.t")],
    test_query=[element("test_query", name="smoke", payload='{"instances":[1]}', expect_status=200,
                        expect_fields=["/predictions"], expect_values='{"/model":"fraud"}')],
    sync_policy=[element("sync_policy", ignore=["tags.*"], auto_remediate=True, remediate_after=2)],
)


@pytest.mark.parametrize("planned", [MINIMAL, FULL], ids=["minimal", "full"])
def test_reading_back_what_was_sent_reproduces_the_state(planned):
    sent = spec_from_state(planned)
    assert canonical(state_from_spec(read_back(sent), planned)) == canonical(planned)


def test_the_put_body_leaves_unset_attributes_to_the_service():
    sent = spec_from_state(state(variant=[variant(name="b"), variant(name="a", weight=None)]))
    assert sent == {"name": "fraud", "target": {"platform": "vertex", "project": "p-project", "location": "us-central1"},
                    "variants": [{"name": "a", "image": "r/img:1", "instance_type": "n1-standard-4"},
                                 {"name": "b", "image": "r/img:1", "instance_type": "n1-standard-4"}],
                    "test_queries": []}
    full = spec_from_state(FULL)
    assert full["variants"][1]["accelerator"] == {"type": "NVIDIA_L4", "count": 2}
    assert full["test_queries"][0]["payload"] == {"instances": [1]}
    assert full["logging"] == {"enabled": True, "sample_percent": 20, "destination": "bq://p.d.t"}


def test_import_reads_defaults_as_unset_and_keeps_everything_else():
    imported = state_from_spec(read_back(spec_from_state(FULL)), None)
    assert imported["auth_mode"] is None, "iam is the default"
    assert imported["request_timeout_seconds"] == 30
    canary = next(v for v in imported["variant"] if v["name"] == "canary")
    assert canary == variant(name="canary", weight=10)
    assert imported["test_query"][0]["payload"] == '{"instances":[1]}', "as jsonencode() writes it"


def test_live_values_that_differ_show_even_where_the_configuration_relies_on_defaults():
    live = read_back(spec_from_state(MINIMAL))
    live["variants"][0] |= {"max_replicas": 3, "port": 8081}
    live["auth_mode"] = "key"
    read = state_from_spec(live, MINIMAL)
    assert read["auth_mode"] == "key"
    assert (read["variant"][0]["max_replicas"], read["variant"][0]["port"]) == (3, 8081)
    assert read["variant"][0]["autoscaling_target"] is None, "still the default"


def test_values_the_spec_ignores_keep_what_the_configuration_said():
    planned = state(variant=[variant(autoscaling_target=50)],  # fixed scale: autoscaling is meaningless
                    logging=[element("logging", enabled=False, destination="bq://p.d.t")])
    read = state_from_spec(read_back(spec_from_state(planned)), planned)
    assert read["variant"][0]["autoscaling_target"] == 50
    assert read["logging"][0]["destination"] == "bq://p.d.t"


def test_json_text_keeps_the_configured_spelling_when_it_means_the_same():
    planned = state(variant=[variant()], test_query=[element("test_query", payload='{ "b": 1, "a": [1, 2] }')])
    read = state_from_spec(read_back(spec_from_state(planned)), planned)
    assert read["test_query"][0]["payload"] == '{ "b": 1, "a": [1, 2] }'


def test_bad_json_is_refused_with_the_block():
    with pytest.raises(SpecShapeError) as info:
        spec_from_state(state(variant=[variant()], test_query=[element("test_query", payload="{nope")]))
    assert info.value.path == ["test_query"] and "jsonencode" in str(info.value)


SENT = {"variants": [{"name": "stable"}, {"name": "canary"}], "test_queries": [{"name": "smoke"}]}


@pytest.mark.parametrize("spec_path, expected", [
    ("target.region", (["region"], "region")),
    ("target.platform", (["platform"], "platform")),
    ("target", (["platform"], "platform")),
    ("name", (["name"], "name")),
    ("auth_mode", (["auth_mode"], "auth_mode")),
    ("tags.Team", (["tags", ("Team",)], "tags['Team']")),
    ("variants[1].weight", (["variant"], 'variant "canary" weight')),
    ("variants[canary].image", (["variant"], 'variant "canary" image')),
    ("variants[0].accelerator.type", (["variant"], 'variant "stable" accelerator_type')),
    ("variants[0].env.KEY", (["variant"], 'variant "stable" env')),
    ("variants", (["variant"], "variant")),
    ("logging.destination", (["logging"], "logging destination")),
    ("test_queries[0].payload", (["test_query"], 'test_query "smoke" payload')),
    ("$", (None, "the deployment")),
])
def test_service_error_paths_map_to_attributes(spec_path, expected):
    assert attribute_path(spec_path, SENT) == expected


def test_every_field_of_the_spec_has_an_attribute():
    containers = {"target", "variants", "logging", "test_queries", "sync_policy", "variants[].accelerator",
                  "variants[].autoscaling"}
    mapped = {"name", "target.platform", *(f"target.{a}" for a in TARGET_ATTRIBUTES), *(leaf.spec for leaf in TOP),
              *(block.prefix + leaf.spec for block in BLOCKS.values() for leaf in block.leaves)}
    assert set(FIELDS) - containers == mapped
