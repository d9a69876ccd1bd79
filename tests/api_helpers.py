"""Making API tokens in tests, and calling the API with one."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from isa_registry.store import tokens
from isa_registry.store.db import db
from isa_registry.store.models import User
from tests.conftest import Auth


def make_token(app: Flask, auth: Auth, role: str, name: str = "tests") -> str:
    """A new token for ``{role}@example.org`` (made if missing)."""
    user_id = auth.account(role)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        _, text = tokens.create(db.session, "test", user, name)
        return text


class Api:
    """A test client that sends a bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return self.client.open(path, method=method, headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, **kwargs)
