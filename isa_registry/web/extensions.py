"""The web's Flask extensions, created unbound so that views can import them without cycles."""

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect

# Registers the "isa-database://" storage scheme with the ``limits`` library before the limiter
# is bound to an app.
from ..store import rate_limits  # noqa: F401


def _client_address() -> str:
    return request.remote_addr or "unknown"


login_manager = LoginManager()
csrf = CSRFProtect()
#: The API's rate limit (:mod:`isa_registry.web.api.base` counts each token's requests with it).
#: No limit applies to the pages: the limiter only holds the storage that
#: ``RATELIMIT_STORAGE_URI`` names (``isa-database://``, our database, by default).
limiter = Limiter(key_func=_client_address)
