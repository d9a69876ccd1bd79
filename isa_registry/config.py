"""Configuration defaults.

SQLite in the instance folder unless ``DATABASE_URL`` names another database (PostgreSQL in
production, through psycopg 3). ``SECRET_KEY`` comes from the environment or from a file in the
instance folder that is generated on first run and never committed. A signed-in session ends after
``SESSION_IDLE_MINUTES`` without a request (default 30) and ``SESSION_MAX_HOURS`` after signing in
(default 12), and so do the CSRF tokens of its forms.

The audit log's key (``AUDIT_KEY``) is kept apart from ``SECRET_KEY``: from the environment, or
from ``instance/audit_key``, made on first use (:func:`isa_registry.store.audit.settings`). Each
commit's audit head goes to the anchor file ``AUDIT_ANCHOR`` (default ``instance/audit-anchor.log``)
and, with ``AUDIT_SYSLOG=1``, to syslog. The map's cache on disk is bounded by ``MAP_CACHE_MAX_MB``
(default 200), and at most ``MAP_DOT_CONCURRENCY`` (default 2) ``dot`` programs run at once on the
host, a request waiting up to ``MAP_DOT_WAIT`` seconds (default 5) for its turn.

Single sign-on with OpenID Connect is on when ``OIDC_ISSUER`` is set (with ``OIDC_CLIENT_ID`` and
``OIDC_CLIENT_SECRET``); ``OIDC_GROUPS_CLAIM`` and ``OIDC_GROUP_ROLES`` (``group=role,...``) give
roles from the provider's groups, ``OIDC_AUTO_CREATE=1`` creates accounts on first sign-in, and
``PASSWORD_LOGIN=0`` switches password sign-in off. See :mod:`isa_registry.web.oidc`.

``flask send-reminders`` e-mails through ``MAIL_SERVER`` (none: mail is not configured, and the
command only prints what it would send), on ``MAIL_PORT`` (default 587 with ``MAIL_USE_TLS``, which
is on unless set to 0, else 25), signing in with ``MAIL_USERNAME`` and ``MAIL_PASSWORD`` when set,
from ``MAIL_DEFAULT_SENDER``. The weekly digest goes to ``DIGEST_TO`` (addresses separated by
commas). Links in messages start with ``PUBLIC_URL`` (else ``https://`` and ``SERVER_NAME``).

``DPO_REVIEW=1`` makes an agreement wait for the approval of the data protection officer of the
organisation that owns it before it can be activated (:mod:`isa_registry.store.lifecycle`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .store.models import ROLES


def database_url(instance_path: str) -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` if set, else ``instance/isa_registry.sqlite``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "isa_registry.sqlite")
    # Accept the URLs that hosting platforms and libpq users write, and use psycopg 3 for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """``SECRET_KEY`` from the environment, else from ``instance/secret_key`` (created if missing)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def positive_int(name: str, default: int) -> int:
    """The whole number greater than 0 in the environment variable ``name``, else ``default``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number greater than 0, not {raw!r}")
    return value


def _number(name: str, default: float) -> float:
    """The number in the environment variable ``name``, else ``default``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text!r}.") from None


def flag(name: str, default: bool) -> bool:
    """Whether the environment variable ``name`` is on (``1``, ``true``, ``yes``) or off (``0``,
    ``false``, ``no``); ``default`` when it is unset or empty."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, not {raw!r}")


def group_roles(raw: str) -> dict[str, str]:
    """``"isa-admins=admin, isa-editors=editor"`` as ``{"isa-admins": "admin", ...}``.

    >>> group_roles("isa-admins=admin, isa-viewers = viewer")
    {'isa-admins': 'admin', 'isa-viewers': 'viewer'}
    """
    mapping = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        group, sep, role = item.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group or role not in ROLES:
            raise ValueError(
                f"OIDC_GROUP_ROLES must be group=role pairs separated by commas, each role one of "
                f"{', '.join(ROLES)}; {item.strip()!r} is not"
            )
        mapping[group] = role
    return mapping


def single_sign_on() -> dict[str, object]:
    """The OpenID Connect settings from the environment (none set: single sign-on is off)."""
    settings: dict[str, object] = {
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").strip() or None,
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "").strip() or None,
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET") or None,
        "OIDC_GROUPS_CLAIM": os.environ.get("OIDC_GROUPS_CLAIM", "").strip() or None,
        "OIDC_GROUP_ROLES": group_roles(os.environ.get("OIDC_GROUP_ROLES", "")),
        "OIDC_AUTO_CREATE": flag("OIDC_AUTO_CREATE", False),
        "OIDC_PROVIDER_NAME": os.environ.get("OIDC_PROVIDER_NAME", "").strip() or None,
        "PASSWORD_LOGIN": flag("PASSWORD_LOGIN", True),
    }
    return settings


def addresses(raw: str) -> list[str]:
    """``"a@x.example, b@x.example"`` as a list, in lower case.

    >>> addresses(" IG@Dudley.gov.uk, ,dpo@dudley.gov.uk ")
    ['ig@dudley.gov.uk', 'dpo@dudley.gov.uk']
    """
    return [a.strip().lower() for a in raw.split(",") if a.strip()]


def mail() -> dict[str, object]:
    """The mail settings of ``send-reminders`` from the environment (no ``MAIL_SERVER``: no mail)."""
    use_tls = flag("MAIL_USE_TLS", True)
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": positive_int("MAIL_PORT", 587 if use_tls else 25),
        "MAIL_USE_TLS": use_tls,
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "").strip() or None,
        "MAIL_TIMEOUT": positive_int("MAIL_TIMEOUT", 30),
        "DIGEST_TO": addresses(os.environ.get("DIGEST_TO", "")),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").strip() or None,
    }


def defaults(instance_path: str) -> dict[str, object]:
    """The configuration every app starts from."""
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_IDLE_MINUTES": positive_int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": positive_int("SESSION_MAX_HOURS", 12),
        "MAP_CACHE_DIR": str(Path(instance_path) / "map-cache"),
        # The most a request may send: larger ones are answered 413 before their body is read. A
        # page that takes an upload sets its own, larger limit (request.max_content_length).
        "MAX_CONTENT_LENGTH": positive_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        # What an import reads (core.exchange.ImportLimits): the file, what its zip members unpack
        # to, how far a member may be compressed, and the rows of a spreadsheet.
        "IMPORT_MAX_FILE_BYTES": positive_int("IMPORT_MAX_FILE_BYTES", 50 * 1024 * 1024),
        "IMPORT_MAX_UNCOMPRESSED_BYTES": positive_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024),
        "IMPORT_MAX_COMPRESSION_RATIO": positive_int("IMPORT_MAX_COMPRESSION_RATIO", 100),
        "IMPORT_MAX_ROWS": positive_int("IMPORT_MAX_ROWS", 100_000),
        "MAP_CACHE_MAX_MB": _number("MAP_CACHE_MAX_MB", 200),
        "MAP_DOT_CONCURRENCY": int(_number("MAP_DOT_CONCURRENCY", 2)),
        "MAP_DOT_WAIT": _number("MAP_DOT_WAIT", 5),
        "AUDIT_KEY": os.environ.get("AUDIT_KEY", ""),
        "AUDIT_KEY_FILE": str(Path(instance_path) / "audit_key"),
        "AUDIT_ANCHOR": os.environ.get("AUDIT_ANCHOR") or str(Path(instance_path) / "audit-anchor.log"),
        "AUDIT_SYSLOG": os.environ.get("AUDIT_SYSLOG", "0") == "1",
        "SERVICE_NAME": os.environ.get("SERVICE_NAME", "Dudley Safeguarding Partnership ISA Registry"),
        # An agreement needs its owning organisation's DPO to approve it before it is activated.
        "DPO_REVIEW": flag("DPO_REVIEW", False),
        **single_sign_on(),
        **mail(),
    }
