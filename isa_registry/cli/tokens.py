"""``flask create-token``: a personal API token for an account, printed once."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext

from ..store import tokens, users
from ..store.db import db
from ..store.errors import InvalidRecord
from .actor import cli_actor

__all__ = ["commands"]


@click.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, such as the system that will use it.")
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The last day the token works (YYYY-MM-DD); without it, it works until revoked.",
)
@with_appcontext
def create_token_command(email: str, name: str, expires: object) -> None:
    """Create an API token for EMAIL's account; the token is printed on the last line, once.

    The token acts with the account's role. Only its hash is stored: keep it somewhere safe.
    """
    user = users.find(db.session, email.strip().lower())
    if user is None or not user.active:
        click.echo(f"There is no active account with the email address {email}.", err=True)
        sys.exit(1)
    day: date | None = expires.date() if expires is not None else None  # type: ignore[attr-defined]
    try:
        token, text = tokens.create(db.session, cli_actor(), user, name, day)
    except InvalidRecord as exc:
        for message in exc.errors.values():
            click.echo(message + ".", err=True)
        sys.exit(1)
    until = f" until {expires:%Y-%m-%d}" if expires is not None else " until it is revoked"
    click.echo(f"Created API token '{token.name}' for {user.email} ({user.role}), valid{until}.")
    click.echo("It is shown only now: copy it somewhere safe.")
    click.echo(text)


commands = [create_token_command]
