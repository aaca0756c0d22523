"""The deploy-anywhere Terraform provider: a REST client of the service, on the ``tf`` framework.

Import root of the provider. Nothing under ``terraform/`` imports a cloud SDK, FastAPI, DBOS or
pydantic: Terraform starts the provider several times per command, so it must start fast
(``terraform.main`` measures it). Modules, one concept each:

- :mod:`terraform.client`       the service's REST API (httpx, imported lazily) and operation waits
- :mod:`terraform.spec_fields`  spec field descriptions and defaults, generated from ``core.spec``
- :mod:`terraform.shape`        Terraform state <-> the spec (PUT body), spec paths -> attribute paths
- :mod:`terraform.schema`       the Terraform schemas (provider, resource, data sources)
- :mod:`terraform.diagnostics`  service errors -> Terraform diagnostics on the right attribute
- :mod:`terraform.resource`     ``deployanywhere_deployment``: create/read/update/delete/import
- :mod:`terraform.protocol`     write-only attributes (protocol 6.8) on top of ``tf`` 1.2.0
- :mod:`terraform.data_sources` ``deployanywhere_deployment`` and ``deployanywhere_platforms``
- :mod:`terraform.provider`     provider configuration (``endpoint``, ``token``, env fallbacks)
- :mod:`terraform.main`         the launcher (console script ``terraform-provider-deployanywhere``)
- :mod:`terraform.install`      builds a ``filesystem_mirror`` so ``terraform init`` works offline
- :mod:`terraform.generate`     writes ``spec_fields.py`` and ``docs/`` (``--check`` in tests)
"""

__all__ = ["HOSTNAME", "NAMESPACE", "TYPE", "SOURCE", "VERSION"]

HOSTNAME = "terraform.deploy-anywhere.dev"
"""A hostname the project owns: Terraform never contacts it when a mirror serves the provider."""
NAMESPACE = "deploy-anywhere"
TYPE = "deployanywhere"
SOURCE = f"{HOSTNAME}/{NAMESPACE}/{TYPE}"
"""The ``required_providers`` source address."""
VERSION = "0.1.0"
"""Provider version: the distribution's version (``pyproject.toml``)."""
