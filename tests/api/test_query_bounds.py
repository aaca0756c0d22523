"""No 5xx on any input: integer query parameters are bounded by the schema, so a value
past the bound (PostgreSQL's ``integer``) is a 422 naming the parameter on SQLite and PostgreSQL
alike, never an ``OverflowError`` or ``integer out of range`` in the driver; the bound itself is
accepted on both."""

from __future__ import annotations

import pytest

from api.params import MAX_INT

pytestmark = pytest.mark.e2e

ROUTES = [("/v1/audit", "before"), ("/v1/deployments", "offset"), ("/v1/events", "after"),
          ("/v1/deployments/some-name/checks", "before")]


@pytest.mark.parametrize(("path", "param"), ROUTES, ids=[f"{p}?{q}" for p, q in ROUTES])
def test_integer_parameters_past_64_bits_are_422(sagemaker_api, path, param):
    for value in (MAX_INT + 1, 2**63, 2**64, 10**30):
        response = sagemaker_api.get(path, params={param: value})
        assert response.status_code == 422, (value, response.text)
        assert param in response.text
    at_bound = sagemaker_api.get(path, params={param: MAX_INT})
    assert at_bound.status_code in (200, 404), at_bound.text  # 404: the deployment has no checks


def test_the_bound_is_in_the_openapi_document(sagemaker_api):
    params = sagemaker_api.get("/openapi.json").json()["paths"]["/v1/deployments"]["get"]["parameters"]
    offset = next(p for p in params if p["name"] == "offset")
    assert offset["schema"]["maximum"] == MAX_INT
