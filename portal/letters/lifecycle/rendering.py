"""From a letter's values to its printed document and signed PDF, and the unsigned specimens
a manufacturer previews: of its settings, and of the letter an order would give."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from cryptography import x509
from sqlalchemy.orm import Session

from portal import countries
from portal.accounts.models import Organisation
from portal.clock import today_in_china
from portal.letters.document import content as doc
from portal.letters.document.pdf import render_letter_pdf
from portal.letters.document.seal_image import generated_seal_png
from portal.letters.lifecycle.checks import CheckedOrder
from portal.letters.lifecycle.models import LetterSettings
from portal.letters.lifecycle.snapshot import services_text
from portal.outlets.models import OutletVersion
from portal.outlets.queries import countries_with_active_outlets, outlets_active_in
from portal.signing import qr_png
from portal.signing.pades import TimestampService, sign_pdf
from portal.storage import FileStorage

SPECIMEN_NUMBER = "SPECIMEN"
SPECIMEN_URL = "HTTPS://PORTAL.EXAMPLE/V/SPECIMEN"  # resolves to no letter, on purpose
SPECIMEN_CODE = "SPECI-MEN00"


def seal_png(
    settings: LetterSettings,
    manufacturer: Organisation,
    store: FileStorage,
    font_path: str | None = None,
) -> bytes:
    """Returns the manufacturer's uploaded seal, or one generated from its Chinese name."""
    if settings.seal_image_key:
        return store.get(settings.seal_image_key)
    return generated_seal_png(manufacturer.name_zh or manufacturer.name_en, font_path=font_path)


def printed_outlet(version: OutletVersion) -> doc.Outlet:
    """Returns the outlet as the letter prints it."""
    return doc.Outlet(
        code=version.outlet.code,
        name_local=version.name_local,
        name_latin=version.name_latin,
        city=version.city,
        address=version.address,
        postcode=version.postcode,
        phone=version.phone,
        services=services_text(sorted(version.service_types)),
        email=version.email,
    )


def document_fields(
    manufacturer: Organisation,
    settings: LetterSettings,
    outlets: Sequence[doc.Outlet],
    *,
    number: str,
    issue_date: date,
    valid_until: date,
    vehicle: doc.Vehicle,
    country: str,
    exporter: doc.Exporter,
    seal: bytes,
) -> dict[str, Any]:
    """Returns the LetterDocument fields but the QR code and verification code, with the
    body filled in from the manufacturer's settings."""
    printed_country = doc.Country(country, countries.name_zh(country), countries.name_en(country))
    values_zh = {
        "manufacturer_name": manufacturer.name_zh or manufacturer.name_en,
        "country_name": printed_country.name_zh,
        "exporter_name": exporter.name,
    }
    values_en = {
        "manufacturer_name": manufacturer.name_en,
        "country_name": printed_country.name_en,
        "exporter_name": exporter.name,
    }
    return {
        "manufacturer": doc.Manufacturer(
            manufacturer.name_zh, manufacturer.name_en, manufacturer.uscc or ""
        ),
        "letter_number": number,
        "issue_date": issue_date,
        "vehicle": vehicle,
        "country": printed_country,
        "exporter": exporter,
        "valid_until": valid_until,
        "outlets": tuple(outlets),
        "body_zh": doc.split_paragraphs(doc.fill_body(settings.body_zh, values_zh)),
        "body_en": doc.split_paragraphs(doc.fill_body(settings.body_en, values_en)),
        "seal_png": seal,
    }


def checked_document_fields(
    manufacturer: Organisation,
    settings: LetterSettings,
    checked: CheckedOrder,
    *,
    number: str,
    issue_date: date,
    valid_until: date,
    seal: bytes,
) -> dict[str, Any]:
    """Returns the LetterDocument fields (but the QR code and verification code) of the
    letter a checked order gives."""
    return document_fields(
        manufacturer,
        settings,
        [printed_outlet(v) for v in checked.outlets],
        number=number,
        issue_date=issue_date,
        valid_until=valid_until,
        vehicle=doc.Vehicle(
            checked.brand.name,
            checked.model,
            checked.vin,
            checked.registration_date,
            checked.transfer_registration_date,
            checked.engine_number or None,
            checked.colour or None,
            checked.fuel_type or None,
        ),
        country=checked.country,
        exporter=doc.Exporter(checked.exporter_name, checked.exporter_uscc),
        seal=seal,
    )


def signed_pdf_with(
    document: doc.LetterDocument,
    *,
    key: Any,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    font_path: str | None = None,
    crls: tuple[bytes, ...] = (),
    timestamp: TimestampService | None = None,
) -> bytes:
    """Returns the letter's PDF, signed (PAdES) with the seal as the signature's appearance:
    B-LT given the issuer's CRLs, and timestamped given a timestamping service."""
    rendered = render_letter_pdf(document, font_path=font_path)
    rect = rendered.seal_rect
    return sign_pdf(
        rendered.pdf,
        key=key,
        certificate=certificate,
        chain=chain,
        field_rect=(rect.x1, rect.y1, rect.x2, rect.y2),
        page_index=rect.page_index,
        appearance_png=rendered.seal_png,
        signer_name=document.manufacturer.name_en,
        reason=f"After-Sales Service Confirmation {document.letter_number}",
        crls=crls,
        timestamp=timestamp,
    )


def specimen_pdf(
    session: Session,
    manufacturer: Organisation,
    settings: LetterSettings,
    store: FileStorage,
    font_path: str | None = None,
) -> bytes:
    """Returns an unsigned specimen letter showing the current body, validity and seal, with
    the outlets of the manufacturer's first covered country (or an example outlet)."""
    today = today_in_china()
    covered = countries_with_active_outlets(
        session, manufacturer_id=manufacturer.id, brand_id=None, on=today
    )
    country = covered[0] if covered else "DE"
    versions = outlets_active_in(
        session, manufacturer_id=manufacturer.id, country=country, brand_id=None, on=today
    )[:5]
    outlets = [printed_outlet(v) for v in versions] or [
        doc.Outlet(
            "EXAMPLE",
            "Example Service Centre",
            "Example Service Centre",
            "Berlin",
            "Example Street 1",
            "10115",
            "+49301234567",
            services_text(["repair"]),
        )
    ]
    brand = manufacturer.brands[0].name if manufacturer.brands else "—"
    fields = document_fields(
        manufacturer,
        settings,
        outlets,
        number=SPECIMEN_NUMBER,
        issue_date=today,
        valid_until=today + timedelta(days=settings.validity_days),
        vehicle=doc.Vehicle(brand, "SPECIMEN", "SPECIMEN", today, today),
        country=country,
        exporter=doc.Exporter("示例出口企业 Example Exporter Co., Ltd.", ""),
        seal=seal_png(settings, manufacturer, store, font_path),
    )
    return specimen_render(fields, font_path)


def specimen_render(fields: dict[str, Any], font_path: str | None = None) -> bytes:
    """Returns the unsigned PDF of a letter with these document fields, its seal drawn in
    place of the signature and a specimen QR code and verification code that verify nothing."""
    document = doc.LetterDocument(
        **fields,
        qr_png=qr_png(SPECIMEN_URL).png,
        verification_code=SPECIMEN_CODE,
        verification_url=SPECIMEN_URL,
    )
    return render_letter_pdf(document, font_path=font_path, draw_seal=True).pdf
