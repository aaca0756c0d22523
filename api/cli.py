"""``deploy-anywhere``: the CLI. Same verbs as the API, and it talks to the API (``--server``).

Exit codes (documented in the README):

- 0  success; for ``status``/``check``: serving and in sync
- 1  an error (the API's ``{code, message}`` is printed to stderr)
- 2  usage error (typer)
- 3  ``check``/``status``: out of sync (a warning)
- 4  ``check``/``status``: down (failed, missing, degraded)
- 5  ``apply --wait``/``delete --wait``: the operation failed or timed out; ``check``/``status``:
     ``not_deployed`` (the first rollout failed and was rolled back)

Every command that talks to the API sends the API key given by ``--token`` (before the command:
``deploy-anywhere --token KEY list``) or the environment variable ``DEPLOY_ANYWHERE_TOKEN``.

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
TOKEN_ENV = "DEPLOY_ANYWHERE_TOKEN"


#: This invocation's ``--token`` (set by the root callback at every invocation, also in tests).
_invocation: dict[str, str | None] = {"token": None}


@app.callback()
def _main(token: Optional[str] = typer.Option(None, "--token", envvar=TOKEN_ENV, show_envvar=True,
                                              help="API key (da_<id>_<secret>) sent as a bearer token; "
                                                   "prefer the environment variable.")) -> None:
    _invocation["token"] = token


def _token() -> str | None:
    """The API key of this invocation (``--token`` or ``DEPLOY_ANYWHERE_TOKEN``)."""
    return _invocation["token"] or os.environ.get(TOKEN_ENV) or None


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _call(server: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    import httpx

    token = _token()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, server.rstrip("/") + path, json=body, headers=headers, timeout=120)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach {server}: {exc}")
    data = response.json() if response.content else None
    if response.status_code >= 400:
        err = (data or {}).get("error", {}) if isinstance(data, dict) else {}
        lines = [f"{err.get('code', response.status_code)}: {err.get('message', response.text)}"]
        details = err.get("details")
        if isinstance(details, list):
            lines += [f"  {d.get('path', '')}: {d.get('message') or d.get('reason')}"
                      for d in details if isinstance(d, dict)]
        elif details:
            lines.append(f"  {json.dumps(details)}")
        if response.status_code == 401:
            lines.append(f"  send an API key: --token KEY (before the command) or {TOKEN_ENV}")
        _fail("\n".join(lines))
    return response.status_code, data


def _read_spec(path: Path) -> dict[str, Any]:
    import yaml

    from core.spec_io import load_yaml

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
        data = load_yaml(text)
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
    if health == "not_deployed":  # the first rollout failed and was rolled back: nothing is live
        raise typer.Exit(EXIT_OP_FAILED)
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
        live = f"unreadable ({change['unreadable']})" if change.get("unreadable") else repr(change["actual"])
        typer.echo(f"  ~ {change['path']}: {live} -> {change['expected']!r}")
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


def _print_check(result: dict[str, Any]) -> None:
    error = f" - {result['error']['message']}" if result.get("error") else ""
    typer.echo(f"{result['deployment']}: {result['health']}, {result['sync']} ({result['mode']} check){error}")
    for change in result["changes"]:
        where = f" [{change['provider_field']}]" if change.get("provider_field") else ""
        live = f"unreadable: {change['unreadable']}" if change.get("unreadable") else f"live {change['actual']!r}"
        typer.echo(f"  {change['severity']:<8} {change['path']}{where}: expected {change['expected']!r}, {live}")


def _fleet_exit(results: list[dict[str, Any]]) -> None:
    """4 if any is down, else 3 if any is out of sync, else 1 if any check could not read the provider."""
    from core.live import DOWN  # lazy: keeps `--help` light

    if any(r["health"] in {h.value for h in DOWN} for r in results):
        raise typer.Exit(EXIT_DOWN)
    if any(r["sync"] == "out_of_sync" for r in results):
        raise typer.Exit(EXIT_OUT_OF_SYNC)
    if any(r.get("error") for r in results):
        raise typer.Exit(1)


@app.command()
def check(name: Optional[str] = typer.Argument(None, help="Deployment name (or --all)."),
          full: bool = typer.Option(False, "--full", help="Compare every field."),
          all_: bool = typer.Option(False, "--all", help="Check every deployment (for cron)."),
          platform: Optional[str] = typer.Option(None, help="With --all: only this platform."),
          server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Check now: health and sync. Exit 0 all serving and in sync, 3 out of sync, 4 down (any, with --all)."""
    mode = "full" if full else "basic"
    if all_ == (name is not None):
        _fail("give a deployment name or --all", 2)
    if all_:
        _, fleet = _call(server, "POST", "/v1/checks:run", {"mode": mode, "platform": platform})
        results = fleet["results"]
        if output == "json":
            _print(fleet, output)
        else:
            rank = {h: i for i, h in enumerate(("failed", "missing", "degraded", "unknown"))}
            for result in sorted(results, key=lambda r: (rank.get(r["health"], 9), r["sync"] != "out_of_sync",
                                                         r["deployment"])):
                _print_check(result)
            counts = fleet["summary"]
            typer.echo(f"{fleet['checked']} checked: " + ", ".join(
                f"{n} {h}" for h, n in sorted(counts["by_health"].items())) + "; " + ", ".join(
                f"{n} {y}" for y, n in sorted(counts["by_sync"].items())))
        _fleet_exit(results)
        return
    _, result = _call(server, "POST", f"/v1/deployments/{name}/checks", {"mode": mode})
    if output == "json":
        _print(result, output)
    else:
        _print_check(result)
    _health_exit(result["health"], result["sync"])


@app.command()
def reconcile(name: str, wait: bool = typer.Option(False, "--wait"), timeout: float = typer.Option(3600),
              server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Re-apply the expected setup now (brings drifted live config back)."""
    _, op = _call(server, "POST", f"/v1/deployments/{name}:reconcile")
    _finish_op(server, op, wait, timeout, output)


@app.command("accept-live")
def accept_live(name: str, path: Optional[list[str]] = typer.Option(None, "--path", help="Adopt only drift "
                "at these spec path globs (repeatable)."),
                dry_run: bool = typer.Option(False, "--dry-run", help="Print the new spec; change nothing."),
                wait: bool = typer.Option(False, "--wait"), timeout: float = typer.Option(3600),
                server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Adopt the live values of drifted fields into a new revision of the spec."""
    status, result = _call(server, "POST", f"/v1/deployments/{name}:accept-live",
                           {"paths": path or None, "dry_run": dry_run})
    if status == 200:
        if output == "json" or dry_run:
            typer.echo(json.dumps(result if output == "json" else result["spec"], indent=2, sort_keys=True))
        else:
            typer.echo(f"{name}: nothing drifted; the spec is unchanged")
        return
    for change in result.get("adopted", []):
        typer.echo(f"  adopt {change['path']}: {change['expected']!r} -> {change['actual']!r}", err=True)
    _finish_op(server, result, wait, timeout, output)


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


keys_app = typer.Typer(no_args_is_help=True, help="API keys: create, list, revoke (admin key needed), generate.")
app.add_typer(keys_app, name="keys")


def _key_line(key: dict[str, Any]) -> str:
    scope = []
    if key.get("platforms"):
        scope.append("platforms=" + ",".join(key["platforms"]))
    if key.get("name_prefixes"):
        scope.append("prefixes=" + ",".join(key["name_prefixes"]))
    state = "active" if key["active"] else ("revoked" if key.get("revoked_at") else "expired")
    return f"{key['id']:<18} {key['role']:<9} {state:<8} {' '.join(scope) or '-':<30} {key['description']}"


@keys_app.command("create")
def keys_create(role: str = typer.Option(..., "--role", help="reader, deployer or admin."),
                description: str = typer.Option("", "--description", "-d", help="Who or what uses it."),
                platform: Optional[list[str]] = typer.Option(None, "--platform", help="Limit to a platform (repeat)."),
                name_prefix: Optional[list[str]] = typer.Option(None, "--name-prefix",
                                                                help="Limit to names with this prefix (repeat)."),
                expires_in_days: Optional[int] = typer.Option(None, "--expires-in-days"),
                server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Create an API key; its token is printed once."""
    body: dict[str, Any] = {"role": role, "description": description, "platforms": platform or None,
                            "name_prefixes": name_prefix or None, "expires_in_days": expires_in_days}
    _, key = _call(server, "POST", "/v1/keys", body)
    if output == "json":
        return _print(key, output)
    typer.echo(key["token"])
    typer.echo(f"created {key['role']} key {key['id']}: the token above is shown only now", err=True)


@keys_app.command("list")
def keys_list(all_: bool = typer.Option(False, "--all", help="Include revoked keys."),
              server: str = ServerOpt, output: str = OutputOpt) -> None:
    """List API keys (never their secrets)."""
    _, result = _call(server, "GET", f"/v1/keys?include_revoked={'true' if all_ else 'false'}")
    if output == "json":
        return _print(result, output)
    for key in result["keys"]:
        typer.echo(_key_line(key))


@keys_app.command("revoke")
def keys_revoke(key_id: str, server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Revoke an API key (by id); requests with it get 401 from now on."""
    _, key = _call(server, "DELETE", f"/v1/keys/{key_id}")
    if output == "json":
        return _print(key, output)
    typer.echo(f"revoked {key['id']}")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random key, without contacting the server: e.g. for
    DEPLOY_ANYWHERE_BOOTSTRAP_ADMIN_KEY (the first admin key)."""
    from core.auth import new_token

    typer.echo(new_token().token)


secrets_app = typer.Typer(no_args_is_help=True, help="Service secrets (values never shown): set, list, delete, "
                                                    "rotate (admin key needed), generate-key.")
app.add_typer(secrets_app, name="secrets")


@secrets_app.command("set")
def secrets_set(name: str, from_file: Optional[Path] = typer.Option(
                    None, "--from-file", help="Read the value from this file (default: standard input)."),
                server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Create or replace a service secret. The value is read from standard input or a file, never
    from the command line (which other users of the machine can see); one trailing newline is dropped."""
    try:
        value = from_file.read_text() if from_file is not None else sys.stdin.read()
    except OSError as exc:
        _fail(f"cannot read {from_file}: {exc}")
    value = value[:-1] if value.endswith("\n") else value
    if not value:
        _fail("the value is empty")
    status, secret = _call(server, "PUT", f"/v1/secrets/{name}", {"value": value})
    if output == "json":
        return _print(secret, output)
    typer.echo(f"{'created' if status == 201 else 'replaced'} {secret['name']} ({secret['fingerprint']})")


@secrets_app.command("list")
def secrets_list(server: str = ServerOpt, output: str = OutputOpt) -> None:
    """List service secrets: name, fingerprint, last update (never values)."""
    _, result = _call(server, "GET", "/v1/secrets")
    if output == "json":
        return _print(result, output)
    for secret in result["secrets"]:
        typer.echo(f"{secret['name']:<32} {secret['fingerprint']}  {secret['updated_at']}")


@secrets_app.command("delete")
def secrets_delete(name: str, server: str = ServerOpt) -> None:
    """Delete a service secret (refused while a deployment's spec references it)."""
    _call(server, "DELETE", f"/v1/secrets/{name}")
    typer.echo(f"deleted {name}")


@secrets_app.command("rotate")
def secrets_rotate(server: str = ServerOpt, output: str = OutputOpt) -> None:
    """Re-encrypt every stored secret with the first key of DEPLOY_ANYWHERE_SECRETS_KEY (after putting a
    new key first); the old keys can be removed afterwards."""
    _, result = _call(server, "POST", "/v1/secrets:rotate")
    if output == "json":
        return _print(result, output)
    typer.echo(f"re-encrypted {result['rotated']} secret(s)")


@secrets_app.command("generate-key")
def secrets_generate_key() -> None:
    """Print a new random key for DEPLOY_ANYWHERE_SECRETS_KEY, without contacting the server."""
    from core.secrets.keyring import generate_key

    typer.echo(generate_key())


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
    if sandbox and settings.bootstrap_admin_key is None and settings.bootstrap_admin_key_file is None:
        from core.auth import read_token_file, sandbox_admin_key

        key_file = sandbox_admin_key(settings.data_dir)  # the same file the app registers at start-up
        typer.echo(f"sandbox admin key (kept in {key_file}):\n  {read_token_file(key_file)}\n"
                   f"for the CLI:  export {TOKEN_ENV}=$(cat {key_file})", err=True)
    typer.echo(f"deploy-anywhere on http://{host}:{port} (docs: /docs){' [sandbox]' if sandbox else ''}", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def emulate(file: Path = typer.Option(Path(".deploy-anywhere/emulators.json"), "--file",
                                      help="Where to write the JSON naming each platform's URL."),
            seconds: float = typer.Option(1.0,
                                          help="Seconds per lifecycle transition (Creating -> InService).")) -> None:
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
