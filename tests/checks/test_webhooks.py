"""Events to webhooks: one signed delivery per transition, retried with backoff on 500, never
blocking the check; plus the signature and payload contract."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.checks.test_check_api import _check, _deploy, _drift_weights
from tests.support.api_server import running_api, wait_operation

pytestmark = pytest.mark.e2e

SECRET = "whsec-0123456789abcdef"


class Receiver:
    """A webhook receiver on 127.0.0.1 answering ``fail_first`` 500s, then 200s; keeps every request."""

    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if receiver.fail_first > 0 else 200
                receiver.fail_first -= 1
                receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict]:
        return [json.loads(body) for _, body, status in self.requests if status == 200]

    def wait_for(self, count: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.delivered()) < count:
            assert time.monotonic() < deadline, f"only {len(self.delivered())} of {count} deliveries"
            time.sleep(0.05)


def _verify(headers: dict[str, str], body: bytes) -> None:
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-Deploy-Anywhere-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert abs(time.time() - int(stamp)) < 60


def test_each_transition_is_delivered_once_signed_and_retried_on_500(sagemaker_emulator, tmp_path):
    with Receiver(fail_first=2) as hook, running_api(
            tmp_path, emulator_url=sagemaker_emulator.url, webhook_backoff_seconds=0.05,
            webhooks=[{"url": hook.url, "secret": SECRET, "events": ["sync", "health"]}]) as api:
        _deploy(api)
        _check(api)
        time.sleep(0.5)
        assert hook.requests == [], "a deployment that serves in sync is not a transition"

        _drift_weights(sagemaker_emulator)
        started = time.monotonic()
        assert _check(api)["sync"] == "out_of_sync"
        assert time.monotonic() - started < 5, "the check does not wait for the webhook"
        hook.wait_for(1)
        assert [status for _, _, status in hook.requests] == [500, 500, 200]
        headers, body, _ = hook.requests[-1]
        _verify(headers, body)
        event = json.loads(body)
        assert (event["type"], event["deployment"], event["previous"], event["current"]) == (
            "sync", "chk-fraud", "in_sync", "out_of_sync")
        assert event["data"]["changes"] == 2
        assert len({h["X-Deploy-Anywhere-Delivery"] for h, _, _ in hook.requests}) == 1, "one id across retries"

        _check(api)  # still out of sync: nothing new
        reconciled = wait_operation(api, api.post("/v1/deployments/chk-fraud:reconcile").json())
        assert reconciled["metadata"]["state"] == "succeeded"
        hook.wait_for(2)
        time.sleep(0.5)
        assert [(e["previous"], e["current"]) for e in hook.delivered()] == [
            ("in_sync", "out_of_sync"), ("out_of_sync", "in_sync")]


def test_a_receiver_that_refuses_is_not_retried_forever(sagemaker_emulator, tmp_path):
    with Receiver(fail_first=100) as hook, running_api(
            tmp_path, emulator_url=sagemaker_emulator.url, webhook_backoff_seconds=0.01, webhook_attempts=3,
            webhooks=[{"url": hook.url, "secret": SECRET}]) as api:
        _deploy(api)
        _drift_weights(sagemaker_emulator)
        _check(api)
        deadline = time.monotonic() + 10
        while len(hook.requests) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        assert len(hook.requests) == 3, "webhook_attempts bounds the retries"


def test_webhook_settings_are_validated():
    from core.settings import Settings

    with pytest.raises(ValueError, match="secret"):
        Settings(webhooks=[{"url": "http://127.0.0.1:1/x", "secret": "short"}])
    with pytest.raises(ValueError, match="url"):
        Settings(webhooks=[{"url": "file:///etc/passwd", "secret": SECRET}])
