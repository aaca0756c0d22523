"""adapters.http_env: the environment's proxy and CA settings, read once per client."""

from __future__ import annotations

import pytest
import requests

from adapters.http_env import apply_to_session, frozen_settings


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp-ca.pem")


def test_a_proxied_host_gets_the_proxy_and_the_ca_bundle(proxied: None) -> None:
    settings = frozen_settings("https://us-central1-aiplatform.googleapis.com")
    assert settings.proxies == {"https": "http://proxy.corp:3128"}
    assert settings.ca_bundle == "/etc/corp-ca.pem"


def test_no_proxy_hosts_bypass_it(proxied: None) -> None:
    assert frozen_settings("http://127.0.0.1:5000").proxies == {}


def test_a_session_stops_reading_the_environment_per_request(proxied: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    session = requests.Session()
    apply_to_session(session, "https://management.azure.com/")
    assert session.trust_env is False
    assert session.proxies == {"https": "http://proxy.corp:3128"}
    assert session.verify == "/etc/corp-ca.pem"
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere:1")  # read once: later changes need a new client
    prepared = session.merge_environment_settings("https://management.azure.com/", {}, None, None, None)
    assert prepared["proxies"]["https"] == "http://proxy.corp:3128"
    explicit = requests.Session()
    explicit.verify = "/tmp/emulator-ca.pem"
    apply_to_session(explicit, "https://127.0.0.1:8443")
    assert explicit.verify == "/tmp/emulator-ca.pem" and explicit.proxies == {}
