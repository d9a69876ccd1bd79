"""Who a command's changes are audited as: the person running it, by their login name."""

from __future__ import annotations

import getpass


def os_user() -> str:
    """The login name of whoever runs the command (``unknown`` in containers that have none)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def cli_actor() -> str:
    """The audit log's actor for a command: ``cli:`` and the login name."""
    return f"cli:{os_user()}"
