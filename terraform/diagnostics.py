"""Service errors and failed operations -> Terraform diagnostics on the right attribute.

- ``spec_invalid`` / ``unsupported_feature`` (422): one error per detail, at the attribute its spec
  path maps to (:func:`terraform.shape.attribute_path`), the element named for set blocks; a
  fingerprint the service does not hold adds how to send the value again.
- ``requires_replacement`` (409): one error per path; ``conflict``: the operation that is running.
- A failed operation: the provider's reason (``error.message``) at the attribute it concerns when
  the error says (detail paths, test queries, a variant it names), else on the resource.
Nothing here ever prints the token: diagnostics carry only what the service returned.
"""

from __future__ import annotations

from typing import Any

from tf.utils import Diagnostics

from terraform.client import ApiError
from terraform.shape import BLOCKS, SECRET_ENV, SECRET_VERSION, attribute_path

__all__ = ["api_error", "operation_failure", "wait_timeout"]

_SUMMARIES = {
    "spec_invalid": "Invalid deployment spec",
    "unsupported_feature": "Not supported on this platform",
    "requires_replacement": "Change requires replacing the deployment",
    "conflict": "Another operation is running on this deployment",
    "not_owned": "An endpoint of that name exists that this deployment did not create",
    "unreachable": "Cannot reach the deploy-anywhere service",
    "unauthenticated": "The service refused the credentials",
    "forbidden": "The token may not do this",
}


def _detail_message(detail: dict[str, Any]) -> str:
    for key in ("message", "reason"):
        if detail.get(key):
            return str(detail[key])
    if "from" in detail or "to" in detail:
        return f"{detail.get('from')!r} -> {detail.get('to')!r}"
    return str(detail)


def api_error(diags: Diagnostics, action: str, exc: ApiError, sent: dict[str, Any] | None = None) -> None:
    """Add the diagnostics for an error answer of the service to ``action`` (e.g. "create")."""
    summary = _SUMMARIES.get(exc.code)
    if summary is None and exc.status in (401, 403):
        summary = _SUMMARIES["unauthenticated" if exc.status == 401 else "forbidden"]
    summary = summary or f"deploy-anywhere {action} failed ({exc.code})"
    details = exc.details if isinstance(exc.details, list) else []
    per_path = [d for d in details if isinstance(d, dict) and "path" in d]
    if not per_path:
        diags.add_error(summary, exc.message)
        return
    for detail in per_path:
        path, label = attribute_path(str(detail["path"]), sent)
        text = f"{label}: {_detail_message(detail)} (spec path `{detail['path']}`)"
        if path and path[0] == SECRET_ENV and str(detail["path"]).endswith(".fingerprint"):
            text += f". Change `{SECRET_VERSION}` to send the configured value again."
        diags.add_error(summary, text, path=path)


def _failure_path(error: dict[str, Any], sent: dict[str, Any] | None) -> tuple[list[Any] | None, str]:
    details = error.get("details")
    if isinstance(details, dict) and "test_queries" in details:
        return ["test_query"], "test queries"
    if isinstance(details, list):
        paths = [d["path"] for d in details if isinstance(d, dict) and d.get("path")]
        if paths:
            return attribute_path(str(paths[0]), sent)
    message = str(error.get("message", ""))
    for variant in (sent or {}).get(BLOCKS["variant"].spec) or []:
        if any(str(variant.get(k) or "\0") in message for k in ("image", "model_uri", "name")):
            return ["variant"], f'variant "{variant.get("name")}"'
    return None, "the deployment"


def operation_failure(diags: Diagnostics, action: str, operation: dict[str, Any],
                      sent: dict[str, Any] | None = None) -> None:
    """Add the error for an operation that ended other than ``succeeded``."""
    state = (operation.get("metadata") or {}).get("state", "failed")
    error = operation.get("error") or {}
    path, label = _failure_path(error, sent)
    reason = error.get("message") or f"the operation ended {state}"
    diags.add_error(
        f"deploy-anywhere {action} {state.replace('_', ' ')}",
        f"{label}: {reason} (operation {operation.get('id')})",
        path=path,
    )


def wait_timeout(diags: Diagnostics, action: str, operation: dict[str, Any], seconds: float) -> None:
    """The operation outlived the resource's timeout (``seconds``); the service keeps working on it."""
    metadata = operation.get("metadata") or {}
    diags.add_error(
        f"deploy-anywhere {action} still running after {seconds:g}s",
        f"operation {operation.get('id')} is in phase {metadata.get('phase')!r} "
        f"({metadata.get('status_message') or 'no message'}); the service goes on with it. Raise "
        f"`timeouts.{action}` or run `terraform apply` again to converge.",
    )
