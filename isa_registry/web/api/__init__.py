"""The JSON API at ``/api/v1`` (``base``: authentication, limits, problems; ``records``: the three
record types; ``reports``: findings, the map, the ROPA, the whole registry; ``openapi``: its
OpenAPI document and the page at ``/api/docs`` that lists its operations)."""

from . import records, reports  # noqa: F401 - their routes join the blueprint
from .base import bp, http_problem, is_api_request
from .openapi import docs_bp

__all__ = ["bp", "docs_bp", "http_problem", "is_api_request"]
