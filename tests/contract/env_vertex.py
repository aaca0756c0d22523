"""The Vertex AI environment of the shared adapter contract suite: the real GAPIC adapter against
the Vertex AI emulator, every request validated against the aiplatform_v1 protos."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from core.adapter import Adapter
from core.live import LiveEndpoint
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from tests.contract.drift_support import Applied, DriftData, drift

__all__ = ["VertexEnv", "fast_calls"]

PROJECT, LOCATION = "contract-proj", "europe-west4"
PARENT = f"projects/{PROJECT}/locations/{LOCATION}"
TIMEOUT = 10.0
REGISTRY = "europe-docker.pkg.dev/contract-proj/serving/"
OWNER_KEY = "deploy-anywhere-owner"
"""The label that carries a resource's owner stamp."""
ENDPOINT_OPERATIONS = frozenset({"CreateEndpoint", "UpdateEndpoint", "DeleteEndpoint", "DeployModel", "UndeployModel",
                                 "MutateDeployedModel"})
"""The write methods that can change an endpoint itself (its traffic, labels, deployed models or existence)."""


def fast_calls() -> Any:
    """The per-call policy for tests: the same retries, without real waiting."""
    from adapters.vertex.client import CallPolicy

    return CallPolicy(timeout=10.0, initial=0.01, maximum=0.05, deadline=1.0)


class VertexEnv(DriftData):
    """ContractEnv (tests/contract/envs.py) for Vertex AI."""

    platform = "vertex"
    lifecycle_operations = frozenset({"UploadModel", "CreateEndpoint", "DeployModel", "UpdateEndpoint", "GetOperation",
                                      "UndeployModel", "DeleteEndpoint", "DeleteModel"})
    variants_in_immutable_config = False

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sent: list[str] = []  # every Vertex method the adapters sent (validated when checked)
        self._reader: Any = None

    def adapter(self, *, checked: bool = True, target: Any = None) -> Adapter[Any, Any]:
        """The adapter for ``target`` (None: :meth:`spec`'s); ``checked``: every request it sends is
        validated against the protos first."""
        from adapters.vertex.adapter import VertexAdapter
        from tests.support.vertex_schema import validate_every_request

        adapter = VertexAdapter(target or self.spec("xyz").target, emulators={"vertex": {"url": self.emulator.url}},
                                policy=fast_calls())
        validate_every_request(adapter.clients, self.sent, check=checked)
        return adapter

    def checked_operations(self) -> set[str]:
        return set(self.sent)

    def check_round_trip(self, adapter: Adapter[Any, Any], spec: EndpointSpec, live: LiveEndpoint) -> None:
        """The endpoint's resource name carries the project NUMBER, as Vertex AI answers it."""
        number = self.emulator.control.project_number(spec.target.project)
        assert live.provider_ids["endpoint"] == \
            f"projects/{number}/locations/{spec.target.location}/endpoints/{spec.name}"

    def writes(self) -> list[str]:
        """Every mutating method the adapters sent so far."""
        return [m for m in self.sent if not m.startswith(("Get", "List"))]

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec:
        """Two variants (autoscaled 80 % + fixed 20 %), logging, tags. A bare ``image`` such as
        ``r/m:1`` is placed in an Artifact Registry repository, as Vertex requires."""
        if "." not in image.split("/", 1)[0]:
            image = REGISTRY + image.replace("/", "-")
        return parse_spec({
            "name": name,
            "target": {"platform": "vertex", "project": PROJECT, "location": LOCATION},
            "variants": [
                {"name": "a", "image": image, "model_uri": "gs://contract-models/m/", "instance_type": "n1-standard-4",
                 "min_replicas": 1, "max_replicas": 3, "autoscaling": {"metric": "cpu_utilization", "target": 65},
                 "weight": 80, "env": {"K": "v"}},
                {"name": "b", "image": REGISTRY + "r-m:2", "instance_type": "n1-standard-2", "weight": 20},
            ],
            "logging": {"enabled": True, "sample_percent": 10, "destination": "bq://contract-proj.logs.x"},
            "tags": {"team": "t"},
        })

    def fail(self, name: str, *, on: str, reason: str) -> None:
        self.emulator.control.fail_endpoint(name, on=on, reason=reason)

    def throttle(self, count: int) -> None:
        self.emulator.control.inject_fault(method="GET", path_contains="/endpoints/", status=429, count=count)

    def _clients(self) -> tuple[Any, Any]:
        if self._reader is None:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials
            from google.cloud import aiplatform_v1

            kwargs = {"transport": "rest", "credentials": AnonymousCredentials(),
                      "client_options": ClientOptions(api_endpoint=self.emulator.url)}
            self._reader = (aiplatform_v1.EndpointServiceClient(**kwargs),
                            aiplatform_v1.ModelServiceClient(**kwargs))
        return self._reader

    def resources(self, name: str) -> set[str]:
        """``endpoint/..``, ``deployed-model/..`` and ``model/..`` that exist for deployment ``name``."""
        endpoints, models = self._clients()
        parent = f"projects/{PROJECT}/locations/{LOCATION}"
        found = set()
        for ep in endpoints.list_endpoints(parent=parent, timeout=10):
            if ep.name.rsplit("/", 1)[-1] == name:
                found.add(f"endpoint/{name}")
                found |= {f"deployed-model/{dm.id}" for dm in ep.deployed_models}
        for model in models.list_models(parent=parent, timeout=10):
            model_id = model.name.rsplit("/", 1)[-1]
            if model_id.startswith(name + "-") or model.labels.get("deploy-anywhere-deployment") == name:
                found.add(f"model/{model_id}")
        return found

    def reset(self) -> None:
        self.emulator.control.reset()

    # ------------------------------------------------------------ behind the service's back
    # GAPIC calls as an operator's script would make them; with the emulator's immediate
    # progression every operation is done when it is answered.

    def _get(self, name: str) -> Any:
        return self._clients()[0].get_endpoint(name=f"{PARENT}/endpoints/{name}", timeout=TIMEOUT)

    @staticmethod
    def _deployed(endpoint: Any, variant: str) -> Any:
        return next(dm for dm in endpoint.deployed_models if dm.display_name == variant)

    @staticmethod
    def _copy(message: Any) -> Any:
        return type(message).deserialize(type(message).serialize(message))

    def _update(self, name: str, field: str, value: Any) -> None:
        """UpdateEndpoint of one field (a PATCH with that update mask, as the console sends)."""
        from google.cloud import aiplatform_v1
        from google.protobuf import field_mask_pb2

        endpoint = aiplatform_v1.Endpoint(name=f"{PARENT}/endpoints/{name}", **{field: value})
        self._clients()[0].update_endpoint(endpoint=endpoint, update_mask=field_mask_pb2.FieldMask(paths=[field]),
                                           timeout=TIMEOUT)

    def _mutate(self, name: str, variant: str, edit: Callable[[Any], None]) -> None:
        """MutateDeployedModel: replica counts and autoscaling of the variant, in place."""
        from google.cloud import aiplatform_v1
        from google.protobuf import field_mask_pb2

        endpoint = self._get(name)
        deployed = self._deployed(endpoint, variant)
        resources = self._copy(deployed.dedicated_resources)
        edit(resources)
        mask = [f"dedicated_resources.{f}" for f in ("min_replica_count", "max_replica_count",
                                                    "autoscaling_metric_specs")]
        changed = aiplatform_v1.DeployedModel(id=deployed.id, dedicated_resources=resources)
        self._clients()[0].mutate_deployed_model(
            endpoint=endpoint.name, deployed_model=changed, update_mask=field_mask_pb2.FieldMask(paths=mask),
            timeout=TIMEOUT).result(timeout=TIMEOUT)

    def _replace(self, name: str, variant: str, *, model: str | None = None,
                 machine_type: str | None = None) -> None:
        """What Vertex requires for any other change of a deployed model: deploy the new one
        beside it (same display name) taking over its traffic, then undeploy the old one."""
        from google.cloud import aiplatform_v1

        endpoints = self._clients()[0]
        endpoint = self._get(name)
        old = self._deployed(endpoint, variant)
        resources = self._copy(old.dedicated_resources)
        if machine_type:
            resources.machine_spec.machine_type = machine_type
        traffic = {k: v for k, v in endpoint.traffic_split.items() if k != old.id}
        traffic["0"] = endpoint.traffic_split[old.id]  # "0": the model being deployed
        new = aiplatform_v1.DeployedModel(model=model or old.model, display_name=variant,
                                          dedicated_resources=resources)
        endpoints.deploy_model(endpoint=endpoint.name, deployed_model=new, traffic_split=traffic,
                               timeout=TIMEOUT).result(timeout=TIMEOUT)
        endpoints.undeploy_model(endpoint=endpoint.name, deployed_model_id=old.id,
                                 timeout=TIMEOUT).result(timeout=TIMEOUT)

    def _new_model(self, name: str, variant: str, edit: Callable[[Any], None]) -> None:
        """Models are immutable: upload an edited copy of the variant's Model (its labels, the
        ownership stamps, copied too: a copy without them is a foreign model, reported as
        ``unmanaged[...]``, tests/checks/test_ownership.py) and put it in place."""
        from google.cloud import aiplatform_v1

        models = self._clients()[1]
        current = models.get_model(name=self._deployed(self._get(name), variant).model, timeout=TIMEOUT)
        model = aiplatform_v1.Model(display_name=current.display_name, artifact_uri=current.artifact_uri,
                                    container_spec=self._copy(current.container_spec), labels=dict(current.labels))
        edit(model)
        request = {"parent": PARENT, "model": model, "model_id": f"{name}-{variant}-operator"}
        uploaded = models.upload_model(request=request, timeout=TIMEOUT).result(timeout=TIMEOUT)
        self._replace(name, variant, model=uploaded.model)

    def _undeploy_all(self, name: str) -> Any:
        """Undeploy every deployed model, the one with the least traffic first (its share moves to
        the others; Vertex refuses to undeploy a model with traffic while others remain)."""
        endpoints = self._clients()[0]
        endpoint = self._get(name)
        while endpoint.deployed_models:
            traffic = dict(endpoint.traffic_split)
            least = min(endpoint.deployed_models, key=lambda dm: traffic.get(dm.id, 0))
            share = traffic.pop(least.id, 0)
            if traffic and share:
                heir = max(traffic, key=lambda k: traffic[k])
                traffic[heir] += share
            endpoints.undeploy_model(endpoint=endpoint.name, deployed_model_id=least.id,
                                     traffic_split=traffic or None, timeout=TIMEOUT).result(timeout=TIMEOUT)
            endpoint = self._get(name)
        return endpoint

    @drift("variants[a].image")
    def _drift_image(self, name: str) -> Applied:
        self._new_model(name, "a", lambda m: setattr(m.container_spec, "image_uri", REGISTRY + "r-m:hotfix"))
        return {"variants[a].image": REGISTRY + "r-m:hotfix"}

    @drift("variants[a].model_uri")
    def _drift_model(self, name: str) -> Applied:
        self._new_model(name, "a", lambda m: setattr(m, "artifact_uri", "gs://contract-models/other/"))
        return {"variants[a].model_uri": "gs://contract-models/other/"}

    @drift("variants[a].env.K")
    def _drift_env(self, name: str) -> Applied:
        from google.cloud import aiplatform_v1

        def edit(model: Any) -> None:
            model.container_spec.env = [aiplatform_v1.EnvVar(name="K", value="changed")]

        self._new_model(name, "a", edit)
        return {"variants[a].env.K": "changed"}

    @drift("variants[b].instance_type")
    def _drift_instance_type(self, name: str) -> Applied:
        self._replace(name, "b", machine_type="n1-standard-4")
        return {"variants[b].instance_type": "n1-standard-4"}

    @drift("variants[b]")
    def _drift_variant_removed(self, name: str) -> Applied:
        endpoint = self._get(name)
        a, b = self._deployed(endpoint, "a"), self._deployed(endpoint, "b")
        self._clients()[0].undeploy_model(endpoint=endpoint.name, deployed_model_id=b.id, traffic_split={a.id: 100},
                                          timeout=TIMEOUT).result(timeout=TIMEOUT)
        return {"variants[b]": None, "variants[a].weight": 100}

    @drift("variants[a].weight")
    def _drift_weight(self, name: str) -> Applied:
        endpoint = self._get(name)
        self._update(name, "traffic_split", {dm.id: 50 for dm in endpoint.deployed_models})
        return {"variants[a].weight": 50, "variants[b].weight": 50}

    @drift("variants[a].min_replicas")
    def _drift_min_replicas(self, name: str) -> Applied:
        self._mutate(name, "a", lambda r: setattr(r, "min_replica_count", 2))
        return {"variants[a].min_replicas": 2}

    @drift("variants[a].max_replicas")
    def _drift_max_replicas(self, name: str) -> Applied:
        self._mutate(name, "a", lambda r: setattr(r, "max_replica_count", 5))
        return {"variants[a].max_replicas": 5}

    @drift("variants[b].min_replicas")
    def _drift_fixed_count(self, name: str) -> Applied:
        def edit(resources: Any) -> None:
            resources.min_replica_count = resources.max_replica_count = 2

        self._mutate(name, "b", edit)
        return {"variants[b].min_replicas": 2, "variants[b].max_replicas": 2}

    @drift("variants[a].autoscaling.target")
    def _drift_scaling_target(self, name: str) -> Applied:
        def edit(resources: Any) -> None:
            resources.autoscaling_metric_specs[0].target = 40

        self._mutate(name, "a", edit)
        return {"variants[a].autoscaling.target": 40}

    @drift("variants[a].autoscaling.metric")
    def _drift_scaling_metric(self, name: str) -> Applied:
        def edit(resources: Any) -> None:
            resources.autoscaling_metric_specs[0].metric_name = (
                "aiplatform.googleapis.com/prediction/online/request_count")

        self._mutate(name, "a", edit)
        return {"variants[a].autoscaling.metric": "invocations_per_replica"}

    @drift("logging.sample_percent")
    def _drift_logging(self, name: str) -> Applied:
        config = self._copy(self._get(name).predict_request_response_logging_config)
        config.sampling_rate = 0.5
        self._update(name, "predict_request_response_logging_config", config)
        return {"logging.sample_percent": 50}

    @drift("request_timeout_seconds")
    def _drift_timeout(self, name: str) -> Applied:
        from google.cloud import aiplatform_v1
        from google.protobuf import duration_pb2

        config = aiplatform_v1.ClientConnectionConfig(inference_timeout=duration_pb2.Duration(seconds=120))
        self._update(name, "client_connection_config", config)
        return {"request_timeout_seconds": 120}

    @drift("tags.team")
    def _drift_tag(self, name: str) -> Applied:
        self._update(name, "labels", dict(self._get(name).labels) | {"team": "someone-else"})
        return {"tags.team": "someone-else"}

    @drift("tags.owner")
    def _drift_added_tag(self, name: str) -> Applied:
        self._update(name, "labels", dict(self._get(name).labels) | {"owner": "ops"})
        return {"tags.owner": "ops"}

    def scale_live(self, name: str, count: int) -> None:
        """Vertex's autoscaler changes a deployed model's available replicas (its status, which no
        API call sets): through the emulator's drift control."""
        from google.cloud import aiplatform_v1

        endpoint = self._get(name)
        deployed = json.loads(aiplatform_v1.Endpoint.to_json(endpoint))["deployedModels"]
        for dm in deployed:
            if dm["displayName"] == "a":
                dm.setdefault("status", {})["availableReplicaCount"] = count
        self.emulator.control.drift(endpoint.name, {"deployedModels": deployed})

    def delete_behind(self, name: str) -> None:
        """As in the console: undeploy the models, then delete the endpoint."""
        endpoint = self._undeploy_all(name)
        self._clients()[0].delete_endpoint(name=endpoint.name, timeout=TIMEOUT).result(timeout=TIMEOUT)

    def fail_live(self, name: str) -> None:
        """A Vertex endpoint has no failed state; it is down when nothing is deployed on it any more
        (every model undeployed behind the service's back)."""
        self._undeploy_all(name)

    # ------------------------------------------------------------ an operator's own resources

    def create_foreign_endpoint(self, name: str) -> None:
        """An empty endpoint (Vertex serves nothing until a model is deployed on it)."""
        from google.cloud import aiplatform_v1

        endpoint = aiplatform_v1.Endpoint(display_name="someone else's", labels={"team": "x"})
        self._clients()[0].create_endpoint(parent=PARENT, endpoint_id=name, endpoint=endpoint,
                                           timeout=TIMEOUT).result(timeout=TIMEOUT)

    def endpoint_exists(self, name: str) -> bool:
        return any(e.name.rsplit("/", 1)[-1] == name
                   for e in self._clients()[0].list_endpoints(parent=PARENT, timeout=TIMEOUT))

    def add_foreign_sub_resource(self, name: str) -> None:
        """A deployed model of someone else's Model, displayed as ``a``, taking 10 % from ``a``."""
        from google.cloud import aiplatform_v1

        endpoints, models = self._clients()
        model = aiplatform_v1.Model(display_name="someone else's",
                                    container_spec=aiplatform_v1.ModelContainerSpec(image_uri=REGISTRY + "r-else:1"))
        uploaded = models.upload_model(request={"parent": PARENT, "model": model, "model_id": f"{name}-by-hand"},
                                       timeout=TIMEOUT).result(timeout=TIMEOUT)
        endpoint = self._get(name)
        a = self._deployed(endpoint, "a")
        traffic = dict(endpoint.traffic_split)
        traffic[a.id] -= 10
        traffic["0"] = 10  # "0": the model being deployed
        resources = aiplatform_v1.DedicatedResources(
            machine_spec=aiplatform_v1.MachineSpec(machine_type="n1-standard-2"), min_replica_count=1,
            max_replica_count=1)
        deployed = aiplatform_v1.DeployedModel(model=uploaded.model, display_name="a", dedicated_resources=resources)
        endpoints.deploy_model(endpoint=endpoint.name, deployed_model=deployed, traffic_split=traffic,
                               timeout=TIMEOUT).result(timeout=TIMEOUT)

    def unstamped(self, name: str, uid: str) -> list[str]:
        """Labels of the endpoint and of the Model of each deployed model."""
        models = self._clients()[1]
        endpoint = self._get(name)
        missing = [f"endpoint {name}"] if endpoint.labels.get(OWNER_KEY) != uid else []
        for dm in endpoint.deployed_models:
            if models.get_model(name=dm.model, timeout=TIMEOUT).labels.get(OWNER_KEY) != uid:
                missing.append(f"model {dm.model}")
        return missing

    def forget_emulator_writes(self) -> None:
        self.emulator.control.clear_calls()

    def emulator_writes(self) -> list[str]:
        """The emulator's per-method call counts, sorted."""
        return sorted(m for m in self.emulator.control.calls() if not m.startswith(("Get", "List")))

    def endpoint_writes(self, name: str) -> list[str]:
        return [w for w in self.emulator_writes() if w in ENDPOINT_OPERATIONS]
