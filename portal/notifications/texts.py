"""What a notice says, in the current language: one sentence for the list and the email."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.notifications.models import NoticeKind, Notification


def notice_title(notice: Notification) -> str:
    """Returns the notice's sentence in the current language."""
    if notice.kind is NoticeKind.LETTER_READY:
        return _(
            "Letter %(number)s for VIN %(vin)s is ready to download.",
            number=notice.letter_number,
            vin=notice.vin,
        )
    if notice.kind is NoticeKind.REQUEST_REJECTED:
        return _(
            "Request #%(id)d for VIN %(vin)s was rejected: %(reason)s",
            id=notice.request_id or 0,
            vin=notice.vin,
            reason=notice.reason,
        )
    return _(
        "Letter %(number)s for VIN %(vin)s was revoked: %(reason)s",
        number=notice.letter_number,
        vin=notice.vin,
        reason=notice.reason,
    )


def notice_path(notice: Notification) -> str:
    """Returns the path of the page the notice is about (the letter, else the request)."""
    if notice.letter_id is not None:
        return f"/letters/{notice.letter_id}"
    return f"/requests/{notice.request_id}"
