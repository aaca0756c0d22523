"""Hypothesis strategies of VALID specs per platform (tests/contract/test_roundtrip_property.py).

Each strategy builds spec data that passes :func:`core.spec_io.parse_spec` and has no gaps on its
platform (:func:`core.adapter.find_gaps`): it draws only from what the platform supports (its
instance-type catalog, URI schemes, label rules, limits), so a failing example is a real asymmetry
between what the service writes and what it reads back, never a refused spec. Values are drawn
with the shapes users write, normalisable spellings included (a logging destination with a
trailing ``/``, map keys in any order), because those are where asymmetries hide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from adapters.azureml.catalog import SKUS
from adapters.vertex.catalog import MACHINE_TYPES, N1_ATTACHABLE, N1_GPUS, FixedAccelerator

__all__ = ["SPECS"]

_VARIANT_NAMES = ["a", "b", "blue", "green", "canary", "stable", "v2", "shadow-1"]
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_TAG_KEY = st.from_regex(r"[a-z][a-z0-9_-]{0,11}", fullmatch=True).filter(lambda k: not k.startswith("deploy"))
_ENV_KEY = st.from_regex(r"[A-Z_][A-Z0-9_]{0,11}", fullmatch=True)
_ENV_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/=+@ é",
                     min_size=0, max_size=24)
_ROUTE = st.from_regex(r"/[a-z0-9_/-]{0,15}", fullmatch=True)
_SAGEMAKER_TYPES = ["ml.m5.large", "ml.c5.xlarge", "ml.t2.medium", "ml.c5.large", "ml.m5.xlarge"]


def _weights(n: int) -> st.SearchStrategy[list[int]]:
    """``n`` weights (0-100) summing to 100."""

    @st.composite
    def draw(d: Any) -> list[int]:
        left, out = 100, []
        for _ in range(n - 1):
            w = d(st.integers(0, left))
            out.append(w)
            left -= w
        return [*out, left]

    return draw()


def _scaling(*, metrics: list[str], max_count: int) -> st.SearchStrategy[dict[str, Any]]:
    """min/max replicas (min >= 1) and, when max > min, a target-tracking rule."""

    @st.composite
    def draw(d: Any) -> dict[str, Any]:
        low = d(st.integers(1, 3))
        high = d(st.integers(low, min(low + 3, max_count)))
        out: dict[str, Any] = {"min_replicas": low, "max_replicas": high}
        if high > low:
            metric = d(st.sampled_from(metrics))
            out["autoscaling"] = {"metric": metric,
                                  "target": d(st.integers(1, 100 if metric == "cpu_utilization" else 5000))}
        return out

    return draw()


def _logging(destination: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({"enabled": False}),
        st.builds(lambda d, p: {"enabled": True, "destination": d, "sample_percent": p},
                  destination, st.integers(1, 100)))


@st.composite
def _spec(d: Any, *, target: dict[str, Any], variant: Callable[[Any], dict[str, Any]],
          logging: st.SearchStrategy[dict[str, Any]], tags: st.SearchStrategy[dict[str, str]],
          auth: list[str], timeout: int) -> dict[str, Any]:
    names = d(st.lists(st.sampled_from(_VARIANT_NAMES), min_size=1, max_size=3, unique=True))
    weights = d(_weights(len(names)))
    variants = [{"name": n, "weight": w, **variant(d)} for n, w in zip(names, weights)]
    return {"name": "placeholder", "target": target, "variants": variants, "logging": d(logging),
            "auth_mode": d(st.sampled_from(auth)), "request_timeout_seconds": d(st.integers(1, timeout)),
            "tags": d(tags)}


# ------------------------------------------------------------------------------------ SageMaker

def _sagemaker_variant(d: Any) -> dict[str, Any]:
    return {"image": f"{d(_WORD)}/{d(_WORD)}:{d(_WORD)}",
            "model_uri": d(st.none() | st.builds(lambda b, k: f"s3://{b}/{k}/model.tar.gz", _WORD, _WORD)),
            "instance_type": d(st.sampled_from(_SAGEMAKER_TYPES)),
            "env": d(st.dictionaries(_ENV_KEY, _ENV_VALUE, max_size=3)),
            **d(_scaling(metrics=["cpu_utilization", "invocations_per_replica"], max_count=6))}


_SAGEMAKER = _spec(
    target={"platform": "sagemaker", "region": "us-east-1",
            "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
    variant=_sagemaker_variant,
    logging=_logging(st.builds(lambda b, k, slash: f"s3://{b}/{k}{slash}", _WORD, _WORD, st.sampled_from(["", "/"]))),
    tags=st.dictionaries(_TAG_KEY, _ENV_VALUE, max_size=3),
    auth=["iam"], timeout=60)


# ------------------------------------------------------------------------------------ Vertex AI

def _machine(d: Any) -> dict[str, Any]:
    """A machine type of the catalog with an accelerator it accepts."""
    machine = d(st.sampled_from(sorted(MACHINE_TYPES)))
    rule = MACHINE_TYPES[machine]
    if isinstance(rule, FixedAccelerator):
        return {"instance_type": machine, "accelerator": {"type": rule.accelerator, "count": rule.count}}
    if rule == N1_ATTACHABLE and d(st.booleans()):
        gpu = d(st.sampled_from(sorted(N1_GPUS)))
        return {"instance_type": machine, "accelerator": {"type": gpu, "count": d(st.sampled_from(N1_GPUS[gpu]))}}
    return {"instance_type": machine}


def _vertex_variant(d: Any) -> dict[str, Any]:
    return {"image": f"europe-docker.pkg.dev/prop-proj/{d(_WORD)}/{d(_WORD)}:{d(_WORD)}",
            "model_uri": d(st.none() | st.builds(lambda b, k, s: f"gs://{b}/{k}{s}", _WORD, _WORD,
                                                 st.sampled_from(["", "/"]))),
            "env": d(st.dictionaries(_ENV_KEY, _ENV_VALUE, max_size=3)),
            "port": d(st.sampled_from([8080, 5000, 8501, 9000])),
            "predict_route": d(_ROUTE), "health_route": d(_ROUTE),
            **d(_scaling(metrics=["cpu_utilization", "invocations_per_replica"], max_count=6)),
            **_machine(d)}


_LABEL = st.from_regex(r"[a-z0-9_-]{0,12}", fullmatch=True)
_VERTEX = _spec(
    target={"platform": "vertex", "project": "prop-proj", "location": "europe-west4"},
    variant=_vertex_variant,
    logging=_logging(st.builds(lambda ds, t: f"bq://prop-proj.{ds}.{t}", _WORD, _WORD)),
    tags=st.dictionaries(_TAG_KEY, _LABEL, max_size=3),
    auth=["iam"], timeout=600)


# ------------------------------------------------------------------------------------- Azure ML

def _azureml_variant(d: Any) -> dict[str, Any]:
    if d(st.integers(0, 3)) == 0:  # a registered environment brings its own port and routes
        image: dict[str, Any] = {"image": f"azureml:{d(_WORD)}:{d(st.integers(1, 9))}"}
    else:
        image = {"image": f"prop.azurecr.io/{d(_WORD)}:{d(_WORD)}", "port": d(st.sampled_from([8080, 5001, 9000])),
                 "predict_route": d(_ROUTE), "health_route": d(_ROUTE)}
    model = st.none() | st.builds(lambda n, v: f"azureml:{n}:{v}", _WORD, st.integers(1, 20)) | st.builds(
        lambda r, n, v: f"azureml://registries/{r}/models/{n}/versions/{v}", _WORD, _WORD, st.integers(1, 20))
    return {**image, "model_uri": d(model),
            "instance_type": d(st.sampled_from(SKUS)),
            "env": d(st.dictionaries(_ENV_KEY, _ENV_VALUE, max_size=3)),
            "max_concurrency": d(st.none() | st.integers(2, 16)),
            **d(_scaling(metrics=["cpu_utilization"], max_count=5))}


_AZUREML = _spec(
    target={"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-00000000a0b1",
            "resource_group": "rg-prop", "workspace": "ws-prop"},
    variant=_azureml_variant,
    logging=_logging(st.builds(lambda p, s: f"azureml://datastores/workspaceblobstore/paths/{p}{s}", _WORD,
                               st.sampled_from(["", "/"]))),
    tags=st.dictionaries(_TAG_KEY, _ENV_VALUE, max_size=3),
    auth=["iam", "key", "token"], timeout=180)

SPECS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "sagemaker": _SAGEMAKER, "vertex": _VERTEX, "azureml": _AZUREML}
"""Platform -> valid spec data (its ``name`` and ``target`` are placeholders the test replaces)."""
