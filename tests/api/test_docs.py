"""The docs pages (``/docs`` Swagger UI, ``/redoc`` ReDoc) work offline: every asset they load is
served by the API itself, without an API key, with its real content type; the pages name no other
host; and trying an operation still needs a key (Swagger UI's Authorize button, ``bearerAuth``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.support.api_server import running_api

PAGES = ("/docs", "/redoc")

#: What each asset must be: its content type, and a marker of the real file (not a stub answering 200).
KINDS = {".js": (("text/javascript", "application/javascript"), None),
         ".css": (("text/css",), ".swagger-ui"),
         ".png": (("image/png",), None),
         ".json": (("application/json",), '"openapi"')}
MARKERS = {"swagger-ui-bundle.js": "SwaggerUIBundle", "redoc.standalone.js": "Redoc"}


class _Refs(HTMLParser):
    """Every ``src``/``href`` of a page, and the OpenAPI document URL its script or element loads."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.script = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]

    def handle_data(self, data: str) -> None:
        self.script += data


def references(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    # Swagger UI's inline start-up script: `SwaggerUIBundle({url: '/openapi.json', ...})`
    return parser.refs + re.findall(r"\burl:\s*'([^']*)'", parser.script)


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory: pytest.TempPathFactory, sagemaker_emulator_session) -> Iterator[httpx.Client]:
    """A client of a running API that sends no API key."""
    with running_api(tmp_path_factory.mktemp("docs"), emulator_url=sagemaker_emulator_session.url) as api:
        with httpx.Client(base_url=api.base_url, timeout=30) as client:
            yield client


@pytest.mark.parametrize("page", PAGES)
def test_the_page_loads_every_asset_from_the_service_itself(anonymous: httpx.Client, page: str) -> None:
    response = anonymous.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.findall(r"(?:https?:)?//[\w.-]+", html), "no other host in the page"
    refs = references(html)
    assert any(r.endswith(".js") for r in refs) and "/openapi.json" in refs, refs
    base = str(anonymous.base_url)
    for ref in refs:
        url = urljoin(base + page, ref)
        assert urlsplit(url).netloc == urlsplit(base).netloc, f"{ref} is not same-origin"
        asset = anonymous.get(url)
        assert asset.status_code == 200, (ref, asset.status_code)
        suffix = "." + urlsplit(url).path.rsplit(".", 1)[-1]
        types, marker = KINDS[suffix]
        assert asset.headers["content-type"].split(";")[0] in types, (ref, asset.headers["content-type"])
        marker = MARKERS.get(urlsplit(url).path.rsplit("/", 1)[-1], marker)
        assert marker is None or marker in asset.text, f"{ref} is not the real asset"


def test_swagger_ui_is_configured_offline(anonymous: httpx.Client) -> None:
    html = anonymous.get("/docs").text
    assert '"validatorUrl": null' in html, "Swagger UI must not call the online validator"


def test_assets_are_cacheable_and_unknown_ones_are_404(anonymous: httpx.Client) -> None:
    asset = anonymous.get("/docs/assets/swagger-ui.css")
    etag = asset.headers["etag"]
    assert anonymous.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": etag}).status_code == 304
    missing = anonymous.get("/docs/assets/nope.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert anonymous.post("/docs/assets/swagger-ui.css").status_code == 405


def test_docs_are_public_and_operations_still_need_a_bearer_key(anonymous: httpx.Client) -> None:
    document = anonymous.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer"), "Swagger UI's Authorize button takes a key"
    assert document["paths"]["/v1/deployments"]["get"]["security"] == [{"bearerAuth": []}]
    denied = anonymous.get("/v1/deployments")
    assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Bearer")
