"""The boto3 clients of one SageMaker target (account + region), production or sandbox.

Production: boto3's default credential chain. Sandbox (``emulators={"sagemaker": {"url": ...}}``):
every client points at the emulator with static ``sandbox`` credentials. Every client has
botocore's standard retry mode (3 attempts: single-call throttling; longer outages reach
``core/wait.py`` as ``ProviderUnavailable``), short connect and configurable read timeouts, and
``CONNECTIONS_PER_HOST`` pooled connections. The data plane gets one ``sagemaker-runtime`` client
per request timeout (the spec's ``request_timeout_seconds`` is its read timeout).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config

from core.adapter import CONNECTIONS_PER_HOST
from core.targets import SageMakerTarget

__all__ = ["Clients", "client_config"]


def client_config(read_timeout: float) -> Config:
    """The botocore config of every client (see the module docstring)."""
    return Config(retries={"mode": "standard", "total_max_attempts": 3},
                  connect_timeout=5, read_timeout=read_timeout, user_agent_extra="deploy-anywhere",
                  max_pool_connections=CONNECTIONS_PER_HOST)


class Clients:
    """``sm`` (sagemaker), ``runtime`` (sagemaker-runtime), ``scaling`` (application-autoscaling)
    of one boto3 session; ``kwargs``/``config``: how further clients of it are made."""

    def __init__(self, target: SageMakerTarget, emulator: Mapping[str, Any] | None, *,
                 read_timeout: float = 60.0) -> None:
        kwargs: dict[str, Any] = {"region_name": target.region}
        if emulator:
            kwargs |= {"endpoint_url": emulator["url"], "aws_access_key_id": "sandbox",
                       "aws_secret_access_key": "sandbox"}
        self.session = boto3.session.Session()
        self.kwargs = kwargs
        self.config = client_config(read_timeout)
        self.sm = self.session.client("sagemaker", config=self.config, **kwargs)
        self.runtime = self.session.client("sagemaker-runtime", config=self.config, **kwargs)
        self.scaling = self.session.client("application-autoscaling", config=self.config, **kwargs)
        self._runtimes: dict[float, Any] = {read_timeout: self.runtime}
        self._lock = threading.Lock()

    def runtime_for(self, timeout: float) -> Any:
        """A sagemaker-runtime client whose read timeout is ``timeout`` (the spec's request timeout)."""
        with self._lock:
            if timeout not in self._runtimes:
                self._runtimes[timeout] = self.session.client(
                    "sagemaker-runtime", config=client_config(timeout), **self.kwargs)
            return self._runtimes[timeout]
