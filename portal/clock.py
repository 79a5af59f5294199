"""The Portal's calendar day: registration certificates and licences are dated in China."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    """Return today's date in China (UTC+8), the day certificates and licences are dated."""
    return datetime.now(CHINA).date()


def china_date(moment: datetime) -> date:
    """Return the date in China at a moment: the day a letter issued then is dated, and the
    calendar its validity is counted in."""
    return moment.astimezone(CHINA).date()
