"""A fleet pass through the service (``Monitor.check_all``): reads one pass needs only once are
shared across its checks (core.checks.read_shared), and each check is recorded as begun no later than
the oldest reading it used."""

from __future__ import annotations

import pytest

from core.registry import AdapterFactory
from core.service import Service
from core.spec import revision
from core.spec_io import parse_spec
from core.store import Store
from tests.bench.fleet_support import NoJobs
from tests.corpus import corpus
from tests.support.stepping import rollout

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_full_pass_lists_each_resource_groups_autoscale_settings_once(azureml_emulator, tmp_path):
    options = {"azureml": {"url": azureml_emulator.url, "ca_file": str(azureml_emulator.ca_file)}}
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    base = corpus("azureml")["autoscaled"].model_dump(mode="json")
    specs = [parse_spec(base | {"name": f"pass-{n}"}) for n in range(4)]
    deployer = AdapterFactory(emulators=options)
    for spec in specs:
        rollout(deployer.for_target(spec.target), spec)
        op = store.deployments.begin_operation(spec.name, kind="apply", platform=spec.platform,
                                   spec=spec.model_dump(mode="json"), revision=revision(spec))
        store.deployments.finish_operation(op.id, state="succeeded")
    service = Service(store, AdapterFactory(emulators=options), NoJobs(), check_concurrency=1)
    try:
        azureml_emulator.control.clear_requests()
        done = service.checks.check_all(mode="full")
        listings = [r for r in azureml_emulator.control.requests()
                    if r["method"] == "GET" and r["path"].lower().endswith("/autoscalesettings")]
        assert [(r.result.health, r.result.sync) for _, r in done] == [("serving", "in_sync")] * 4
        assert len(listings) == 1
        # one check at a time: the first read the listing during its check; the others used it and
        # count as begun when it was read (before they started)
        read_at = [a.write.read_at for a, _ in done]
        assert read_at[0] < read_at[1] == read_at[2] == read_at[3]
        azureml_emulator.control.clear_requests()
        service.checks.check(specs[0].name, mode="full")
        service.checks.check(specs[1].name, mode="full")
        assert sum(1 for r in azureml_emulator.control.requests()
                   if r["method"] == "GET" and r["path"].lower().endswith("/autoscalesettings")) == 2
    finally:
        store.dispose()
