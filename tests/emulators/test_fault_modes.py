"""Fault injection shared by the three emulators: probabilistic (seeded) faults, ``count`` as the
bound of injected failures, dropped connections, answers lost after the change, the firing
history, and the validation of the shared fields.

The core (:mod:`emulators.common.faults`) is tested directly; each emulator through its control
API and plain requests of its own protocol (one :class:`Probe` per emulator: a platform joins by
adding one).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from emulators.common.control import ControlAPIError
from emulators.common.faults import FaultInjector, RequestFault, Trigger, trigger_fields
from tests.platforms import emulator_fixture

# ------------------------------------------------------------------------------ the shared core


def test_a_seeded_trigger_fires_the_same_way_every_time() -> None:
    first, second = Trigger(count=None, probability=0.3, seed=42), Trigger(count=None, probability=0.3, seed=42)

    a = [first.fires() for _ in range(1000)]
    b = [second.fires() for _ in range(1000)]

    assert a == b
    assert 250 <= sum(a) <= 350
    assert (first.matched, first.injected, first.remaining) == (1000, sum(a), None)
    assert "_rng" not in first.as_dict() and json.dumps(first.as_dict())


def test_count_bounds_the_injected_faults_not_the_requests() -> None:
    faults: FaultInjector[RequestFault] = FaultInjector()
    faults.add(RequestFault(count=3, probability=0.5, seed=1))

    taken = [faults.take("GET", "/x") for _ in range(50)]

    assert sum(f is not None for f in taken) == 3
    assert faults.active() == [], "spent after its third firing"
    fault = next(f for f in taken if f is not None)
    assert fault.spent and fault.injected == 3 and 3 <= fault.matched < 50


def test_a_fault_that_does_not_fire_lets_the_next_one_decide() -> None:
    faults: FaultInjector[RequestFault] = FaultInjector()
    faults.add(RequestFault(count=None, probability=0.5, seed=3, status=503))
    faults.add(RequestFault(count=None, status=429))

    taken = [faults.take("GET", "/x") for _ in range(100)]

    statuses = [f.status for f in taken if f is not None]
    assert len(statuses) == 100 and 30 <= statuses.count(503) <= 70
    history = faults.history()
    assert [h["fault"] for h in history] == [1 if s == 503 else 2 for s in statuses]
    assert history[0]["request"] == ["GET", "/x"] and history[0]["at"] <= history[-1]["at"]
    faults.clear()
    assert faults.history() == [] and faults.active() == []


@pytest.mark.parametrize("spec, field", [
    ({"probability": 0}, "probability"), ({"probability": 1.5}, "probability"), ({"probability": "x"}, "probability"),
    ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"), ({"count": 0}, "count"), ({"count": "3"}, "count"),
])
def test_trigger_fields_are_validated(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"'{field}'"):
        trigger_fields(spec)


def test_trigger_defaults_and_unlimited_count() -> None:
    assert trigger_fields({}) == {"count": 1, "probability": 1.0, "seed": None}
    assert trigger_fields({"count": None, "probability": 0.25, "seed": 9}) == {
        "count": None, "probability": 0.25, "seed": 9}


# ------------------------------------------------------------------------------ per emulator


@dataclass
class Probe:
    """Plain requests of one emulator's protocol; every call returns the HTTP status, 0 when the
    connection was dropped."""

    emulator: Any
    kinds: dict[str, dict[str, Any]]
    """Fault kind (``throttle``, ``drop``, ``lost_create``) -> that emulator's ``inject_fault`` arguments."""
    client: Any

    def inject(self, kind: str, **trigger: Any) -> None:
        self.emulator.control.inject_fault(**(self.kinds[kind] | trigger))

    def read(self) -> int:
        raise NotImplementedError

    def create(self, name: str) -> int:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError


class SageMakerProbe(Probe):
    def _status(self, call: Any) -> int:
        try:
            return int(call()["ResponseMetadata"]["HTTPStatusCode"])
        except ClientError as exc:
            return int(exc.response["ResponseMetadata"]["HTTPStatusCode"])
        except BotoCoreError:
            return 0

    def read(self) -> int:
        return self._status(self.client.list_models)

    def create(self, name: str) -> int:
        return self._status(lambda: self.client.create_model(
            ModelName=name, ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"}))

    def exists(self, name: str) -> bool:
        return self._status(lambda: self.client.describe_model(ModelName=name)) == 200


class HttpProbe(Probe):
    """Vertex AI and Azure ML: raw httpx requests (``client`` is an httpx client or ArmClient)."""

    paths: dict[str, str]

    def _status(self, method: str, path: str, body: Any = None) -> int:
        try:
            return int(self._send(method, path, body).status_code)
        except httpx.TransportError:
            return 0

    def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        raise NotImplementedError


class VertexProbe(HttpProbe):
    PARENT = "projects/p/locations/us-central1"

    def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.client.request(method, f"/v1/{self.PARENT}{path}", json=body)

    def read(self) -> int:
        return self._status("GET", "/models")

    def create(self, name: str) -> int:
        return self._status("POST", f"/endpoints?endpointId={name}", {"displayName": name})

    def exists(self, name: str) -> bool:
        return self._status("GET", f"/endpoints/{name}") == 200


class AzureMLProbe(HttpProbe):
    def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.client.request(method, path, body)  # type: ignore[no-any-return]

    def read(self) -> int:
        return self._status("GET", "/onlineEndpoints")

    def create(self, name: str) -> int:
        from tests.emulators.azureml_support import endpoint_body

        return self._status("PUT", f"/onlineEndpoints/{name}", endpoint_body())

    def exists(self, name: str) -> bool:
        return self._status("GET", f"/onlineEndpoints/{name}") == 200


def _sagemaker(emulator: Any) -> Iterator[Probe]:
    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=emulator.url,
                          aws_access_key_id="k", aws_secret_access_key="s",
                          config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
    yield SageMakerProbe(emulator, {
        "throttle": {"code": "ThrottlingException", "status": 400},
        "drop": {"drop": True},
        "lost_create": {"operation": "CreateModel", "code": "InternalFailure", "status": 500, "after": True},
        "lost_create_drop": {"operation": "CreateModel", "drop": True, "after": True},
        "latency_after": {"status": 0, "delay": 0.01, "after": True},
    }, client)


def _vertex(emulator: Any) -> Iterator[Probe]:
    with httpx.Client(base_url=emulator.url, timeout=10.0) as client:
        yield VertexProbe(emulator, {
            "throttle": {"status": 429},
            "drop": {"drop": True},
            "lost_create": {"method": "POST", "status": 500, "after": True},
            "lost_create_drop": {"method": "POST", "drop": True, "after": True},
            "latency_after": {"status": 0, "delay": 0.01, "after": True},
        }, client)


def _azureml(emulator: Any) -> Iterator[Probe]:
    from tests.emulators.azureml_support import raw_client

    with raw_client(emulator) as client:
        yield AzureMLProbe(emulator, {
            "throttle": {"status": 429, "retry_after": None},
            "drop": {"drop": True},
            "lost_create": {"method": "PUT", "status": 500, "after": True, "retry_after": None},
            "lost_create_drop": {"method": "PUT", "drop": True, "after": True},
            "latency_after": {"status": 0, "delay": 0.01, "after": True},
        }, client)


PROBES = {"sagemaker": _sagemaker, "vertex": _vertex, "azureml": _azureml}
"""Platform -> probe factory (its emulator: the conftest fixture :func:`tests.platforms.emulator_fixture`)."""


@pytest.fixture(params=sorted(PROBES))
def probe(request: pytest.FixtureRequest) -> Iterator[Probe]:
    factory = PROBES[request.param]
    emulator = request.getfixturevalue(emulator_fixture(request.param))
    emulator.control.set_progression("immediate")
    yield from factory(emulator)


def _failing(status: int) -> bool:
    return status == 0 or status >= 400


def test_probabilistic_throttling_is_repeatable_with_a_seed(probe: Probe) -> None:
    probe.inject("throttle", probability=0.3, seed=11, count=None)
    first = [probe.read() for _ in range(40)]
    (fault,) = probe.emulator.control.faults()
    injections = probe.emulator.control.injections()

    probe.emulator.control.clear_faults()
    probe.inject("throttle", probability=0.3, seed=11, count=None)
    second = [probe.read() for _ in range(40)]

    failures = sum(map(_failing, first))
    assert first == second and 4 <= failures <= 24, first
    assert set(first) == {200, 429} or set(first) == {200, 400}  # SageMaker throttles with 400
    assert (fault["id"], fault["matched"], fault["injected"], fault["remaining"]) == (1, 40, failures, None)
    assert len(injections) == failures and {i["fault"] for i in injections} == {1}


def test_count_bounds_the_failures_of_a_probabilistic_fault(probe: Probe) -> None:
    probe.inject("throttle", probability=0.5, seed=3, count=2)

    statuses = [probe.read() for _ in range(30)]

    assert sum(map(_failing, statuses)) == 2
    assert probe.emulator.control.faults() == [], "spent, then gone"
    assert len(probe.emulator.control.injections()) == 2, "the history outlives the fault"


def test_a_fault_matches_the_operation_as_calls_names_it(probe: Probe) -> None:
    probe.read()
    (operation,) = probe.emulator.control.calls()
    probe.emulator.control.inject_fault(operation="NoSuchOperation", count=None)
    probe.emulator.control.inject_fault(operation=operation, count=1)

    assert [probe.read(), probe.read()] in ([429, 200], [400, 200])
    assert probe.emulator.control.calls() == {operation: 2}, "the faulted request was not counted"


def test_dropped_connection(probe: Probe) -> None:
    probe.inject("drop")

    assert [probe.read(), probe.read()] == [0, 200]


@pytest.mark.parametrize("kind", ["lost_create", "lost_create_drop"])
def test_an_answer_lost_after_the_change(probe: Probe, kind: str) -> None:
    probe.inject(kind)

    assert _failing(probe.create("lost-1")), "the client is told it failed"
    assert probe.exists("lost-1"), "but the provider made the change"


@pytest.mark.parametrize("spec, field", [
    ({"probability": 0}, "probability"), ({"probability": 2}, "probability"), ({"seed": "x"}, "seed"),
    ({"count": 0}, "count"), ({"after": "yes"}, "after"),
])
def test_shared_fields_are_validated(probe: Probe, spec: dict[str, Any], field: str) -> None:
    with pytest.raises(ControlAPIError) as refused:
        probe.emulator.control._add_fault(spec)
    assert refused.value.status == 400 and f"'{field}'" in refused.value.message


def test_after_needs_an_answer_to_replace(probe: Probe) -> None:
    with pytest.raises(ControlAPIError) as refused:
        probe.inject("latency_after")
    assert refused.value.status == 400 and "'after'" in refused.value.message


def test_azureml_drop_and_sagemaker_retry_after_headers(azureml_emulator: Any, sagemaker_emulator: Any) -> None:
    """The two effects an emulator lacked: Azure ML drops connections; SageMaker sends AWS's
    ``x-amz-retry-after`` (ms, honoured by botocore) and ``Retry-After`` (s)."""
    from tests.emulators.azureml_support import raw_client

    azureml_emulator.control.inject_fault(drop=True, path_contains="/onlineEndpoints")
    with raw_client(azureml_emulator) as arm, pytest.raises(httpx.TransportError):
        arm.get("/onlineEndpoints")

    sagemaker_emulator.control.inject_fault(operation="ListModels", retry_after=1.5)
    request = urllib.request.Request(f"{sagemaker_emulator.url}/", data=b"{}", method="POST", headers={
        "X-Amz-Target": "SageMaker.ListModels", "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as throttled:
        urllib.request.urlopen(request, timeout=10)
    headers = throttled.value.headers
    assert throttled.value.code == 400 and json.loads(throttled.value.read())["__type"] == "ThrottlingException"
    assert (headers["x-amz-retry-after"], headers["Retry-After"]) == ("1500", "2")
