"""A real OpenID provider for the tests (``provider.mjs``: the certified ``oidc-provider`` package,
run by Debian's Node.js on 127.0.0.1 and a free port), and a browser stand-in that follows its
redirects.

``OpenIDProvider.start(clients)`` runs it until ``stop()``; ``accounts({...})`` adds people to it and
``misbehave(...)`` makes its token endpoint send an expired ID token or one for another client.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

SCRIPT = Path(__file__).with_name("provider.mjs")
ROOT = SCRIPT.parent.parent.parent

CLIENT_ID = "isa-registry"
CLIENT_SECRET = "isa-registry-test-client-secret"
OTHER_CLIENT_ID = "another-app"
OTHER_CLIENT_SECRET = "another-app-test-client-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OpenIDProvider:
    """A running ``provider.mjs``."""

    process: subprocess.Popen[str]
    issuer: str
    output: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, redirect_uris: list[str], accounts: dict[str, Any] | None = None) -> OpenIDProvider:
        """Start the provider with our client and another one, both allowed ``redirect_uris``."""
        node = shutil.which("node")
        assert node, "Node.js is needed for the OpenID provider tests (make system-packages installs it)"
        assert (ROOT / "node_modules" / "oidc-provider").is_dir(), "run npm ci: oidc-provider is missing"
        config = {
            "clients": [
                {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris},
                {
                    "client_id": OTHER_CLIENT_ID,
                    "client_secret": OTHER_CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                },
            ],
            "accounts": accounts or {},
        }
        port = free_port()
        process = subprocess.Popen(
            [node, str(SCRIPT), str(port), json.dumps(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        provider = cls(process, f"http://127.0.0.1:{port}")
        ready = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                provider.output.append(line)
                if line.startswith("ready "):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(30):
            provider.stop()
            raise AssertionError("the OpenID provider did not start:\n" + "".join(provider.output))
        return provider

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def _post(self, path: str, body: dict[str, Any]) -> None:
        response = requests.post(self.issuer + path, json=body, timeout=10)
        assert response.status_code == 204, response.text

    def accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Add or replace people, by login name: ``{"ada": {"sub": ..., "email": ..., "groups": [...]}}``."""
        self._post("/__test__/accounts", accounts)

    def misbehave(
        self,
        clock_offset: int = 0,
        id_token_claims: dict[str, Any] | None = None,
        forge_signature: bool = False,
    ) -> None:
        """Make the token endpoint run ``clock_offset`` seconds off, sign ID tokens with these
        claims changed (``{"aud": "another-app"}``) or with a key it never published; no
        arguments: behave."""
        body: dict[str, Any] = {"forgeSignature": forge_signature}
        if clock_offset:
            body["clockOffset"] = clock_offset
        if id_token_claims:
            body["idTokenClaims"] = id_token_claims
        self._post("/__test__/misbehave", body)

    def follow(self, url: str, browser: requests.Session | None = None) -> str:
        """Follow the provider's redirects from ``url`` (its authorisation endpoint) until they
        leave it; the address they lead to (the app's callback)."""
        browser = browser or requests.Session()
        for _ in range(10):
            if not url.startswith(self.issuer + "/"):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            assert response.status_code in (302, 303), (
                f"{url} answered {response.status_code}: {response.text}"
            )
            url = urljoin(url, response.headers["Location"])
        raise AssertionError(f"the provider kept redirecting: {url}")
