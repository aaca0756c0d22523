"""The Azure ML adapter in the shared contract suite: the real MLClient against the emulator,
every request body validated against azure-ai-ml's REST models."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from core.adapter import Adapter
from core.live import LiveEndpoint
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from core.targets import AzureMLTarget
from tests.contract.drift_support import Applied, DriftData, drift

__all__ = ["AzureMLEnv"]

TARGET = {"platform": "azureml", "subscription_id": "00000000-0000-0000-0000-0000000000c1",
          "resource_group": "rg-contract", "workspace": "ws-contract"}


OWNER_KEY = "deploy-anywhere-owner"
"""The tag that carries a resource's owner stamp."""

_COLLECTIONS = frozenset({"onlineEndpoints", "deployments", "environments", "data", "autoscalesettings"})


class AzureMLEnv(DriftData):
    """ContractEnv (tests/contract/envs.py) for Azure ML."""

    platform = "azureml"
    lifecycle_operations = frozenset({"PUT onlineEndpoints", "PUT deployments", "PUT environments", "PUT data",
                                      "PUT autoscalesettings", "DELETE onlineEndpoints"})
    variants_in_immutable_config = False

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sent: list[str] = []  # "METHOD kind" of every request the adapters sent
        self._policies: list[Any] = []
        self._operator: Any = None  # the operator's (MLClient, MonitorManagementClient), made on first use

    def adapter(self, *, checked: bool = True, target: Any = None) -> Adapter[Any, Any]:
        """The adapter for ``target`` (None: :meth:`spec`'s); ``checked``: every request body it
        sends is validated against azure-ai-ml's REST models first."""
        from tests.adapters.azureml.support import adapter_for

        adapter = adapter_for(self.emulator, target or self.spec("xyz").target, checked=checked)
        if checked:
            self._policies.append(adapter.validator)
        return adapter

    def check_round_trip(self, adapter: Adapter[Any, Any], spec: EndpointSpec, live: LiveEndpoint) -> None:
        """No request body was refused by the REST models (a refusal the SDK might have swallowed)."""
        assert adapter.validator.problems == []  # type: ignore[attr-defined]

    @property
    def sent_calls(self) -> list[tuple[str, str]]:
        return [call for policy in self._policies for call in policy.sent]

    def checked_operations(self) -> set[str]:
        """``METHOD collection`` (the path's last resource collection) of every request the checked
        adapters sent; their PUT bodies were validated."""
        return {f"{method} {next(p for p in reversed(path.split('/')) if p in _COLLECTIONS)}"
                for method, path in self.sent_calls if any(p in _COLLECTIONS for p in path.split("/"))}

    def writes(self) -> list[str]:
        """Every mutating request the adapters sent so far (key and token reads are POSTs)."""
        return [f"{method} {path}" for method, path in self.sent_calls
                if method != "GET" and not path.endswith(("/listKeys", "/token"))]

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec:
        return parse_spec({
            "name": name, "target": TARGET, "auth_mode": "key",
            "variants": [
                {"name": "a", "image": image, "model_uri": "azureml:m:1", "instance_type": "Standard_DS3_v2",
                 "min_replicas": 1, "max_replicas": 3, "weight": 80, "env": {"K": "v"}},
                {"name": "b", "image": "r/m:2", "instance_type": "Standard_F4s_v2", "weight": 20},
            ],
            "logging": {"enabled": True, "sample_percent": 10,
                        "destination": "azureml://datastores/workspaceblobstore/paths/cap"},
            "tags": {"team": "t"},
        })

    def fail(self, name: str, *, on: str, reason: str) -> None:
        self.emulator.control.fail_endpoint(name, on=on, reason=reason)

    def throttle(self, count: int) -> None:
        self.emulator.control.inject_fault(method="GET", path_contains="/onlineEndpoints/", status=429,
                                           count=count, retry_after=0)

    def resources(self, name: str) -> set[str]:
        found: set[str] = set()
        for workspace in self.emulator.control.state().get("workspaces", []):
            for endpoint in workspace.get("endpoints", []):
                if endpoint.get("name") == name:
                    found.add(f"endpoint/{name}")
                    found |= {f"deployment/{d}" for d in endpoint.get("deployments", {})}
        for setting in self.emulator.control.state().get("autoscaleSettings", []):
            tags = setting.get("tags") or {}
            target = str(setting.get("properties", {}).get("targetResourceUri", "")).lower()
            if tags.get("deploy-anywhere-deployment") == name or f"/onlineendpoints/{name.lower()}/" in target:
                found.add(f"autoscale/{setting['name']}")
        return found

    def reset(self) -> None:
        self.emulator.control.reset()

    # ------------------------------------------------------------ behind the service's back
    # An operator's own MLClient (and azure-mgmt-monitor client for autoscale settings) on the
    # same workspace, public SDK calls only; with the emulator's immediate progression each
    # poller finishes at its first poll.

    def _clients(self) -> tuple[Any, Any]:
        if self._operator is None:
            from adapters.azureml.client import make_client, make_monitor_client

            target = AzureMLTarget(**TARGET)
            bundle = make_client(target, {"url": self.emulator.url, "ca_file": str(self.emulator.ca_file)})
            self._operator = (bundle.ml, make_monitor_client(target, bundle))
        return self._operator

    def _deployment(self, name: str, variant: str) -> Any:
        ml = self._clients()[0]
        return next(d for d in ml.online_deployments.list(endpoint_name=name)
                    if (d.tags or {}).get("deploy-anywhere-variant") == variant)

    def _resubmit(self, deployment: Any) -> None:
        """``begin_create_or_update`` of a deployment read back with ``get``/``list``. azure-ai-ml
        1.35 reads a data collector's data assets back as ARM id strings and then fails to
        re-register them (AttributeError in _register_collection_data_assets): put Data entities
        back first, as a user of the SDK has to."""
        ml = self._clients()[0]
        collections = getattr(deployment.data_collector, "collections", None) or {}
        for collection in collections.values():
            if isinstance(collection.data, str):  # .../data/{name}/versions/{version}
                *_, data_name, _, version = collection.data.split("/")
                collection.data = ml.data.get(data_name, version=version)
        ml.online_deployments.begin_create_or_update(deployment).result()

    def _edit_deployment(self, name: str, variant: str, edit: Callable[[Any], None]) -> None:
        deployment = self._deployment(name, variant)
        edit(deployment)
        self._resubmit(deployment)

    def _edit_endpoint(self, name: str, edit: Callable[[Any], None]) -> None:
        ml = self._clients()[0]
        endpoint = ml.online_endpoints.get(name)
        edit(endpoint)
        ml.online_endpoints.begin_create_or_update(endpoint).result()

    def _edit_autoscale(self, name: str, edit: Callable[[Any], None]) -> None:
        """Azure Monitor autoscale setting of variant ``a`` (azure-mgmt-monitor), edited in place."""
        monitor = self._clients()[1]
        group = TARGET["resource_group"]
        target = self._deployment(name, "a").id.lower()
        setting = next(s for s in monitor.autoscale_settings.list_by_resource_group(group)
                       if s.target_resource_uri.lower() == target)
        edit(setting)
        monitor.autoscale_settings.create_or_update(group, setting.name, setting)

    @drift("variants[a].image")
    def _drift_image(self, name: str) -> Applied:
        from azure.ai.ml.entities import Environment

        ml = self._clients()[0]

        def edit(deployment: Any) -> None:
            *_, env_name, _, version = deployment.environment.split("/")
            current = ml.environments.get(env_name, version=version)
            deployment.environment = Environment(image="r/m:hotfix", inference_config=current.inference_config)

        self._edit_deployment(name, "a", edit)
        return {"variants[a].image": "r/m:hotfix"}

    @drift("variants[a].model_uri")
    def _drift_model(self, name: str) -> Applied:
        self._edit_deployment(name, "a", lambda d: setattr(d, "model", "azureml:m:2"))
        return {"variants[a].model_uri": "azureml:m:2"}

    @drift("variants[a].env.K")
    def _drift_env(self, name: str) -> Applied:
        self._edit_deployment(name, "a", lambda d: d.environment_variables.update(K="changed"))
        return {"variants[a].env.K": "changed"}

    @drift("variants[b].instance_type")
    def _drift_instance_type(self, name: str) -> Applied:
        """The instance type is create-only: a copy of the deployment on the new type takes over
        its traffic, then the old one is deleted (Azure's documented way)."""
        ml = self._clients()[0]
        old = self._deployment(name, "b")
        new = self._deployment(name, "b")
        new.name, new.instance_type = "b-resized", "Standard_DS3_v2"
        self._resubmit(new)

        def shift(endpoint: Any) -> None:
            endpoint.traffic[new.name], endpoint.traffic[old.name] = endpoint.traffic[old.name], 0

        self._edit_endpoint(name, shift)
        ml.online_deployments.begin_delete(name=old.name, endpoint_name=name).result()
        return {"variants[b].instance_type": "Standard_DS3_v2"}

    @drift("variants[b]")
    def _drift_variant_removed(self, name: str) -> Applied:
        b = self._deployment(name, "b").name
        self._edit_endpoint(name, lambda e: e.traffic.update({d: 0 if d == b else 100 for d in e.traffic}))
        self._clients()[0].online_deployments.begin_delete(name=b, endpoint_name=name).result()
        return {"variants[b]": None, "variants[a].weight": 100}

    @drift("variants[a].weight")
    def _drift_weight(self, name: str) -> Applied:
        self._edit_endpoint(name, lambda e: e.traffic.update({d: 50 for d in e.traffic}))
        return {"variants[a].weight": 50, "variants[b].weight": 50}

    @drift("variants[a].min_replicas")
    def _drift_min_replicas(self, name: str) -> Applied:
        def edit(setting: Any) -> None:
            setting.profiles[0].capacity.minimum = setting.profiles[0].capacity.default = "2"

        self._edit_autoscale(name, edit)
        return {"variants[a].min_replicas": 2}

    @drift("variants[a].max_replicas")
    def _drift_max_replicas(self, name: str) -> Applied:
        self._edit_autoscale(name, lambda s: setattr(s.profiles[0].capacity, "maximum", "5"))
        return {"variants[a].max_replicas": 5}

    @drift("variants[b].min_replicas")
    def _drift_fixed_count(self, name: str) -> Applied:
        self._edit_deployment(name, "b", lambda d: setattr(d, "instance_count", 2))
        return {"variants[b].min_replicas": 2, "variants[b].max_replicas": 2}

    @drift("variants[a].autoscaling.target")
    def _drift_scaling_target(self, name: str) -> Applied:
        def edit(setting: Any) -> None:
            scale_out = next(r for r in setting.profiles[0].rules if r.scale_action.direction == "Increase")
            scale_out.metric_trigger.threshold = 40.0

        self._edit_autoscale(name, edit)
        return {"variants[a].autoscaling.target": 40}

    @drift("logging.sample_percent")
    def _drift_logging(self, name: str) -> Applied:
        self._edit_deployment(name, "a", lambda d: setattr(d.data_collector, "sampling_rate", 0.5))
        return {"logging.sample_percent": 50}

    @drift("request_timeout_seconds")
    def _drift_timeout(self, name: str) -> Applied:
        self._edit_deployment(name, "a", lambda d: setattr(d.request_settings, "request_timeout_ms", 30000))
        return {"request_timeout_seconds": 30}

    @drift("auth_mode")
    def _drift_auth_mode(self, name: str) -> Applied:
        self._edit_endpoint(name, lambda e: setattr(e, "auth_mode", "aml_token"))
        return {"auth_mode": "token"}

    @drift("tags.team")
    def _drift_tag(self, name: str) -> Applied:
        self._edit_endpoint(name, lambda e: e.tags.update(team="someone-else"))
        return {"tags.team": "someone-else"}

    @drift("tags.owner")
    def _drift_added_tag(self, name: str) -> Applied:
        self._edit_endpoint(name, lambda e: e.tags.update(owner="ops"))
        return {"tags.owner": "ops"}

    def scale_live(self, name: str, count: int) -> None:
        """The emulator runs no autoscaler: its control API moves the instance count as Azure
        Monitor autoscale would."""
        self.emulator.control.drift(name, {"instance_count": count}, deployment=self._deployment(name, "a").name)

    def delete_behind(self, name: str) -> None:
        self._clients()[0].online_endpoints.begin_delete(name=name).result()

    def fail_live(self, name: str) -> None:
        """An Azure endpoint is Failed when its provisioning fails: the operator deletes and
        re-creates it, and that creation fails (emulator failure)."""
        from azure.ai.ml.entities import ManagedOnlineEndpoint
        from azure.core.exceptions import HttpResponseError

        ml = self._clients()[0]
        live = ml.online_endpoints.get(name)
        self.fail(name, on="create", reason="EndpointProvisioningFailed: the operator's re-create failed")
        self.delete_behind(name)
        endpoint = ManagedOnlineEndpoint(name=name, auth_mode=live.auth_mode, tags=dict(live.tags or {}))
        with contextlib.suppress(HttpResponseError):
            ml.online_endpoints.begin_create_or_update(endpoint).result()
        state = ml.online_endpoints.get(name).provisioning_state
        assert getattr(state, "value", state) == "Failed", state

    # ------------------------------------------------------------ an operator's own resources

    def create_foreign_endpoint(self, name: str) -> None:
        """An endpoint without deployments (key auth)."""
        from azure.ai.ml.entities import ManagedOnlineEndpoint

        ml = self._clients()[0]
        ml.online_endpoints.begin_create_or_update(
            ManagedOnlineEndpoint(name=name, auth_mode="key", tags={"team": "x"})).result()

    def endpoint_exists(self, name: str) -> bool:
        return any(e.name == name for e in self._clients()[0].online_endpoints.list())

    def add_foreign_sub_resource(self, name: str) -> None:
        """A deployment ``extra`` (a copy of ``b`` without the service's tags, 30 s request timeout, no
        data collector), taking 10 % from ``a``."""
        extra = self._deployment(name, "b")
        extra.name, extra.tags, extra.data_collector = "extra", {}, None
        extra.request_settings.request_timeout_ms = 30000
        self._resubmit(extra)
        a = self._deployment(name, "a").name
        self._edit_endpoint(name, lambda e: e.traffic.update({a: 70, "extra": 10}))

    def unstamped(self, name: str, uid: str) -> list[str]:
        """Tags of the endpoint, its deployments and the autoscale settings that target them."""
        ml, monitor = self._clients()
        missing = [f"endpoint {name}"] if (ml.online_endpoints.get(name).tags or {}).get(OWNER_KEY) != uid else []
        for d in ml.online_deployments.list(endpoint_name=name):
            if (d.tags or {}).get(OWNER_KEY) != uid:
                missing.append(f"deployment {d.name}")
        for setting in monitor.autoscale_settings.list_by_resource_group(TARGET["resource_group"]):
            ours = f"/onlineendpoints/{name}/" in setting.target_resource_uri.lower()
            if ours and (setting.tags or {}).get(OWNER_KEY) != uid:
                missing.append(f"autoscale setting {setting.name}")
        return missing

    def forget_emulator_writes(self) -> None:
        self.emulator.control.clear_requests()

    def emulator_writes(self) -> list[str]:
        """``METHOD path`` of each mutating request the emulator answered, in order."""
        return [f"{r['method']} {r['path']}" for r in self.emulator.control.requests()
                if r["method"] != "GET" and not r["path"].endswith(("/listKeys", "/token"))]

    def endpoint_writes(self, name: str) -> list[str]:
        """The writes whose path is the endpoint's or under it (its deployments included)."""
        return [w for w in self.emulator_writes() if f"/onlineEndpoints/{name}".lower() in w.lower()]
