"""Offline SageMaker emulator: moto's server plus a lifecycle extension, control API and faults.

Start one with :class:`SageMakerEmulator` and drive it with :class:`SageMakerControl`::

    with SageMakerEmulator() as emulator:
        sm = boto3.client("sagemaker", endpoint_url=emulator.url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        emulator.control.fail_endpoint("my-endpoint", on="create", reason="No capacity")

Modules, by role (moto holds the routes, handlers and backend of the emulated APIs; this package
has the same file names as the other emulators where it has the role):

- ``server``: :class:`SageMakerEmulator`, moto's server on a loopback address;
- ``routes``: the WSGI front in front of moto (control API, faults, call counts);
- ``lifecycle``: the endpoint status machine (Creating/Updating/Deleting -> InService/Failed) and
  its progression;
- ``control`` / ``control_api``: the control API's Python client / HTTP server;
- ``faults``: AWS error answers of injected faults;
- ``behaviour``: configured failures and canned predictions;
- moto extension: ``sagemaker_api`` / ``invoke`` / ``autoscaling`` (emulated operations),
  ``shapes`` (response shapes), ``validation``, ``scope`` (which requests the extension applies
  to) and ``patches`` (every change to moto).
"""

from .control import ControlAPIError, SageMakerControl
from .server import SageMakerEmulator

__all__ = ["ControlAPIError", "SageMakerControl", "SageMakerEmulator"]
