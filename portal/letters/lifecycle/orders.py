"""What a letter is asked to confirm: the order every lifecycle step reads.

It lives on the ground floor of the lifecycle so that checks, issuance, production and
rendering can all name it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LetterOrder:
    """What to confirm: the vehicle, the destination and the exporter."""

    manufacturer_id: int
    brand_id: int
    model: str
    vin: str
    registration_date: date
    transfer_registration_date: date
    country: str
    exporter_name: str
    exporter_uscc: str = ""
    exporter_id: int | None = None
    engine_number: str = ""
    colour: str = ""
    fuel_type: str = ""
    issue_key: str | None = None  # the same key again returns the same letter
    supersedes_id: int | None = None
    request_id: int | None = None
    reserved: tuple[int, int] | None = None  # (year, sequence) reserved by a batch
