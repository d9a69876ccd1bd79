"""Schemathesis against the API's own OpenAPI document, every operation, as an editor and as a
viewer: no answer is a server error, and every answer has a documented status, content type,
headers and body. Runs are bounded (a few examples per operation) to keep the suite quick."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from tests.api_helpers import make_token
from tests.conftest import Auth

#: Generated cases only (valid and invalid data, ``mode: all``), a few per operation: the coverage
#: phase's exhaustive variations of every field take minutes. The tests of test_api.py cover the
#: invalid inputs that matter one by one.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 10, "mode": "all"},
    }
)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def _schema(app: Flask, auth: Auth, role: str) -> object:
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    token = make_token(app, auth, role, f"schemathesis {role}")
    app.config["SCHEMATHESIS_TOKEN"] = token
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, config=CONFIG, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture()
def editor_schema(dudley: Flask, auth: Auth) -> object:
    return _schema(dudley, auth, "editor")


@pytest.fixture()
def viewer_schema(dudley: Flask, auth: Auth) -> object:
    return _schema(dudley, auth, "viewer")


@pytest.fixture(autouse=True)
def _restore_the_rate_limit(_app: Flask):  # type: ignore[no-untyped-def]
    yield
    _app.config["API_RATE_LIMIT"] = "600 per minute"


def _call(case: schemathesis.Case, app: Flask) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {app.config['SCHEMATHESIS_TOKEN']}"}, checks=CHECKS
    )


editor_api = schemathesis.pytest.from_fixture("editor_schema")
viewer_api = schemathesis.pytest.from_fixture("viewer_schema")

LIMITS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@editor_api.parametrize()
@LIMITS
def test_the_api_keeps_to_its_document_for_an_editor(case: schemathesis.Case, dudley: Flask) -> None:
    _call(case, dudley)


@viewer_api.parametrize()
@LIMITS
def test_the_api_keeps_to_its_document_for_a_viewer(case: schemathesis.Case, dudley: Flask) -> None:
    _call(case, dudley)
