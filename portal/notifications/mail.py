"""Email for notices, when SMTP is configured (PORTAL_SMTP_HOST and friends).

A notice's email is composed when the notice is written and sent only after its transaction
commits; a rolled-back operation sends nothing. Notices committed together go out as one
email per organisation. A batch writes no email per letter and sends one digest when it
ends. A mail server that is down or refuses costs a log line, never the operation: the
notice stays in the Portal's list."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User

log = logging.getLogger(__name__)

OUTBOX, HELD = "portal_outbox", "portal_email_held"
LANGUAGES = ("en", "zh_Hans")
MOST_LISTED = 200  # notices listed in one email; the rest are counted


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None
    password: str | None
    starttls: bool
    use_ssl: bool
    timeout: float


@dataclass(frozen=True)
class OutgoingNotice:
    organisation_id: int
    recipients: tuple[str, ...]
    lines: tuple[str, ...]  # the notice in each language, with its link
    smtp: SmtpSettings


def smtp_settings(config: Any) -> SmtpSettings | None:
    """Returns the SMTP settings of the configuration, or None when email is off."""
    if not config.get("SMTP_HOST"):
        return None
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=int(config.get("SMTP_PORT") or 25),
        sender=config.get("SMTP_FROM") or "portal@localhost",
        username=config.get("SMTP_USERNAME") or None,
        password=config.get("SMTP_PASSWORD") or None,
        starttls=bool(config.get("SMTP_STARTTLS")),
        use_ssl=bool(config.get("SMTP_SSL")),
        timeout=float(config.get("SMTP_TIMEOUT") or 10),
    )


def _recipients(session: Session, organisation_id: int) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            sa.select(User.email)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(
                User.organisation_id == organisation_id,
                User.active.is_(True),
                Organisation.is_active.is_(True),
            )
            .order_by(User.email)
        )
    )


def _outgoing(
    notice: Any, recipients: tuple[str, ...], smtp: SmtpSettings
) -> OutgoingNotice | None:
    if not recipients:
        return None
    from portal.letters.lifecycle.public_address import configured_base_url
    from portal.notifications.texts import notice_path, notice_title

    # Without a public address yet (a fresh installation), the notice names its page alone.
    link = (configured_base_url(current_app) or "") + notice_path(notice)
    lines = []
    for language in LANGUAGES:
        with force_locale(language):
            lines.append(f"{notice_title(notice)}\n{link}")
    return OutgoingNotice(notice.organisation_id, recipients, tuple(lines), smtp)


def queue_email(session: Session, notice: Any) -> None:
    """Composes the notice's email to its organisation's active users, sent after commit."""
    if not has_app_context() or session.info.get(HELD):
        return
    smtp = smtp_settings(current_app.config)
    if smtp is None:
        return
    item = _outgoing(notice, _recipients(session, notice.organisation_id), smtp)
    if item is not None:
        session.info.setdefault(OUTBOX, []).append(item)


def send_digest(session: Session, notices: list[Any]) -> int:
    """Sends these committed notices now, one email per organisation; returns how many
    emails went out. A batch calls this once, when it ends."""
    smtp = smtp_settings(current_app.config) if has_app_context() else None
    if smtp is None or not notices:
        return 0
    recipients: dict[int, tuple[str, ...]] = {}
    outgoing = []
    for notice in notices:
        if notice.organisation_id not in recipients:
            recipients[notice.organisation_id] = _recipients(session, notice.organisation_id)
        item = _outgoing(notice, recipients[notice.organisation_id], smtp)
        if item is not None:
            outgoing.append(item)
    return send_notices(outgoing)


@contextmanager
def without_email(session: Session) -> Iterator[None]:
    """Writes no email for the notices made inside (a batch sends one digest at its end)."""
    session.info[HELD] = True
    try:
        yield
    finally:
        session.info.pop(HELD, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    committed = session.info.pop(OUTBOX, [])
    if committed:
        send_notices(committed)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX, None)


def send_notices(outgoing: list[OutgoingNotice]) -> int:
    """Sends one email per organisation for these notices; returns how many were sent."""
    by_org: dict[int, list[OutgoingNotice]] = {}
    for item in outgoing:
        by_org.setdefault(item.organisation_id, []).append(item)
    sent = 0
    for items in by_org.values():
        message = _message(items)
        try:
            _deliver(items[0].smtp, message)
        except (OSError, smtplib.SMTPException) as error:
            log.warning(
                "Email to %s about %d notice(s) not sent: %s (%s:%s). The notices stay in "
                "the Portal.",
                ", ".join(items[0].recipients),
                len(items),
                error,
                items[0].smtp.host,
                items[0].smtp.port,
            )
        else:
            sent += 1
    return sent


def _message(items: list[OutgoingNotice]) -> EmailMessage:
    message = EmailMessage()
    smtp = items[0].smtp
    message["From"] = smtp.sender
    message["To"] = ", ".join(items[0].recipients)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    subjects, body = [], []
    for index, language in enumerate(LANGUAGES):
        with force_locale(language):
            if len(items) > 1:
                subjects.append(_("%(n)d new notice(s) in the Portal", n=len(items)))
            else:
                subjects.append(items[0].lines[index].split("\n")[0])
            body.extend(item.lines[index] + "\n" for item in items[:MOST_LISTED])
            if len(items) > MOST_LISTED:
                body.append(
                    _(
                        "… and %(n)d more, listed under Notifications in the Portal.",
                        n=len(items) - MOST_LISTED,
                    )
                )
        body.append("")
    message["Subject"] = " / ".join(subjects)[:250]
    message.set_content("\n".join(body))
    return message


def _deliver(smtp: SmtpSettings, message: EmailMessage) -> None:
    if smtp.use_ssl:
        context = ssl.create_default_context()
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=context
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)
