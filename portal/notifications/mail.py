"""Email for notices, when SMTP is configured (PORTAL_SMTP_HOST and friends).

A notice's email is composed when the notice is written and sent only after its transaction
commits; a rolled-back operation sends nothing. Notices committed together go out as one
email per organisation. A batch holds its emails until it ends and sends one digest. A mail
server that is down or refuses costs a log line, never the operation: the notice stays in the
Portal's list."""

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

OUTBOX, COMMITTED, HELD = "portal_outbox", "portal_outbox_committed", "portal_outbox_held"
LANGUAGES = ("en", "zh_Hans")


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


def queue_email(session: Session, notice: Any) -> None:
    """Composes the notice's email to its organisation's active users, sent after commit."""
    if not has_app_context():
        return
    smtp = smtp_settings(current_app.config)
    if smtp is None:
        return
    recipients = tuple(
        session.scalars(
            sa.select(User.email)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(
                User.organisation_id == notice.organisation_id,
                User.active.is_(True),
                Organisation.is_active.is_(True),
            )
            .order_by(User.email)
        )
    )
    if not recipients:
        return
    from portal.notifications.texts import notice_path, notice_title

    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + notice_path(notice)
    lines = []
    for language in LANGUAGES:
        with force_locale(language):
            lines.append(f"{notice_title(notice)}\n{link}")
    session.info.setdefault(OUTBOX, []).append(
        OutgoingNotice(notice.organisation_id, recipients, tuple(lines), smtp)
    )


@contextmanager
def held_email(session: Session) -> Iterator[None]:
    """Holds the emails of everything committed inside, then sends them as one digest at
    the next commit."""
    session.info[HELD] = True
    try:
        yield
    finally:
        session.info.pop(HELD, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    committed = session.info.setdefault(COMMITTED, [])
    committed.extend(session.info.pop(OUTBOX, []))
    if committed and not session.info.get(HELD):
        session.info[COMMITTED] = []
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
    subjects = []
    for language in LANGUAGES:
        with force_locale(language):
            subjects.append(
                _("%(n)d new notice(s) in the Portal", n=len(items))
                if len(items) > 1
                else items[0].lines[LANGUAGES.index(language)].split("\n")[0]
            )
    message["Subject"] = " / ".join(subjects)[:250]
    body = []
    for index, _language in enumerate(LANGUAGES):
        body.extend(item.lines[index] + "\n" for item in items)
        body.append("")
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
