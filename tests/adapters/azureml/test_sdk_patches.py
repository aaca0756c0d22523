"""The azure-ai-ml patch keeps the SDK's contract without walking inspect.stack()."""

import inspect

from adapters.azureml.client import load_sdk


def test_experimental_check_is_answered_from_frames(monkeypatch):
    load_sdk()
    from azure.ai.ml._utils import _experimental

    def forbidden(*args, **kwargs):
        raise AssertionError("inspect.stack() reads every frame's source file")

    monkeypatch.setattr(inspect, "stack", forbidden)

    def _from_rest_object():  # the SDK's marker: a REST object being converted
        return _experimental._should_skip_warning()

    assert _from_rest_object() is True
    assert _experimental._should_skip_warning() is False


def test_reading_a_data_collector_back_does_not_walk_the_stack(monkeypatch):
    load_sdk()
    from azure.ai.ml.entities import DeploymentCollection

    monkeypatch.setattr(inspect, "stack", lambda *a, **k: (_ for _ in ()).throw(AssertionError("stack walked")))
    DeploymentCollection(enabled="true", sampling_rate=0.5)  # construction goes through the check
