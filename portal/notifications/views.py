"""The notices page, and the unread count every page shows in its header."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask_login import current_user

from portal.accounts.roles import ALL_ROLES
from portal.db import db_session
from portal.notifications import service
from portal.notifications.texts import notice_path, notice_title
from portal.security import allow

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.add_app_template_global(notice_title)
bp.add_app_template_global(notice_path)


@bp.route("")
@allow(*ALL_ROLES)
def list_notifications() -> str:
    session = db_session()
    page = max(1, request.args.get("page", 1, type=int))
    seen_before = service.last_seen_id(session, current_user)
    items, total = service.notices_for(session, current_user, page=page)
    if items and page == 1:
        service.mark_seen(session, current_user, items[0].id)
    return render_template(
        "notifications/list.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // service.PAGE_SIZE)),
        seen_before=seen_before,
    )


def init_app(app: Flask) -> None:
    """Gives every template the signed-in user's unread count (one query per page)."""

    @app.context_processor
    def unread_notifications() -> dict[str, object]:
        def count() -> int:
            if not current_user.is_authenticated:
                return 0
            return service.unread_count(db_session(), current_user)

        return {"unread_notifications": count}
