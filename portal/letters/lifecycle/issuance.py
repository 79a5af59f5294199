"""Issuing a letter as one unit: checks, number, seal, QR, PDF, signature, stored file,
letter row, outlet snapshot and audit entry.

Three phases: `prepare` (checks, keys and number; database reads and the counter), `produce`
(seal, QR code, PDF and signature: pure, picklable, so a batch runs it in worker processes on
every core) and `persist` (stored file, rows, audit). `issue_letter` runs all three inside the
caller's transaction: if any step fails, the transaction rolls back, the number is given
back and the stored file is removed, so no partial letter ever exists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.audit.record import record
from portal.clock import china_date
from portal.db import utcnow
from portal.letters.keys.authority import AuthorityProfile
from portal.letters.keys.errors import timestamp_unavailable
from portal.letters.keys.keyring import signing_material
from portal.letters.lifecycle.checks import CheckedOrder, check_order
from portal.letters.lifecycle.models import Letter, LetterOutlet, LetterStatus
from portal.letters.lifecycle.numbering import format_number, next_sequence
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.production import SealedLetter, SealJob, produce
from portal.letters.lifecycle.rendering import checked_document_fields, seal_png
from portal.letters.lifecycle.settings import letter_settings
from portal.letters.lifecycle.snapshot import letter_record, outlets_digest, record_digest
from portal.requests.vetting import Addressee
from portal.revocations.service import publish_revocation_list
from portal.signing import LetterClaims
from portal.signing.pades import TimestampService, TimestampUnavailable
from portal.storage import FileStorage


@dataclass(frozen=True)
class IssuanceContext:
    """Where and with what a letter is issued."""

    master_key: bytes
    base_url: str
    store: FileStorage
    actor: User | None = None
    font_path: str | None = None
    now: datetime = field(default_factory=utcnow)
    # The operator's name for a new root; its CRL is published under `base_url`.
    authority: AuthorityProfile | None = None
    timestamp: TimestampService | None = None  # B-T: an RFC 3161 service, if configured

    @property
    def authority_profile(self) -> AuthorityProfile:
        return self.authority or AuthorityProfile(public_base_url=self.base_url)


@dataclass(frozen=True)
class Prepared:
    """A checked order with its number: everything but the CPU-heavy sealing."""

    order: LetterOrder
    checked: CheckedOrder
    manufacturer: Organisation
    fields: dict[str, Any]
    kid: str
    job: SealJob


def issue_letter(session: Session, order: LetterOrder, ctx: IssuanceContext) -> Letter:
    """Returns the letter issued for the order (or the one already issued with its key)."""
    done = already_issued(session, order)
    if done is not None:
        return done
    prepared = prepare(session, order, ctx)
    try:
        sealed = produce(prepared.job)
    except TimestampUnavailable:
        raise timestamp_unavailable() from None
    return persist(session, prepared, sealed, ctx)


def already_issued(session: Session, order: LetterOrder) -> Letter | None:
    """Returns the letter an earlier try with the same issue key made, if any."""
    if not order.issue_key:
        return None
    return session.scalar(sa.select(Letter).where(Letter.issue_key == order.issue_key))


def prepare(
    session: Session, order: LetterOrder, ctx: IssuanceContext, addressee: Addressee | None = None
) -> Prepared:
    """Returns the checked order with its number and opened keys, ready to be sealed."""
    manufacturer = session.get(Organisation, order.manufacturer_id)
    checked = check_order(session, manufacturer, order, china_date(ctx.now), addressee)
    material = signing_material(session, manufacturer, ctx.master_key, ctx.authority_profile)
    # A key made by this very issuance (the first, or a rotation under way) must not be
    # younger than the letter it seals: verifiers refuse letters older than their key.
    now = max(ctx.now, material.seal_key.created_at)
    settings = letter_settings(session, manufacturer)
    year, sequence = order.reserved or (now.year, next_sequence(session, manufacturer.id, now.year))
    number = format_number(manufacturer.short_code, year, sequence)
    # Dated, and valid, in China's calendar: the letter is filed with a Chinese licence.
    issue_day = china_date(now)
    valid_until = issue_day + timedelta(days=settings.validity_days)
    fields = _record_fields(manufacturer, checked, number, now, valid_until)
    draft = checked_document_fields(
        manufacturer,
        settings,
        checked,
        number=number,
        issue_date=issue_day,
        valid_until=valid_until,
        seal=seal_png(settings, manufacturer, ctx.store, ctx.font_path),
    )
    job = SealJob.of(
        claims=_claims(fields),
        record_digest=record_digest(letter_record(**fields)),
        base_url=ctx.base_url,
        material=material,
        document=draft,
        font_path=ctx.font_path,
        timestamp=ctx.timestamp,
    )
    return Prepared(order, checked, manufacturer, fields, material.seal_key.kid, job)


def persist(
    session: Session, prepared: Prepared, sealed: SealedLetter, ctx: IssuanceContext
) -> Letter:
    """Stores the PDF and writes the letter, its outlets and the audit entry; returns it."""
    fields, checked = prepared.fields, prepared.checked
    year = int(fields["number"].rsplit("-", 2)[1])
    pdf_key = f"letters/{prepared.manufacturer.short_code.lower()}/{year}/{fields['number']}.pdf"
    ctx.store.put(pdf_key, sealed.pdf, session=session)
    letter = _letter_row(prepared, sealed, pdf_key, ctx)
    session.add(letter)
    session.flush()
    if checked.supersedes is not None:
        checked.supersedes.status = LetterStatus.SUPERSEDED
        checked.supersedes.superseded_by_id = letter.id
        record(
            session,
            "letter.superseded",
            actor=ctx.actor,
            organisation_id=letter.manufacturer_id,
            obj=checked.supersedes,
            number=checked.supersedes.number,
            by_id=letter.id,
            by=letter.number,
        )
        session.flush()
        publish_revocation_list(session, ctx.master_key, now=ctx.now)
    record(
        session,
        "letter.issued",
        actor=ctx.actor,
        organisation_id=letter.manufacturer_id,
        obj=letter,
        number=letter.number,
        vin=letter.vin,
        country=letter.country,
        supersedes=checked.supersedes.number if checked.supersedes else None,
    )
    session.flush()
    return letter


def _record_fields(
    manufacturer: Organisation, checked: CheckedOrder, number: str, now: datetime, valid_until: date
) -> dict[str, Any]:
    return {
        "number": number,
        "manufacturer": manufacturer.short_code,
        "vin": checked.vin,
        "brand": checked.brand.name,
        "model": checked.model,
        "registration_date": checked.registration_date,
        "transfer_registration_date": checked.transfer_registration_date,
        "country": checked.country,
        "exporter_name": checked.exporter_name,
        "exporter_uscc": checked.exporter_uscc,
        "issued_at": now,
        "valid_until": valid_until,
        "outlets_digest": outlets_digest(checked.outlets),
    }


def _claims(fields: dict[str, Any]) -> LetterClaims:
    names = (
        "number",
        "manufacturer",
        "vin",
        "brand",
        "model",
        "registration_date",
        "country",
        "exporter_uscc",
        "outlets_digest",
        "issued_at",
        "valid_until",
    )
    return LetterClaims(**{name: fields[name] for name in names})


def _letter_row(
    prepared: Prepared, sealed: SealedLetter, pdf_key: str, ctx: IssuanceContext
) -> Letter:
    order, checked, fields = prepared.order, prepared.checked, prepared.fields
    year, sequence = (int(part) for part in fields["number"].rsplit("-", 2)[1:])
    return Letter(
        number=fields["number"],
        manufacturer_id=order.manufacturer_id,
        year=year,
        sequence=sequence,
        issue_key=order.issue_key,
        request_id=order.request_id,
        exporter_id=order.exporter_id,
        exporter_name=checked.exporter_name,
        exporter_uscc=checked.exporter_uscc,
        vin=checked.vin,
        brand=checked.brand.name,
        model=checked.model,
        registration_date=checked.registration_date,
        transfer_registration_date=checked.transfer_registration_date,
        engine_number=checked.engine_number,
        colour=checked.colour,
        fuel_type=checked.fuel_type,
        country=checked.country,
        issued_at=fields["issued_at"],
        valid_until=fields["valid_until"],
        issued_by_id=getattr(ctx.actor, "id", None),
        kid=prepared.kid,
        token=sealed.token,
        short_code=sealed.short_code,
        claims_form=sealed.form,
        qr_version=sealed.qr_version,
        outlets_digest=fields["outlets_digest"].hex(),
        record_digest=prepared.job.record_digest.hex(),
        pdf_key=pdf_key,
        pdf_sha256=hashlib.sha256(sealed.pdf).hexdigest(),
        pdf_size=len(sealed.pdf),
        supersedes_id=checked.supersedes.id if checked.supersedes else None,
        outlets=[
            LetterOutlet(position=i, outlet_version_id=v.id) for i, v in enumerate(checked.outlets)
        ],
    )
