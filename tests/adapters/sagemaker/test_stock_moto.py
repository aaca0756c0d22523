"""The SageMaker adapter against STOCK moto (no project patches), reached the way a user points the
service at any SageMaker-compatible endpoint: ``AWS_ENDPOINT_URL`` in the environment, the adapter
built for production (no sandbox emulator map).

moto runs in its own process (``python -m moto.server``), so none of the SageMaker emulator's
in-process patches reach it. Stock moto creates every endpoint ``InService`` at once and has no
UpdateEndpoint: these tests deploy once and drift the endpoint with plain boto3.
The server and the environment that points boto3 at it are tests/adapters/sagemaker/conftest.py's
``stock_moto`` and ``aws_env``.
"""

from __future__ import annotations

import warnings

import boto3
import pytest

from adapters.sagemaker.adapter import SageMakerAdapter
from core.checks.judge import judge
from core.checks.read import observe
from core.errors import NotOwned
from core.live import Health, Sync
from core.ownership import Ownership, new_owner
from core.spec import EndpointSpec
from core.spec_io import parse_spec
from tests.support.stepping import drive, rollout

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _spec(name: str) -> EndpointSpec:
    return parse_spec({
        "name": name,
        "target": {"platform": "sagemaker", "region": "us-east-1",
                   "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"},
        "variants": [{"name": "a", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1",
                      "instance_type": "ml.c5.xlarge", "min_replicas": 2, "max_replicas": 2}],
        "tags": {"team": "risk"},
    })


def _check(adapter: SageMakerAdapter, spec: EndpointSpec, *, full: bool):
    return judge(spec, observe(adapter, spec.name, full=full), adapter.capabilities)


def test_deploy_check_and_drift_on_stock_moto(aws_env: str) -> None:
    spec = _spec("moto-plain")
    adapter = SageMakerAdapter(spec.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rollout(adapter, spec)
    for full in (True, False):
        outcome = _check(adapter, spec, full=full)
        assert (outcome.health, outcome.sync, outcome.drift.changes) == (Health.SERVING, Sync.IN_SYNC, []), outcome

    client = boto3.client("sagemaker", region_name="us-east-1")  # plain boto3, the same environment
    arn = client.describe_endpoint(EndpointName=spec.name)["EndpointArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "other"}])
    full = _check(adapter, spec, full=True)
    assert [(c.path, c.actual) for c in full.drift.changes] == [("tags.team", "other")]
    basic = _check(adapter, spec, full=False)
    assert basic.sync is Sync.IN_SYNC and "tags.*" in basic.unobserved, "a basic read does not see tags"

    client.update_endpoint_weights_and_capacities(
        EndpointName=spec.name, DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredInstanceCount": 3}])
    basic = _check(adapter, spec, full=False)
    assert {(c.path, c.actual) for c in basic.drift.changes} == {
        ("variants[a].min_replicas", 3), ("variants[a].max_replicas", 3)}, "a fixed-size count is read by a basic check"


def test_a_foreign_endpoint_on_stock_moto_is_refused_and_left_alone(aws_env: str) -> None:
    """An endpoint made with plain boto3 under the deployment's name (no stamp of ours): submit
    refuses it (not_owned) before any write, and a delete leaves it."""
    spec = _spec("moto-foreign")
    client = boto3.client("sagemaker", region_name="us-east-1")
    client.create_model(ModelName="someone-elses", PrimaryContainer={"Image": "r/other:1"},
                        ExecutionRoleArn="arn:aws:iam::123456789012:role/Other")
    client.create_endpoint_config(EndpointConfigName="someone-elses", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "someone-elses", "InitialInstanceCount": 1,
        "InstanceType": "ml.c5.xlarge"}])
    client.create_endpoint(EndpointName=spec.name, EndpointConfigName="someone-elses")
    adapter = SageMakerAdapter(spec.target)
    owner = Ownership(new_owner())
    assert not owner.owns(adapter.stamps(spec.name))
    with pytest.raises(NotOwned):
        drive(adapter.submit, adapter.to_request(spec, owner=owner))
    assert adapter.delete(spec.name, owner=owner).done is True
    assert client.describe_endpoint(EndpointName=spec.name)["EndpointConfigName"] == "someone-elses"
    models = [m["ModelName"] for m in client.list_models()["Models"]]
    assert "someone-elses" in models and not [m for m in models if m.startswith(spec.name)], models
