"""The GAPIC clients of one Vertex AI target and the per-call timeout/retry policy.

GAPIC methods have no default timeout or retry: every call made through :meth:`Clients.call`
carries an explicit ``timeout=`` (the budget of the whole call: api-core gives each HTTP attempt
what is left of it) and ``retry=`` (429/500/502/503/504 and dropped connections, jittered
exponential backoff within a short deadline). Anything longer is core's job: when the deadline
runs out the call raises :class:`core.errors.ProviderUnavailable`.

google-api-core's Retry ignores ``Retry-After``: :meth:`CallPolicy.retry` waits it out in the
retry's ``on_error`` hook (before api-core's own backoff), and leaves a ``Retry-After`` as long as
the call's ``deadline`` to core (the error is raised at once; core.wait honours it).

Sandbox mode (``emulators={"vertex": {"url": "http://127.0.0.1:PORT"}}``): the REST transport is
pointed at the emulator (the ``http://`` scheme is kept) with anonymous credentials (so is the
Secret Manager client of :mod:`adapters.vertex.secrets`: the emulator serves its REST surface too);
the entry may carry ``"call_policy": {"timeout", "initial", "maximum", "deadline"}`` (seconds, all
optional) to shorten the per-call retries against a local emulator
(:meth:`CallPolicy.for_emulator`). Production: ``https://{location}-aiplatform.googleapis.com``
and Application Default Credentials (Secret Manager: its default endpoint, the same credentials).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import google.auth
import requests.adapters
from google.api_core.client_options import ClientOptions
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud import aiplatform_v1
from google.protobuf import json_format

from adapters.http_env import apply_to_session
from adapters.vertex.errors import is_transient, retry_after, sdk_errors
from core.adapter import CONNECTIONS_PER_HOST
from core.targets import VertexTarget

__all__ = ["CallPolicy", "Clients", "to_dict", "message", "widen_pool"]

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


@dataclass(frozen=True)
class CallPolicy:
    """Timing of one provider call: ``timeout`` seconds for the whole call (every attempt gets
    what is left); transient errors retried from ``initial`` seconds (x2, capped at ``maximum``,
    jittered) until ``deadline`` seconds have passed (keep ``deadline`` <= ``timeout``)."""

    timeout: float = 30.0
    initial: float = 0.25
    maximum: float = 4.0
    deadline: float = 20.0

    def retry(self) -> Retry:
        """api-core's Retry for one call: transient errors, jittered backoff, ``deadline``; an
        error's ``Retry-After`` is waited for before the backoff (:meth:`wait_retry_after`)."""
        return Retry(predicate=is_transient, initial=self.initial, maximum=self.maximum,
                     multiplier=2.0, timeout=self.deadline, on_error=self.wait_retry_after)

    def wait_retry_after(self, exc: Exception) -> None:
        """``on_error`` hook: sleep the ``Retry-After`` of the answer behind ``exc`` (if any); one
        as long as ``deadline`` or longer is not slept here: ``exc`` is raised at once, for core to
        wait it out (core.wait honours it), rather than sleeping into a deadline that then ends
        the call anyway."""
        after = retry_after(exc)
        if after is None or after <= 0:
            return
        if after >= self.deadline:
            raise exc
        time.sleep(after)

    @classmethod
    def for_emulator(cls, emulator: Mapping[str, Any] | None) -> CallPolicy:
        """The default policy, with the sandbox entry's ``call_policy`` fields (if any) applied."""
        overrides = dict((emulator or {}).get("call_policy") or {})
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown call_policy field(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**{k: float(v) for k, v in overrides.items()})


def to_dict(msg: Any) -> dict[str, Any]:
    """A proto-plus or protobuf message as proto-JSON (camelCase, enums by name, defaults omitted)."""
    pb = type(msg).pb(msg) if hasattr(type(msg), "pb") else msg
    return json_format.MessageToDict(pb, preserving_proto_field_name=False,
                                     use_integers_for_enums=False)


def message(cls: Any, body: Mapping[str, Any]) -> Any:
    """Parse a proto-JSON dict into an ``aiplatform_v1`` type; unknown fields are refused."""
    return cls.from_json(json.dumps(body), ignore_unknown_fields=False)


def widen_pool(session: requests.Session) -> None:
    """Keep up to ``CONNECTIONS_PER_HOST`` idle connections per host (requests keeps 10). The GAPIC
    REST transports take no session or pool size, so theirs (the transport's ``_session``, an
    ``AuthorizedSession``) is widened in place."""
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=CONNECTIONS_PER_HOST)
    for scheme in ("https://", "http://"):
        session.mount(scheme, adapter)


class Clients:
    """ModelService, EndpointService, PredictionService (REST) and an authorized session for
    rawPredict, all bound to one API root and one set of credentials."""

    def __init__(self, target: VertexTarget, emulator: Mapping[str, Any] | None,
                 policy: CallPolicy) -> None:
        self.policy = policy
        self.emulated = bool(emulator)
        credentials: Credentials
        if emulator:
            self.api = str(emulator["url"]).rstrip("/")
            credentials = AnonymousCredentials()
        else:
            self.api = f"https://{target.location}-aiplatform.googleapis.com"
            with sdk_errors("credentials"):
                credentials, _ = google.auth.default(scopes=list(SCOPES))
        self.credentials = credentials
        options = ClientOptions(api_endpoint=self.api)
        kwargs: dict[str, Any] = {"credentials": credentials, "transport": "rest",
                                  "client_options": options}
        self.models = aiplatform_v1.ModelServiceClient(**kwargs)
        self.endpoints = aiplatform_v1.EndpointServiceClient(**kwargs)
        self.prediction = aiplatform_v1.PredictionServiceClient(**kwargs)
        self.session = AuthorizedSession(credentials)
        for session in (self.session, *(getattr(c.transport, "_session", None) for c in self.all())):
            if session is not None:
                widen_pool(session)
                apply_to_session(session, self.api)  # proxies/CA from the environment, read once

    def all(self) -> tuple[Any, ...]:
        return (self.models, self.endpoints, self.prediction)

    def call(self, action: str, method: Callable[..., Any], request: Any, *,
             timeout: float | None = None) -> Any:
        """``method(request=request)`` with explicit timeout and retry, errors mapped."""
        with sdk_errors(action):
            return method(request=request, retry=self.policy.retry(),
                          timeout=timeout if timeout is not None else self.policy.timeout)
