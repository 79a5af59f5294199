"""The Portal's calendar day: registration certificates and licences are dated in China."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    """Return today's date in China (UTC+8), the day certificates and licences are dated."""
    return datetime.now(CHINA).date()
