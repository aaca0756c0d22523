"""Per-platform environments for the shared adapter contract suite: the :class:`ContractEnv`
protocol and the helpers that find each platform's implementation.

A platform joins the suites by adding one :class:`ContractEnv` implementation
(``tests/contract/env_<platform>.py``) and its entry in tests/platforms.py: the tests themselves
never change and never name a platform. The same environments carry the drift data of the
sync-check tests (tests/checks/test_drift_matrix.py): ``drifts()``, ``scale_live``,
``delete_behind`` and ``fail_live``; and the operator actions of the ownership tests
(tests/checks/test_ownership.py, tests/e2e/test_ownership_e2e.py): foreign endpoints and
sub-resources made with the cloud's own SDK, owner stamps, and every write that reached the emulator.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.adapter import Adapter
from core.live import LiveEndpoint
from core.spec import EndpointSpec
from tests.contract.drift_support import DriftFn
from tests.platforms import NAMES, TEST_PLATFORMS, emulator_fixture, load, session_fixture

__all__ = ["ContractEnv", "ENVS", "EMULATOR_FIXTURES", "SESSION_EMULATOR_FIXTURES", "make_env", "env_class",
           "drift_paths"]
# Each platform's env lives in env_<platform>.py, imported (tests/platforms.py) only when used.


class ContractEnv(Protocol):
    """One platform's adapter around its emulator, and what the suites need to know about it.

    ``platform``: the platform's name, which is also its corpus folder (``tests/corpus/<platform>``,
    every spec of which must round-trip). ``emulator``: the running emulator (its control API is
    the same on every platform: ``set_prediction``, ``calls``, ``clear_calls`` ...).
    """

    platform: str
    emulator: Any
    lifecycle_operations: frozenset[str]
    """What a create, an update and a delete send, each through the schema check (names as
    :meth:`checked_operations` spells them)."""
    variants_in_immutable_config: bool
    """Variants live in an immutable endpoint config: a variant added by hand comes with a whole
    config of someone else's, which the endpoint then runs instead of the service's."""

    def adapter(self, *, checked: bool = True, target: Any = None) -> Adapter[Any, Any]:
        """The real adapter against the emulator, for ``target`` (None: the target of :meth:`spec`);
        ``checked``: every request it sends is validated against the provider's schema first."""
        ...

    def spec(self, name: str, *, image: str = "r/m:1") -> EndpointSpec: ...

    def checked_operations(self) -> set[str]:
        """The operations the checked adapters sent so far (each validated against the schema)."""
        ...

    def check_round_trip(self, adapter: Adapter[Any, Any], spec: EndpointSpec, live: LiveEndpoint) -> None:
        """Assert what this platform adds to the round-trip property once ``spec`` round-tripped
        through ``adapter`` and was observed as ``live`` (provider ids, recorded schema problems)."""
        ...

    def fail(self, name: str, *, on: str, reason: str) -> None: ...
    def throttle(self, count: int) -> None: ...
    def resources(self, name: str) -> set[str]: ...
    def writes(self) -> list[str]: ...
    def reset(self) -> None: ...

    # Behind the service's back, on an endpoint deployed from ``spec(name)`` (drift checks):
    @classmethod
    def drift_paths(cls) -> list[str]:
        """The keys of ``drifts()``, without an emulator (test collection)."""
        ...

    def drifts(self) -> dict[str, DriftFn]:
        """Spec path -> a change of exactly that field on the live endpoint, made with the real
        SDK; it returns ``{path: new live value}`` for every path a full check must then report
        (see tests/contract/drift_support.py)."""
        ...

    def scale_live(self, name: str, count: int) -> None:
        """The platform's autoscaler sets the current instance count of variant ``a``."""
        ...

    def delete_behind(self, name: str) -> None:
        """Delete the endpoint (as an operator would); returns once it is gone."""
        ...

    def fail_live(self, name: str) -> None:
        """Leave the endpoint in the platform's failed (down) state; returns once it is there."""
        ...

    # What an operator makes by hand with the cloud's public SDK, next to (or instead of) what the
    # service manages (ownership tests); nothing of it carries a stamp of the service:
    def create_foreign_endpoint(self, name: str) -> None:
        """Create an endpoint called ``name`` that the service did not create (tagged ``team: x``),
        serving, where the platform needs a model for that, a model of someone else's; returns
        once it is settled."""
        ...

    def endpoint_exists(self, name: str) -> bool:
        """Whether an endpoint called ``name`` exists (listed with the SDK), whoever made it."""
        ...

    def add_foreign_sub_resource(self, name: str) -> None:
        """Add a foreign sub-resource, carrying traffic, to the service's endpoint ``name`` (deployed
        from ``spec(name)``: variants ``a`` 80 % and ``b`` 20 %). Where
        :attr:`variants_in_immutable_config`, the endpoint runs a config written by hand instead
        (variants ``a``, reusing the variant's name, and ``x``, on a model of someone else's);
        otherwise the foreign one takes 10 % from ``a`` and the service's own stay as they are."""
        ...

    def unstamped(self, name: str, uid: str) -> list[str]:
        """The resources made for deployment ``name`` that do not carry the owner stamp ``uid``,
        each as ``"<kind> <name or id>"`` (empty: every one does)."""
        ...

    def forget_emulator_writes(self) -> None:
        """Start counting the requests that reach the emulator afresh (:meth:`emulator_writes`)."""
        ...

    def emulator_writes(self) -> list[str]:
        """The mutating requests that reached the emulator since :meth:`forget_emulator_writes`, from
        anyone (the service, its adapters or an operator); reads (and key/token reads sent as POSTs)
        are not counted. Unlike :meth:`writes`, which counts only what the adapters sent."""
        ...

    def endpoint_writes(self, name: str) -> list[str]:
        """Those of :meth:`emulator_writes` that address the endpoint ``name`` itself or what the
        platform keeps inside it (traffic, tags, deployed models, scaling, existence), as opposed to
        resources beside it (models, endpoint configs, environments). Where the emulator counts
        writes per operation only, every write of such an operation, whichever endpoint it named."""
        ...


ENVS = list(NAMES)
"""Every platform (tests/platforms.py): the parametrisation of the contract suites."""

EMULATOR_FIXTURES = {p: emulator_fixture(p) for p in NAMES}
"""The conftest fixture (tests/conftest.py) that yields each platform's emulator, reset."""

SESSION_EMULATOR_FIXTURES = {p: session_fixture(p) for p in NAMES}
"""The session-scoped conftest fixture behind each of those (not reset per test)."""


def env_class(platform: str) -> type[Any]:
    """The contract environment class of ``platform`` (tests/platforms.py ``contract_env``)."""
    cls: type[Any] = load(TEST_PLATFORMS[platform].contract_env)
    return cls


def make_env(platform: str, emulator: Any) -> ContractEnv:
    """The contract environment of ``platform`` around its (reset) emulator."""
    env: ContractEnv = env_class(platform)(emulator)
    return env


def drift_paths(platform: str) -> list[str]:
    """The spec paths ``platform``'s environment drifts (for collection: no emulator needed)."""
    return list(env_class(platform).drift_paths())
