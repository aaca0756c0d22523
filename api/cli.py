"""``deploy-anywhere``: the CLI. Same verbs as the API, and it talks to the API (``--server``).

Exit codes (documented in the README):

- 0  success; for ``status``/``check``: serving and in sync
- 1  an error (the API's ``{code, message}`` is printed to stderr)
- 2  usage error (typer)
- 3  ``check``/``status``: out of sync (a warning)
- 4  ``check``/``status``: down (failed, missing, degraded)
- 5  ``apply --wait``/``delete --wait``: the operation failed or timed out

Imports stay light: no cloud SDK, no FastAPI, no DBOS unless ``serve``/``emulate`` runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Deploy one ML endpoint spec to SageMaker, Vertex AI or Azure ML, and keep it in sync.")

DEFAULT_SERVER = "http://127.0.0.1:8080"
ServerOpt = typer.Option(os.environ.get("DEPLOY_ANYWHERE_SERVER", DEFAULT_SERVER), "--server",
                         help="API base URL (env DEPLOY_ANYWHERE_SERVER).")
OutputOpt = typer.Option("text", "--output", "-o", help="text or json.")
EXIT_OUT_OF_SYNC, EXIT_DOWN, EXIT_OP_FAILED = 3, 4, 5


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _call(server: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    import httpx

    try:
        response = httpx.request(method, server.rstrip("/") + path, json=body, timeout=120)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach {server}: {exc}")
    data = response.json() if response.content else None
    if response.status_code >= 400:
        err = (data or {}).get("error", {}) if isinstance(data, dict) else {}
        lines = [f"{err.get('code', response.status_code)}: {err.get('message', response.text)}"]
        details = err.get("details")
        if isinstance(details, list):
            lines += [f"  {d.get('path', '')}: {d.get('message') or d.get('reason')}" for d in details if isinstance(d, dict)]
        elif details:
            lines.append(f"  {json.dumps(details)}")
        _fail("\n".join(lines))
    return response.status_code, data


def _read_spec(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        _fail(f"cannot read {path}: {exc}")
    if not isinstance(data, dict):
        _fail(f"{path}: the spec must be a mapping")
    return data


def _print(data: Any, output: str) -> None:
    if output == "json":
        typer.echo(json.dumps(data, indent=2, sort_keys=True))


def _wait(server: str, op: dict[str, Any], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not op.get("done"):
        if time.monotonic() > deadline:
            _fail(f"gave up waiting for {op['name']} after {timeout:.0f}s (it keeps running)", EXIT_OP_FAILED)
        time.sleep(1.0)
        _, op = _call(server, "GET", f"/v1/{op['name']}")
        meta = op["metadata"]
        typer.echo(f"  {meta['phase']:<13} {meta['progress']:>3}%  {meta.get('status_message') or ''}", err=True)
    return op


def _finish_op(server: str, op: dict[str, Any], wait: bool, timeout: float, output: str) -> None:
    if wait:
        op = _wait(server, op, timeout)
    if output == "json":
        _print(op, output)
    else:
        meta = op["metadata"]
        typer.echo(f"{op['name']}: {meta['kind']} {meta['deployment']} {meta['state']}")
        if op.get("error"):
            typer.echo(f"  {op['error']['code']}: {op['error']['message']}")
    if op.get("done") and op["metadata"]["state"] != "succeeded":
        raise typer.Exit(EXIT_OP_FAILED)


def _health_exit(health: str, sync: str) -> None:
    from core.live import DOWN  # lazy: keeps `--help` light

    if health in {h.value for h in DOWN}:
        raise typer.Exit(EXIT_DOWN)
    if sync == "out_of_sync":
        raise typer.Exit(EXIT_OUT_OF_SYNC)


@app.command()
def plan(file: Path = typer.Option(..., "-f", "--file", help="Spec file (YAML or JSON; - for stdin)."),
         server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Show the provider requests apply would send and the diff against live."""
    _, result = _call(server, "POST", "/v1/plan", _read_spec(file))
    if output == "json":
        return _print(result, output)
    state = "in sync" if result["in_sync"] else ("exists" if result["exists"] else "new")
    typer.echo(f"{result['name']} ({result['platform']}) revision {result['revision']}: {state}")
    for change in result["changes"]:
        typer.echo(f"  ~ {change['path']}: {change['actual']!r} -> {change['expected']!r}")
    for call in result["calls"]:
        typer.echo(f"  {call['operation']}")


@app.command()
def apply(file: Path = typer.Option(..., "-f", "--file", help="Spec file (YAML or JSON; - for stdin)."),
          wait: bool = typer.Option(False, "--wait", help="Wait until the operation is done."),
          timeout: float = typer.Option(3600, help="Seconds to wait with --wait."),
          server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Create or update a deployment from a spec file."""
    spec = _read_spec(file)
    status, result = _call(server, "PUT", f"/v1/deployments/{spec.get('name', '')}", spec)
    if status == 200:
        typer.echo(f"{result['name']}: unchanged (revision {result['revision']}, {result['health']}, {result['sync']})")
        return
    _finish_op(server, result, wait, timeout, output)


@app.command()
def status(name: str, refresh: bool = typer.Option(False, "--refresh", help="Run a basic check first."),
           server: str = ServerOpt, output: str = OutputOpt) -> None:
    """A deployment's state (exit 0 serving and in sync, 3 out of sync, 4 down)."""
    _, dep = _call(server, "GET", f"/v1/deployments/{name}{'?refresh=true' if refresh else ''}")
    if output == "json":
        _print(dep, output)
    else:
        typer.echo(f"{dep['name']} ({dep['platform']}) revision {dep['revision']}: {dep['health']}, {dep['sync']}")
        if dep.get("status_message"):
            typer.echo(f"  {dep['status_message']}")
    _health_exit(dep["health"], dep["sync"])


@app.command()
def check(name: str, full: bool = typer.Option(False, "--full", help="Compare every field."),
          server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Check a deployment now: health and sync (exit 0 ok, 3 out of sync, 4 down)."""
    _, result = _call(server, "POST", f"/v1/deployments/{name}/checks", {"mode": "full" if full else "basic"})
    if output == "json":
        _print(result, output)
    else:
        typer.echo(f"{name}: {result['health']}, {result['sync']} ({result['mode']} check)")
        for change in result["changes"]:
            where = f" [{change['provider_field']}]" if change.get("provider_field") else ""
            typer.echo(f"  {change['severity']:<8} {change['path']}{where}: expected {change['expected']!r}, live {change['actual']!r}")
    _health_exit(result["health"], result["sync"])


@app.command()
def delete(name: str, wait: bool = typer.Option(False, "--wait"), timeout: float = typer.Option(1800),
           server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Delete a deployment and every cloud resource the service created for it."""
    _, op = _call(server, "DELETE", f"/v1/deployments/{name}")
    _finish_op(server, op, wait, timeout, output)


@app.command("list")
def list_(platform: Optional[str] = typer.Option(None), server: str = ServerOpt, output: str = OutputOpt) -> None:
    """List deployments."""
    query = f"?platform={platform}" if platform else ""
    _, result = _call(server, "GET", f"/v1/deployments{query}")
    if output == "json":
        return _print(result, output)
    for dep in result["deployments"]:
        typer.echo(f"{dep['name']:<34} {dep['platform']:<10} {dep['revision']}  {dep['health']:<12} {dep['sync']}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8080),
          sandbox: bool = typer.Option(False, "--sandbox", help="Embedded SQLite + local emulators.")) -> None:
    """Run the API server (and the durable workers) in this process."""
    import uvicorn

    from api.app import create_app
    from core.settings import Settings

    settings = Settings(sandbox=True) if sandbox else Settings()
    if sandbox and os.environ.get("DEPLOY_ANYWHERE_POLL_INTERVAL_SECONDS") is None:
        settings = settings.model_copy(update={"poll_interval_seconds": 1.0, "poll_max_interval_seconds": 2.0})
    typer.echo(f"deploy-anywhere on http://{host}:{port} (docs: /docs){' [sandbox]' if sandbox else ''}", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def emulate(file: Path = typer.Option(Path(".deploy-anywhere/emulators.json"), "--file",
                                      help="Where to write the JSON naming each platform's URL."),
            seconds: float = typer.Option(1.0, help="Seconds per lifecycle transition (Creating -> InService).")) -> None:
    """Run the local cloud emulators on 127.0.0.1 until interrupted."""
    from emulators.launcher import Emulators

    emulators = Emulators(progression={"progression": "time", "seconds": seconds}, state_dir=file.parent)
    emulators.start()
    emulators.write(file)
    typer.echo(json.dumps(emulators.info(), indent=2))
    typer.echo(f"written to {file}; Ctrl-C to stop", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulators.stop()


def main() -> None:
    app()
