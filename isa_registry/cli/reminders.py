"""The ``flask send-reminders`` command, run once a day by cron or a systemd timer.

It asks :mod:`isa_registry.core.reminders` what falls due on the day, leaves out what the sent-log
says was sent already, and e-mails the rest, one message per notice and person, each with a plain
text and an HTML part; once a week it also sends the digest to ``DIGEST_TO``. A send that fails is
reported and tried again on the next run, after the others have been sent, and the command exits 1.
``--dry-run`` prints the plan and neither sends nor writes anything; so does a run with no
``MAIL_SERVER`` (mail is not configured), which exits 0.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core import reminders
from ..store import reminders as sent_log
from ..store.db import db
from ..store.queries import checked_registry
from .as_of import AS_OF

__all__ = ["Mailer", "Outgoing", "commands", "send_reminders_command"]


@dataclass(frozen=True)
class Outgoing:
    """One message to one person, and what the sent-log records it by."""

    identity: str
    kind: str
    subject_key: str
    recipient: str
    subject: str
    text: str
    html: str


def base_url(config: Mapping[str, Any]) -> str:
    """Where the service is, for links: ``PUBLIC_URL``, else ``SERVER_NAME``; else nothing (the
    links are then paths only)."""
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'https'}://{config['SERVER_NAME']}"
    return ""


def _wrap_html(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
        + title.replace("&", "&amp;").replace("<", "&lt;")
        + "</title></head>\n<body>\n"
        + body
        + "</body></html>\n"
    )


def message(outgoing: Outgoing, sender: str, service_name: str) -> EmailMessage:
    """The e-mail: plain text first, the same in HTML as the alternative."""
    msg = EmailMessage()
    msg["Subject"] = f"{outgoing.subject} – {service_name}"
    msg["From"] = sender
    msg["To"] = outgoing.recipient
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    footer = f"\n--\n{service_name}. You receive this as a contact named in the registry.\n"
    msg.set_content(outgoing.text + footer)
    msg.add_alternative(
        _wrap_html(outgoing.subject, outgoing.html + f"<hr><p>{service_name}.</p>\n"), subtype="html"
    )
    return msg


class Mailer:
    """One SMTP connection for the run, opened when first needed and opened again if it drops."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp = smtplib.SMTP(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=c.get("MAIL_TIMEOUT") or 30)
        if c.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if c.get("MAIL_USERNAME"):
            smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Send ``msg``; raises :class:`smtplib.SMTPException` or :class:`OSError` when it is not."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self._smtp = self._connect()
            self._smtp.send_message(msg)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None


def _failure(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"the mail server refused it ({code} {text.decode(errors='replace')})"
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        words = error.decode(errors="replace") if isinstance(error, bytes) else error
        return f"the mail server answered {exc.smtp_code} {words}"
    return f"{type(exc).__name__}: {exc}"


def outgoing(as_of: date, config: Mapping[str, Any]) -> tuple[list[Outgoing], list[str]]:
    """What to send on ``as_of``, and notes on what is left out (no digest address, no links)."""
    session = db.session
    checked = checked_registry(as_of, session)
    url = base_url(config)
    notes = [] if url else ["PUBLIC_URL is not set: the links in messages are paths only."]
    due = reminders.standing(
        checked.live,
        as_of,
        findings=checked.findings,
        decisions=checked.decisions,
        actions=checked.actions,
        created=sent_log.agreements_created(session),
        accounts=sent_log.account_emails(session),
    )
    sent = sent_log.sent_pairs(session)
    found = [
        Outgoing(n.identity, n.kind, n.subject_key, r, n.headline, n.text(url), n.html(url))
        for n in reminders.unsent(due, sent)
        for r in n.recipients
    ]
    digest_to = [
        a for a in config.get("DIGEST_TO") or () if (reminders.digest_identity(as_of), a) not in sent
    ]
    if not config.get("DIGEST_TO"):
        notes.append("DIGEST_TO is not set: no weekly digest.")
    elif digest_to:
        last = sent_log.last_sent(session, "digest")
        since = last or datetime.now(UTC) - timedelta(days=7)
        d = reminders.digest(
            as_of,
            f"{since.day} {since:%B %Y}",
            sent_log.changes_since(session, since),
            due,
            checked.reviewed,
            checked.live,
        )
        found += [
            Outgoing(reminders.digest_identity(as_of), "digest", "", a, d.headline, d.text(url), d.html(url))
            for a in digest_to
        ]
    session.rollback()  # nothing was written: the sends below each take a transaction of their own
    return found, notes


@click.command("send-reminders")
@click.option("--as-of", type=AS_OF, default=None, help="The day to send for (default: today).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing, record nothing.")
@with_appcontext
def send_reminders_command(as_of: date | None, dry_run: bool) -> None:
    """E-mail the reminders that fall due (reviews, ends, signatures, actions, decisions) and the
    weekly digest, each once. Run it daily. Exits 1 when a message could not be sent."""
    config = current_app.config
    as_of = as_of or date.today()
    planned, notes = outgoing(as_of, config)
    for note in notes:
        click.echo(note)
    for o in planned:
        click.echo(f"{o.kind}  {o.subject_key or '-'}  to {o.recipient}: {o.subject}")
    if dry_run or not config.get("MAIL_SERVER"):
        why = "Dry run" if dry_run else "Mail is not configured (MAIL_SERVER is not set)"
        click.echo(
            f"{why}: {len(planned)} message(s) would be sent on {as_of.isoformat()}; nothing was sent."
        )
        return
    sender = config.get("MAIL_DEFAULT_SENDER")
    if not sender:
        raise click.ClickException("Set MAIL_DEFAULT_SENDER, the address reminders are sent from.")
    mailer = Mailer(config)
    sent, failed = 0, []
    try:
        for o in planned:
            msg = message(o, sender, config["SERVICE_NAME"])
            try:
                if sent_log.record_sent(
                    db.session,
                    o.identity,
                    o.kind,
                    o.subject_key,
                    o.recipient,
                    o.subject,
                    functools.partial(mailer.send, msg),
                ):
                    sent += 1
            except (smtplib.SMTPException, OSError) as exc:
                failed.append(
                    f"Not sent to {o.recipient}: {o.subject}: {_failure(exc)}. It is tried again next run."
                )
    finally:
        mailer.close()
    for line in failed:
        click.echo(line, err=True)
    click.echo(f"Sent {sent} message(s) on {as_of.isoformat()}; {len(failed)} failed.")
    if failed:
        sys.exit(1)


commands = [send_reminders_command]
