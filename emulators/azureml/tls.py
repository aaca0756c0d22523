"""TLS for the emulator: a local certificate authority (trustme) and a server certificate.

azure-core refuses to send bearer tokens over plain HTTP, so the emulator speaks HTTPS. A fresh
CA is made at each start; clients trust it through the PEM written by :func:`make_tls`
(``MLClient(connection_verify=ca_file)``, ``httpx.Client(verify=ca_file)``).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CA_FILE_NAME", "TLSMaterial", "make_tls"]

CA_FILE_NAME = "azureml-emulator-ca.pem"


@dataclass(frozen=True)
class TLSMaterial:
    """The server's SSL context and the path of the CA certificate clients must trust."""

    context: ssl.SSLContext
    ca_file: Path


def make_tls(directory: Path) -> TLSMaterial:
    """Make a CA and a certificate for ``127.0.0.1`` / ``localhost`` / ``::1``; write the CA PEM in ``directory``."""
    import trustme

    authority = trustme.CA(organization_name="deploy-anywhere Azure ML emulator")
    certificate = authority.issue_cert("127.0.0.1", "localhost", "::1")
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / CA_FILE_NAME
    authority.cert_pem.write_to_path(str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    certificate.configure_cert(context)
    return TLSMaterial(context=context, ca_file=ca_file)
