"""Single sign-on with OpenID Connect (Microsoft Entra ID or any standards-compliant provider).

The authorisation code flow with PKCE, through Authlib's Flask client: Authlib reads the provider's
discovery document (``<OIDC_ISSUER>/.well-known/openid-configuration``), makes and checks the
``state``, the ``nonce`` and the PKCE verifier, and checks the ID token's signature (against the
provider's published keys), issuer, audience and expiry. Nothing here checks a token by hand; we
only tell Authlib which issuer and audience to require (:func:`claims_options`), because its
defaults leave the audience to the ``azp`` claim.

Settings (see :mod:`isa_registry.config`): ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and
``OIDC_CLIENT_SECRET`` switch it on; ``OIDC_GROUPS_CLAIM`` names the claim that carries the
person's groups (``groups``, or ``roles`` for Entra ID app roles) and ``OIDC_GROUP_ROLES`` maps
groups to roles (the highest wins); ``OIDC_AUTO_CREATE`` lets someone with no account get one;
``OIDC_PROVIDER_NAME`` names the provider on the button; ``OIDC_CLOCK_LEEWAY`` is the seconds of
clock difference allowed when checking the token's times (default 60).

Each app gets its own Authlib ``OAuth`` registry (Authlib keeps a client's settings per registry),
kept in ``app.extensions``. Nothing is fetched from the provider until someone signs in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from ..store.models import ROLES
from ..store.users import ProviderIdentity

__all__ = ["button_label", "claims_options", "client", "enabled", "identity", "init_app", "role_for"]

EXTENSION = "isa_oidc"
NAME = "oidc"
SCOPE = "openid email profile"
#: Seconds allowed for each HTTP request to the provider.
TIMEOUT = 10


def init_app(app: Flask) -> None:
    """Register the OpenID provider when ``OIDC_ISSUER`` is set; check the settings belong together."""
    config = app.config
    config.setdefault("OIDC_ISSUER", None)
    config.setdefault("OIDC_GROUPS_CLAIM", None)
    config.setdefault("OIDC_GROUP_ROLES", {})
    config.setdefault("OIDC_AUTO_CREATE", False)
    config.setdefault("OIDC_PROVIDER_NAME", None)
    config.setdefault("OIDC_CLOCK_LEEWAY", 60)
    config.setdefault("PASSWORD_LOGIN", True)
    issuer = config["OIDC_ISSUER"]
    if not issuer:
        if not config["PASSWORD_LOGIN"]:
            raise ValueError(
                "PASSWORD_LOGIN=0 needs single sign-on: "
                "set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"
            )
        return
    if not config.get("OIDC_CLIENT_ID") or not config.get("OIDC_CLIENT_SECRET"):
        raise ValueError("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too")
    from authlib.integrations.flask_client import OAuth  # a large import: only with single sign-on

    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
    )
    app.extensions[EXTENSION] = oauth


def enabled() -> bool:
    """Whether single sign-on is set up for this app."""
    return EXTENSION in current_app.extensions


def client() -> Any:
    """The provider's Authlib client (a ``FlaskOAuth2App``)."""
    return current_app.extensions[EXTENSION].create_client(NAME)


def claims_options() -> dict[str, Any]:
    """What Authlib is to require of the ID token besides its signature, nonce, expiry and
    authorised party: the issuer the discovery document names and, which Authlib's defaults do not
    check, an audience that includes this app's client id."""
    provider = client()
    return {
        "iss": {"essential": True, "values": [provider.load_server_metadata()["issuer"]]},
        "aud": {"essential": True, "values": [provider.client_id]},
    }


def button_label(config: Mapping[str, Any]) -> str:
    """``Sign in with <OIDC_PROVIDER_NAME>``; Microsoft for Entra ID; else the organisation's account.

    >>> button_label({"OIDC_ISSUER": "https://login.microsoftonline.com/t/v2.0"})
    'Sign in with Microsoft'
    >>> button_label({"OIDC_ISSUER": "https://idp.example.org", "OIDC_PROVIDER_NAME": "NHSmail"})
    'Sign in with NHSmail'
    """
    if config.get("OIDC_PROVIDER_NAME"):
        return f"Sign in with {config['OIDC_PROVIDER_NAME']}"
    if urlsplit(config.get("OIDC_ISSUER") or "").hostname == "login.microsoftonline.com":
        return "Sign in with Microsoft"
    return "Sign in with your organisation's account"


def role_for(
    claims: Mapping[str, Any], groups_claim: str | None, group_roles: Mapping[str, str]
) -> str | None:
    """The highest role that the person's groups map to, or None.

    >>> role_for({"groups": ["a", "isa-editors"]}, "groups", {"isa-editors": "editor", "x": "admin"})
    'editor'
    >>> role_for({"roles": "isa-admins"}, "roles", {"isa-admins": "admin"})
    'admin'
    >>> role_for({}, "groups", {"isa-editors": "editor"}) is None
    True
    """
    if not groups_claim or not group_roles:
        return None
    groups = claims.get(groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    roles = {group_roles[group] for group in groups if isinstance(group, str) and group in group_roles}
    return max(roles, key=ROLES.index) if roles else None


def identity(claims: Mapping[str, Any], config: Mapping[str, Any]) -> ProviderIdentity:
    """Who the checked ID token says signed in: issuer and subject, email (unless the provider
    says it is not verified) and the role from the groups."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is False:
        email = None
    return ProviderIdentity(
        subject=f"{claims['iss']} {claims['sub']}",
        email=email,
        role=role_for(claims, config.get("OIDC_GROUPS_CLAIM"), config.get("OIDC_GROUP_ROLES") or {}),
    )
