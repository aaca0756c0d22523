"""Offline SageMaker emulator: moto's server plus a lifecycle extension, control API and faults.

Start one with :class:`SageMakerEmulator` and drive it with :class:`SageMakerControl`::

    with SageMakerEmulator() as emulator:
        sm = boto3.client("sagemaker", endpoint_url=emulator.url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        emulator.control.fail_endpoint("my-endpoint", on="create", reason="No capacity")

Modules: ``server`` (the emulator), ``middleware`` (WSGI front), ``control`` / ``control_api``
(control API client / server), ``faults``, ``lifecycle`` (status machine), ``sagemaker_api`` /
``invoke`` / ``autoscaling`` (emulated operations), ``shapes`` (response shapes), ``validation``,
``behaviour`` (configured failures and responses), ``scope``, and ``patches`` (every change to moto).
"""

from .control import ControlAPIError, SageMakerControl
from .server import SageMakerEmulator

__all__ = ["ControlAPIError", "SageMakerControl", "SageMakerEmulator"]
