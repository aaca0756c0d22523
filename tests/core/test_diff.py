from core.diff import Severity, diff

EXP = {
    "target": {"platform": "sagemaker", "region": "us-east-1"},
    "variants": [{"name": "a", "image": "i:1", "weight": 70, "env": {"X": "1"}},
                 {"name": "b", "image": "i:2", "weight": 30, "env": {}}],
    "tags": {"team": "x"},
}


def test_equal_is_in_sync():
    assert diff(EXP, EXP).in_sync


def test_variants_matched_by_name_not_position():
    live = {**EXP, "variants": list(reversed(EXP["variants"]))}
    assert diff(EXP, live).in_sync


def test_field_level_changes_with_paths_and_severity():
    live = {**EXP, "variants": [{**EXP["variants"][0], "image": "i:9", "env": {"X": "2", "Y": "3"}},
                                EXP["variants"][1]], "tags": {"team": "y"}}
    drift = diff(EXP, live)
    by_path = {c.path: c for c in drift.changes}
    assert set(by_path) == {"variants[a].image", "variants[a].env.X", "variants[a].env.Y", "tags.team"}
    assert by_path["variants[a].image"].expected == "i:1" and by_path["variants[a].image"].actual == "i:9"
    assert by_path["variants[a].env.Y"].expected is None
    assert by_path["tags.team"].severity is Severity.COSMETIC
    assert by_path["variants[a].image"].severity is Severity.MATERIAL


def test_missing_and_extra_variants_reported_whole():
    live = {**EXP, "variants": [EXP["variants"][0], {"name": "c", "image": "i:3", "weight": 30, "env": {}}]}
    paths = diff(EXP, live).paths()
    assert paths == ["variants[b]", "variants[c]"]


def test_ignore_globs_only_and_provider_fields():
    live = {**EXP, "tags": {"team": "y"}, "variants": [{**EXP["variants"][0], "env": {"X": "9"}}, EXP["variants"][1]]}
    assert diff(EXP, live, ignore=["tags.*", "variants[*].env.*"]).in_sync
    assert diff(EXP, live, only=["tags"]).paths() == ["tags.team"]
    drift = diff(EXP, live, provider_fields={"variants[*].env*": "Environment"})
    assert {c.provider_field for c in drift.changes} == {"Environment", None}


def test_odd_keys_are_quoted():
    live = {**EXP, "tags": {"team": "x", "a.b": "1"}}
    assert diff(EXP, live).paths() == ['tags["a.b"]']


def test_replacements_name_the_rule_and_both_values():
    from core.diff import replacements

    new = {**EXP, "target": {"platform": "sagemaker", "region": "eu-west-1"}, "tags": {"team": "y"}}
    found = replacements(EXP, new, {"target.region": "one region per endpoint"})
    assert found == [{"path": "target.region", "from": "us-east-1", "to": "eu-west-1",
                      "reason": "one region per endpoint"}]
    assert replacements(EXP, EXP, {"target.region": "x"}) == []


def test_logging_switched_off_is_one_change_of_the_whole_sub_config():
    on = {**EXP, "logging": {"enabled": True, "sample_percent": 10, "destination": "s3://b/x/"}}
    off = {**EXP, "logging": {"enabled": False, "sample_percent": 100, "destination": None}}
    drift = diff(on, off, provider_fields={"logging.enabled": "DataCaptureConfig.EnableCapture"})
    assert [(c.path, c.expected, c.actual, c.provider_field) for c in drift.changes] == [
        ("logging", on["logging"], off["logging"], "DataCaptureConfig.EnableCapture")]
    tweaked = {**EXP, "logging": {**on["logging"], "sample_percent": 20}}
    assert [c.path for c in diff(on, tweaked).changes] == ["logging.sample_percent"], "only when the switch flips"
