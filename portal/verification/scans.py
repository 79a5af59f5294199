"""The scan log: recording verifications, and what manufacturers learn from it (how often
and when each letter was checked, and which letters are checked unusually often)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.countries import is_country
from portal.letters.lifecycle.models import Letter
from portal.verification.models import Channel, VerificationScan
from portal.verification.service import Verification

RECENT_SCANS = 20
# "zh-CN", "pt_BR", "es-419" (a UN region, not a country: ignored), "sr-Latn-RS".
_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z]{4})?(?:[-_]([A-Za-z]{2}|\d{3}))?")


@dataclass(frozen=True)
class FlagRule:
    """A letter checked at least ``count`` times within ``days`` days is flagged."""

    count: int = 20
    days: int = 7


@dataclass(frozen=True)
class ScanSummary:
    """How often and when one letter was verified."""

    total: int
    recent_window: int  # scans within the flag rule's window
    first_at: datetime | None
    last_at: datetime | None
    latest: list[VerificationScan]
    flagged: bool


def record_scan(
    session: Session,
    channel: Channel,
    verification: Verification,
    *,
    languages: Sequence[str],
    remote_addr: str | None,
) -> VerificationScan:
    """Returns the new scan row for a verification, added to the session."""
    letter = verification.letter
    scan = VerificationScan(
        at=verification.checked_at,
        channel=channel,
        verdict=verification.verdict.value,
        reason=verification.reason[:40],
        letter_id=None if letter is None else letter.id,
        manufacturer_id=(
            verification.named_manufacturer_id if letter is None else letter.manufacturer_id
        ),
        country=country_of_languages(languages),
        language=languages[0][:16] if languages else "",
        network=truncated_network(remote_addr),
    )
    session.add(scan)
    return scan


def truncated_network(address: str | None) -> str:
    """Returns the client's network, not its address: IPv4 /24, IPv6 /48, "" if unreadable."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def country_of_languages(languages: Iterable[str]) -> str:
    """Returns the first ISO country named as a region in the browser's languages, best
    first (``ru-RU`` gives RU, ``zh-Hans-CN`` gives CN), or "" if none names one."""
    for tag in languages:
        match = _LANGUAGE_TAG.fullmatch(tag.strip())
        region = match.group(2) if match else None
        if region and region.isalpha() and is_country(region.upper()):
            return region.upper()
    return ""


def scan_summary(session: Session, letter: Letter, *, now: datetime, rule: FlagRule) -> ScanSummary:
    """Returns how often and when the letter was verified, with its latest scans."""
    of_letter = VerificationScan.letter_id == letter.id
    total, first_at, last_at = session.execute(
        sa.select(
            sa.func.count(VerificationScan.id),
            sa.func.min(VerificationScan.at),
            sa.func.max(VerificationScan.at),
        ).where(of_letter)
    ).one()
    recent = session.scalar(
        sa.select(sa.func.count(VerificationScan.id)).where(
            of_letter, VerificationScan.at >= now - timedelta(days=rule.days)
        )
    )
    latest = list(
        session.scalars(
            sa.select(VerificationScan)
            .where(of_letter)
            .order_by(VerificationScan.at.desc(), VerificationScan.id.desc())
            .limit(RECENT_SCANS)
        )
    )
    return ScanSummary(
        total=total,
        recent_window=recent or 0,
        first_at=first_at,
        last_at=last_at,
        latest=latest,
        flagged=(recent or 0) >= rule.count,
    )


def most_verified(
    session: Session, manufacturer_id: int, *, now: datetime, rule: FlagRule, limit: int = 100
) -> list[tuple[Letter, int, datetime]]:
    """Returns the manufacturer's letters verified within the rule's window, most verified
    first, as (letter, scans in the window, last scan)."""
    count = sa.func.count(VerificationScan.id).label("scans")
    last = sa.func.max(VerificationScan.at).label("last_at")
    rows = session.execute(
        sa.select(Letter, count, last)
        .join(VerificationScan, VerificationScan.letter_id == Letter.id)
        .where(
            Letter.manufacturer_id == manufacturer_id,
            VerificationScan.manufacturer_id == manufacturer_id,
            VerificationScan.at >= now - timedelta(days=rule.days),
        )
        .group_by(Letter.id)
        .order_by(count.desc(), last.desc(), Letter.id)
        .limit(limit)
    )
    return [(letter, scans, last_at) for letter, scans, last_at in rows]


def refused_in_name_of(
    session: Session, manufacturer_id: int, *, now: datetime, rule: FlagRule, limit: int = 20
) -> tuple[int, list[VerificationScan]]:
    """Returns how many checks within the rule's window refused a token naming the
    manufacturer's key (forged, tampered, or sealed after a compromise), and the latest."""
    refused = sa.and_(
        VerificationScan.manufacturer_id == manufacturer_id,
        VerificationScan.verdict == "not_genuine",
        VerificationScan.at >= now - timedelta(days=rule.days),
    )
    count = session.scalar(sa.select(sa.func.count(VerificationScan.id)).where(refused)) or 0
    latest = session.scalars(
        sa.select(VerificationScan)
        .where(refused)
        .order_by(VerificationScan.at.desc(), VerificationScan.id.desc())
        .limit(limit)
    )
    return count, list(latest)
