"""Support for the fleet check benchmark (tests/bench/test_fleet_bench.py).

- :class:`EmulatorProcess`: the three emulators in a CHILD process (immediate progression), so the
  benchmark process's CPU time and GIL belong to the checker alone (in-process emulators would
  charge moto's and the ARM emulator's request handling to every check and compete for the GIL).
  The child's CPU time is read from ``/proc`` and reported separately.
- :func:`fleet_specs`: the fleet, in the contract envs' spec shapes (two variants, one autoscaled,
  logging, tags), over two targets per platform (two SageMaker regions, two Vertex AI projects, two
  Azure ML workspaces), tags varying; names interleave the platforms, as a real fleet's do.
- :func:`seed`: deploys every spec through the real adapters (``submit``/``finalize`` to the end,
  as the deploy workflow does) and records it in the store as a succeeded apply.
- :func:`measure_pass`: one ``FleetPass.run`` pass: throughput, provider calls per check per
  platform (the ``deploy_anywhere_provider_calls_total`` counter, cross-checked with the requests
  the emulators answered), CPU time of both processes, per-check latency, and every result.
- :func:`cpu_breakdown`: where one basic check's CPU goes, per platform (single thread).

Run as ``python -m tests.bench.fleet_support INFO_FILE`` this module is the child: it starts the
emulators, writes their URLs to ``INFO_FILE`` and serves until its stdin closes (so it never
outlives the benchmark process).
"""

from __future__ import annotations

import json
import logging
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from core import metrics
from core.checks.judge import judge
from core.registry import AdapterFactory
from core.spec import EndpointSpec, revision
from core.spec_io import parse_spec
from core.store import DeploymentRecord, Store
from tests.contract.envs import make_env
from tests.platforms import NAMES
from tests.support.stepping import finalize_all, submit_all

__all__ = ["PLATFORMS", "EmulatorProcess", "NoJobs", "PassResult", "fleet_specs", "seed", "all_deployments",
           "inject_latency", "clear_latency", "provider_calls", "measure_pass", "time_record", "cpu_breakdown",
           "format_passes", "format_breakdown"]

PLATFORMS = NAMES
"""Every platform of tests/platforms.py (the per-platform material below is keyed by it)."""
ROOT = Path(__file__).resolve().parents[2]
_CLK_TCK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------ emulator process

class EmulatorProcess:
    """The three emulators in a child Python process (a context manager). ``options`` is the
    ``emulators=`` mapping of :class:`core.registry.AdapterFactory`; ``controls`` the control API
    clients by platform."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._proc: subprocess.Popen[bytes] | None = None
        self.options: dict[str, dict[str, str]] = {}
        self.controls: dict[str, Any] = {}

    def __enter__(self) -> EmulatorProcess:
        from emulators.azureml.control import AzureMLControl
        from emulators.sagemaker.control import SageMakerControl
        from emulators.vertex.control import VertexControl

        info_file = self.workdir / "emulators.json"
        self._proc = subprocess.Popen([sys.executable, "-m", "tests.bench.fleet_support", str(info_file)],
                                      cwd=ROOT, stdin=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not info_file.exists():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("the emulator process did not start")
            time.sleep(0.05)
        self.options = json.loads(info_file.read_text())["platforms"]
        az = self.options["azureml"]
        self.controls = {"sagemaker": SageMakerControl(self.options["sagemaker"]["url"]),
                         "vertex": VertexControl(self.options["vertex"]["url"]),
                         "azureml": AzureMLControl(az["url"], az["ca_file"])}
        for control in self.controls.values():
            control.set_progression("immediate")
        return self

    def __exit__(self, *exc: Any) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the child's signal to stop
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()  # the child this object started, by its handle
            proc.wait(timeout=15)

    def cpu_seconds(self) -> float:
        """User + system CPU time the emulator process has used so far."""
        assert self._proc is not None
        fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (stat fields 14, 15)

    def handle(self, platform: str) -> Any:
        """What the contract envs (tests/contract/env_*.py) expect of an emulator fixture."""
        entry = self.options[platform]
        return SimpleNamespace(url=entry["url"], control=self.controls[platform],
                               ca_file=Path(entry["ca_file"]) if "ca_file" in entry else None)

    def answered(self) -> dict[str, int]:
        """Provider requests each emulator answered since :meth:`forget_answered` (its call counter)."""
        return {platform: sum(control.calls().values()) for platform, control in self.controls.items()}

    def forget_answered(self) -> None:
        for control in self.controls.values():
            control.clear_calls()


def _serve(info_file: Path) -> None:
    """The child: start the emulators, publish their URLs, serve until stdin closes."""
    from emulators.launcher import Emulators

    logging.disable(logging.WARNING)  # every injected fault is logged at INFO
    emulators = Emulators(progression={"progression": "immediate"}, state_dir=info_file.parent)
    emulators.start()
    try:
        tmp = info_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(emulators.info()))
        tmp.rename(info_file)
        sys.stdin.buffer.read()  # EOF: the parent closed the pipe (or died)
    finally:
        emulators.stop()


# ------------------------------------------------------------------------------------ latency

def inject_latency(emulators: EmulatorProcess, seconds: float, *, count: int = 1_000_000) -> None:
    """The next ``count`` provider requests to each emulator wait ``seconds`` before they are
    answered (pure latency: they then reach the emulated API)."""
    c = emulators.controls
    c["sagemaker"].inject_fault(service="*", status=0, delay=seconds, count=count)
    c["vertex"].inject_fault(status=0, delay=seconds, count=count)
    c["azureml"].inject_fault(status=0, delay=seconds, count=count)


def clear_latency(emulators: EmulatorProcess) -> None:
    for control in emulators.controls.values():
        control.clear_faults()


# ----------------------------------------------------------------------------------- the fleet

_TARGETS: dict[str, list[dict[str, Any]]] = {
    "sagemaker": [{"region": "us-east-1"}, {"region": "eu-west-1"}],
    "vertex": [{"project": "contract-proj"}, {"project": "fleet-proj-b"}],
    "azureml": [{"workspace": "ws-contract"}, {"workspace": "ws-fleet-b"}],
}


def fleet_specs(emulators: EmulatorProcess, counts: dict[str, int], *, seed: int = 5) -> list[EndpointSpec]:
    """``counts[platform]`` specs per platform: the contract env's spec with another name, one of
    two targets (alternating) and tags that vary (``team``, and ``cost-center`` on every other
    one). Names are ``fleet-NNNN`` over a shuffled platform order, so a fleet listed by name (as
    ``check_all`` and the scheduler list it) interleaves the platforms."""
    order = [p for p, n in counts.items() for _ in range(n)]
    random.Random(seed).shuffle(order)
    bases = {p: make_env(p, emulators.handle(p)).spec("fleet-base").model_dump(mode="json", exclude_none=True)
             for p in counts}
    seen: Counter[str] = Counter()
    specs = []
    for k, platform in enumerate(order):
        i = seen[platform]
        seen[platform] += 1
        doc = json.loads(json.dumps(bases[platform]))
        doc["name"] = f"fleet-{k:04d}"
        doc["target"] |= _TARGETS[platform][i % 2]
        doc["tags"] = {"team": f"team-{i % 7}", **({"cost-center": f"cc{i % 3}"} if i % 2 else {})}
        specs.append(parse_spec(doc))
    return specs


class NoJobs:
    """The job starter of a service that must never start one (checks without auto-remediation)."""

    def start_deploy(self, op_id: str, name: str, revision: str, *, account: str, verify: bool = False) -> None:
        raise AssertionError(f"a check started a deploy of {name}")

    def start_delete(self, op_id: str, name: str, *, account: str) -> None:
        raise AssertionError(f"a check started a delete of {name}")

    def cancel(self, op_id: str) -> None:
        raise AssertionError(f"a check cancelled operation {op_id}")


def _deploy(factory: AdapterFactory, store: Store, spec: EndpointSpec) -> None:
    """Roll ``spec`` out to the end, then store it as the service does after a successful apply."""
    adapter = factory.for_target(spec.target)
    request = adapter.to_request(spec)
    submit_all(adapter, request)
    finalize_all(adapter, request)
    op = store.deployments.begin_operation(spec.name, kind="apply", platform=spec.platform,
                               spec=spec.model_dump(mode="json"), revision=revision(spec))
    store.deployments.finish_operation(op.id, state="succeeded")


def seed(emulators: EmulatorProcess, store: Store, specs: Sequence[EndpointSpec], *,
         workers: int = 8) -> dict[str, float]:
    """Deploy ``specs`` through adapters of their own (not the service's, whose caches start cold),
    each platform in turn; seconds taken per platform."""
    factory = AdapterFactory(emulators=emulators.options)
    seconds: dict[str, float] = {}
    for platform in PLATFORMS:
        todo = [s for s in specs if s.platform == platform]
        if not todo:
            continue
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"seed-{platform}") as pool:
            for future in [pool.submit(_deploy, factory, store, s) for s in todo]:
                future.result()
        seconds[platform] = time.perf_counter() - started
    return seconds


def all_deployments(store: Store) -> list[DeploymentRecord]:
    """Every deployment, by name (as ``Monitor.check_all`` pages them)."""
    out: list[DeploymentRecord] = []
    while page := store.deployments.list(limit=1000, offset=len(out)):
        out += page
    return out


# ------------------------------------------------------------------------------------ measuring

def provider_calls() -> dict[str, float]:
    """``deploy_anywhere_provider_calls_total`` by platform so far (this process)."""
    return {p: metrics.REGISTRY.get_sample_value("deploy_anywhere_provider_calls_total", {"platform": p}) or 0.0
            for p in PLATFORMS}


class _Discards(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.count += 1


@contextmanager
def counting_discards() -> Iterator[_Discards]:
    logger = logging.getLogger("urllib3.connectionpool")
    handler, propagate = _Discards(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # counted here, not printed once per request
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@dataclass
class PassResult:
    """One measured fleet pass."""

    label: str
    mode: str
    concurrency: int
    latency_ms: float
    checks: int
    wall: float
    cpu: float
    emulator_cpu: float
    calls: dict[str, float]
    answered: dict[str, int]
    per_platform: dict[str, int]
    outcomes: Counter[tuple[str, str]]
    check_ms: dict[str, float]
    load: tuple[float, float]
    discards: int
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.checks / self.wall

    @property
    def cpu_ms_per_check(self) -> float:
        return 1000 * self.cpu / self.checks

    @property
    def emulator_cpu_ms_per_check(self) -> float:
        return 1000 * self.emulator_cpu / self.checks

    def calls_per_check(self, platform: str) -> float:
        n = self.per_platform.get(platform, 0)
        return self.calls.get(platform, 0.0) / n if n else 0.0

    def answered_per_check(self, platform: str) -> float:
        n = self.per_platform.get(platform, 0)
        return self.answered.get(platform, 0) / n if n else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "concurrency": self.concurrency, "latency_ms": self.latency_ms,
                "checks": self.checks, "wall_s": round(self.wall, 3), "checks_per_s": round(self.rate, 1),
                "cpu_ms_per_check": round(self.cpu_ms_per_check, 3),
                "emulator_cpu_ms_per_check": round(self.emulator_cpu_ms_per_check, 3),
                "provider_calls_per_check": {p: round(self.calls_per_check(p), 3) for p in PLATFORMS},
                "requests_answered_per_check": {p: round(self.answered_per_check(p), 3) for p in PLATFORMS},
                "check_ms": {k: round(v, 1) for k, v in self.check_ms.items()},
                "load_avg_1m": self.load, "pool_full_discards": self.discards,
                "outcomes": {f"{h}/{s}": n for (h, s), n in self.outcomes.items()}}


def measure_pass(service: Any, emulators: EmulatorProcess, items: Sequence[tuple[DeploymentRecord, str]], *,
                 label: str, concurrency: int, latency_ms: float) -> PassResult:
    """One ``service.checks.fleet.run`` over ``items`` (trigger ``scheduled``, budget not
    charged), measured."""
    fleet = service.checks.fleet
    fleet.concurrency = concurrency
    emulators.forget_answered()
    load0 = os.getloadavg()[0]
    calls0, cpu0, emu0 = provider_calls(), time.process_time(), emulators.cpu_seconds()
    with counting_discards() as discards:
        started = time.perf_counter()
        out = fleet.run(items, trigger="scheduled", charged=False)
        wall = time.perf_counter() - started
    cpu, emu = time.process_time() - cpu0, emulators.cpu_seconds() - emu0
    calls1 = provider_calls()
    answered = emulators.answered()
    durations = sorted(a.seconds * 1000 for a, _ in out)
    quantiles = statistics.quantiles(durations, n=100) if len(durations) > 1 else durations * 99
    return PassResult(
        label=label, mode=items[0][1], concurrency=concurrency, latency_ms=latency_ms, checks=len(out),
        wall=wall, cpu=cpu, emulator_cpu=emu, calls={p: calls1[p] - calls0[p] for p in PLATFORMS},
        answered=answered, per_platform=Counter(a.spec.platform for a, _ in out),
        outcomes=Counter((r.result.health, r.result.sync) if r else ("deleted", "-") for _, r in out),
        check_ms={"p50": quantiles[49], "p95": quantiles[94], "max": durations[-1]},
        load=(load0, os.getloadavg()[0]), discards=discards.count,
        errors=[(a.deployment.name, a.error.message) for a, _ in out if a.error is not None])


def time_record(store: Store, writes: Sequence[Any]) -> tuple[float, float]:
    """``(wall, CPU)`` seconds to record ``writes`` as one batch, as ``FleetPass.run`` does
    after its checks (one transaction)."""
    cpu, started = time.process_time(), time.perf_counter()
    store.checks.record(writes)
    return time.perf_counter() - started, time.process_time() - cpu


class _ConnectTimer:
    """Thread CPU spent opening HTTP(S) connections (urllib3's ``connect``: TCP, and for HTTPS
    the SSL context, CA file and handshake), while :meth:`installed`. Instrumentation only."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._local = threading.local()

    @contextmanager
    def installed(self) -> Iterator[_ConnectTimer]:
        import urllib3.connection as http

        originals = {cls: cls.__dict__["connect"] for cls in (http.HTTPConnection, http.HTTPSConnection)}
        for cls, connect in originals.items():
            setattr(cls, "connect", self._timed(connect))
        try:
            yield self
        finally:
            for cls, connect in originals.items():
                setattr(cls, "connect", connect)

    def _timed(self, connect: Callable[[Any], None]) -> Callable[[Any], None]:
        def timed(conn: Any) -> None:
            if getattr(self._local, "inside", False):  # HTTPS connect is not nested today; be safe
                return connect(conn)
            self._local.inside, started = True, time.thread_time()
            try:
                return connect(conn)
            finally:
                self.seconds += time.thread_time() - started
                self._local.inside = False

        return timed


def cpu_breakdown(service: Any, deployments: Sequence[DeploymentRecord], *,
                  mode: str = "basic") -> dict[str, dict[str, float]]:
    """Per platform, the mean CPU milliseconds (this thread) of each step of a check, run one at a
    time: ``parse_spec`` of the stored spec, the adapter lookup, ``describe`` (the SDK calls) and,
    within it, opening connections (``connect``: the emulators keep connections alive, as the clouds
    do, so only a client's first calls open one), ``to_live`` and ``judge``. Keys are ``"{platform} {mode}"``."""
    steps: dict[str, dict[str, list[float]]] = {}
    timer = _ConnectTimer()
    with timer.installed():
        for dep in deployments:
            timings = steps.setdefault(f"{dep.platform} {mode}", {})

            def timed(step: str, fn: Callable[[], Any]) -> Any:
                started = time.thread_time()
                value = fn()
                timings.setdefault(step, []).append(1000 * (time.thread_time() - started))
                return value

            spec = timed("parse_spec", lambda: parse_spec(dep.spec))
            adapter = timed("adapter_for", lambda: service.adapters.for_target(spec.target))
            connecting = timer.seconds
            described = timed("describe", lambda: adapter.describe(spec.name, full=mode == "full"))
            timings.setdefault("connect", []).append(1000 * (timer.seconds - connecting))
            live = timed("to_live", lambda: adapter.to_live(described))
            timed("judge", lambda: judge(spec, live, adapter.capabilities))
    return {p: {step: statistics.fmean(v) for step, v in t.items()} for p, t in steps.items()}


# ------------------------------------------------------------------------------------ printing

def format_passes(results: Sequence[PassResult]) -> str:
    head = (f"{'pass':<30}{'conc':>5}{'lat ms':>7}{'checks':>7}{'wall s':>8}{'checks/s':>9}{'cpu ms':>8}"
            f"{'emu cpu':>8}{'sm calls':>9}{'vx calls':>9}{'az calls':>9}{'p50 ms':>8}{'p95 ms':>8}{'load':>11}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.label:<30}{r.concurrency:>5}{r.latency_ms:>7.0f}{r.checks:>7}{r.wall:>8.2f}{r.rate:>9.1f}"
            f"{r.cpu_ms_per_check:>8.2f}{r.emulator_cpu_ms_per_check:>8.2f}"
            f"{r.calls_per_check('sagemaker'):>9.3f}{r.calls_per_check('vertex'):>9.3f}"
            f"{r.calls_per_check('azureml'):>9.3f}{r.check_ms['p50']:>8.1f}{r.check_ms['p95']:>8.1f}"
            f"{r.discards:>9}{r.load[0]:>6.1f}->{r.load[1]:<4.1f}")
    return "\n".join(lines)


def format_breakdown(breakdown: dict[str, dict[str, float]]) -> str:
    steps = ["parse_spec", "adapter_for", "describe", "connect", "to_live", "judge"]
    head = f"{'check':<16}" + "".join(f"{s:>13}" for s in steps) + f"{'total':>10}"
    lines = [head + "   (connect: part of describe)", "-" * len(head)]
    for platform, t in breakdown.items():
        total = sum(v for k, v in t.items() if k != "connect")
        lines.append(f"{platform:<16}" + "".join(f"{t.get(s, 0.0):>13.3f}" for s in steps) + f"{total:>10.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
