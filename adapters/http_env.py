"""HTTP settings from the environment, read once per client instead of once per request.

A ``requests`` session that trusts the environment (``trust_env``, the default; azure-core's
``use_env_settings``) re-reads, on EVERY request, the proxy variables (walking the whole process
environment), ``NO_PROXY``, the netrc file (a ``stat`` of ``~/.netrc``) and the CA bundle variables,
a measurable share of a basic check's CPU. botocore reads the proxies once, when a client is made;
the Vertex AI and Azure ML clients do the same through :func:`frozen_settings`, for the one
provider host each client talks to. Changing ``HTTPS_PROXY`` & co. then takes effect
for clients made afterwards (a restart), as with boto3. netrc credentials are never used: every
provider call carries its own bearer token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import requests
import requests.utils

__all__ = ["EnvSettings", "frozen_settings", "apply_to_session"]


@dataclass(frozen=True)
class EnvSettings:
    """What a trusting session would have taken from the environment for one host."""

    proxies: dict[str, str]
    """Scheme -> proxy URL (empty: no proxy, or ``NO_PROXY`` names the host)."""
    ca_bundle: str | None
    """``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` (None: the default trust store)."""


def frozen_settings(url: str) -> EnvSettings:
    """The environment's proxy and CA settings for requests to ``url``, read now."""
    proxies = {} if requests.utils.should_bypass_proxies(url, no_proxy=None) else dict(
        requests.utils.get_environ_proxies(url, no_proxy=None))
    proxies = {k: v for k, v in proxies.items() if k != "no"}
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
    return EnvSettings(proxies=proxies, ca_bundle=ca_bundle)


def apply_to_session(session: requests.Session, url: str) -> None:
    """Make ``session`` use the environment's settings for ``url`` as read now, and stop
    re-reading them per request (``trust_env = False``). An explicit ``verify`` is kept."""
    settings = frozen_settings(url)
    session.trust_env = False
    session.proxies.update(settings.proxies)
    if session.verify is True and settings.ca_bundle:
        session.verify = settings.ca_bundle
