"""Accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..store import users
from ..store.db import db
from ..store.errors import InvalidRecord
from ..store.models import ROLES
from ..store.passwords import password_problem
from .actor import cli_actor

__all__ = ["commands", "create_user_command"]


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--organisation",
    metavar="KEY",
    help="The key of the organisation the account belongs to (required for a partner).",
)
@click.option("--dpo", is_flag=True, help="The account is its organisation's data protection officer.")
@with_appcontext
def create_user_command(email: str, role: str, organisation: str | None, dpo: bool) -> None:
    """Create a user, or reset their password, role and organisation (ending their sessions); the
    password is read from the prompt or stdin. Audited as the work of the person running it."""
    email = email.strip().lower()
    organisation = (organisation or "").strip() or None
    if "@" not in email:
        click.echo(f"'{email}' is not an email address.", err=True)
        sys.exit(1)
    if role == "partner" and organisation is None:
        click.echo(
            "A partner account belongs to an organisation: give its key with --organisation.", err=True
        )
        sys.exit(1)
    if dpo and organisation is None:
        click.echo(
            "A data protection officer belongs to an organisation: give its key with --organisation.",
            err=True,
        )
        sys.exit(1)
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        click.echo(problem + ".", err=True)
        sys.exit(1)
    try:
        created = users.set_password(
            db.session, cli_actor(), users.NewAccount(email, role, password, organisation, dpo)
        )
    except InvalidRecord as exc:
        click.echo(f"{exc.errors['organisation']}.", err=True)
        sys.exit(1)
    of = f" of {organisation}" if organisation else ""
    dpo_words = " (data protection officer)" if dpo else ""
    if created:
        click.echo(f"Created {role} {email}{of}{dpo_words}.")
    else:
        click.echo(f"Updated {email}: role {role}{of}{dpo_words}, new password.")


commands = [create_user_command]
