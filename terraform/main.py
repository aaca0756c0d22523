"""The launcher: ``terraform-provider-deployanywhere`` (console script) and ``python -m terraform.main``.

Terraform runs it as a plugin (go-plugin handshake on stdout). ``--dev`` serves without TLS and
prints ``TF_REATTACH_PROVIDERS`` for debugging and tests. ``--version`` prints the version.
The gRPC servicer is :class:`terraform.protocol.Servicer` (write-only attributes).
Start-up imports only the ``tf`` framework (grpc, protobuf) and this package: no cloud SDK, FastAPI,
DBOS, pydantic, nor httpx until a resource calls the service.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if "--version" in args:
        from terraform import SOURCE, VERSION

        print(f"{SOURCE} {VERSION}")
        return 0
    from terraform.protocol import serve
    from terraform.provider import DeployAnywhereProvider

    serve(DeployAnywhereProvider(), args)  # tf's runner, with write-only attributes (terraform.protocol)
    return 0


if __name__ == "__main__":
    sys.exit(main())
