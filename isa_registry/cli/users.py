"""Accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..store import users
from ..store.db import db
from ..store.passwords import password_problem
from .actor import cli_actor

__all__ = ["commands", "create_user_command"]


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@with_appcontext
def create_user_command(email: str, role: str) -> None:
    """Create a user, or reset their password and role (ending their sessions); the password is read
    from the prompt or stdin. Audited as the work of the person running it."""
    email = email.strip().lower()
    if "@" not in email:
        click.echo(f"'{email}' is not an email address.", err=True)
        sys.exit(1)
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        click.echo(problem + ".", err=True)
        sys.exit(1)
    if users.set_password(db.session, cli_actor(), email, role, password):
        click.echo(f"Created {role} {email}.")
    else:
        click.echo(f"Updated {email}: role {role}, new password.")


commands = [create_user_command]
