"""Issuing a letter: what it carries, the sealed token, the stored and signed PDF, the QR code
read back from a rendering, numbering, and idempotent retries."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from pypdf import PdfReader

from portal.audit.models import AuditEntry
from portal.errors import ValidationError
from portal.letters.keys.authority import trust_roots
from portal.letters.keys.keyring import active_seal_key
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.snapshot import outlets_digest
from portal.signing import decode_token, load_public_key, verify_token
from portal.signing.pades import validate_pdf_signature


def test_letter_carries_the_vehicle_outlets_and_a_verifiable_seal(issuing, session):
    order = issuing.order()
    letter = issue_letter(session, order, issuing.context())
    assert letter.number == f"{issuing.manufacturer.short_code}-{letter.issued_at.year}-000001"
    assert (letter.vin, letter.country, letter.brand) == (order.vin, "DE", issuing.brand.name)
    assert {o.version.outlet_id for o in letter.outlets} == {o.id for o in issuing.outlets}
    assert [o.version.id for o in letter.outlets] == [
        o.current_version_id for o in sorted(issuing.outlets, key=lambda o: o.current.city)
    ]
    assert letter.outlets_digest == outlets_digest([o.version for o in letter.outlets]).hex()
    key = active_seal_key(session, issuing.manufacturer.id)
    verified = verify_token(
        decode_token(letter.token),
        lambda kid: load_public_key(key.public_key) if kid.hex() == key.kid else None,
    )
    assert verified.claims.number == letter.number
    assert verified.claims.vin == order.vin
    audit = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "letter.issued"))
    assert audit.details["number"] == letter.number
    assert audit.actor_id == issuing.issuer.id


def test_stored_pdf_is_signed_readable_and_its_qr_opens_the_letter(issuing, session):
    letter = issue_letter(session, issuing.order(), issuing.context())
    pdf = issuing.store.get(letter.pdf_key)
    assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
    assert len(pdf) == letter.pdf_size
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert letter.vin in text
    assert "售后服务确认函" in text
    assert letter.number in text
    report = validate_pdf_signature(pdf, trust_roots=trust_roots(session))
    assert report.ok, report
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=150 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in codes] == [f"HTTPS://PORTAL.EXAMPLE.CN/V/{letter.token}"]
    assert letter.qr_version <= 12


def test_changing_one_byte_of_the_pdf_breaks_its_signature(issuing, session):
    letter = issue_letter(session, issuing.order(), issuing.context())
    pdf = bytearray(issuing.store.get(letter.pdf_key))
    at = bytes(pdf).index(b"/Type /Page") + 2
    pdf[at] ^= 0x01
    report = validate_pdf_signature(bytes(pdf), trust_roots=trust_roots(session))
    assert not report.ok


def test_numbers_follow_each_other_per_manufacturer(issuing, make, session):
    numbers = [issue_letter(session, issuing.order(), issuing.context()).sequence for _ in range(3)]
    assert numbers == [1, 2, 3]


def test_the_same_issue_key_gives_back_the_same_letter(issuing, session):
    order = issuing.order(issue_key="form-123")
    first = issue_letter(session, order, issuing.context())
    again = issue_letter(session, order, issuing.context())
    assert again.id == first.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1
    assert len(issuing.stored_files()) == 1


def test_no_outlet_in_the_country_means_no_letter(issuing, session):
    with pytest.raises(ValidationError, match="no active after-sales outlet"):
        issue_letter(session, issuing.order(country="FR"), issuing.context())
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0


def test_a_vin_of_another_manufacturer_is_refused(issuing, make, session):
    from portal.accounts.roles import OrgKind
    from portal.errors import ValidationError

    other = make.organisation(OrgKind.MANUFACTURER)
    with pytest.raises(ValidationError, match="VIN"):
        issue_letter(session, issuing.order(vin=make.vin(other)), issuing.context())


def test_second_valid_letter_for_a_vin_and_country_is_refused(issuing, session):
    from portal.errors import Conflict

    order = issuing.order()
    first = issue_letter(session, order, issuing.context())
    with pytest.raises(Conflict, match=first.number):
        issue_letter(session, issuing.order(vin=order.vin), issuing.context())


def test_dates_are_checked_again_at_issuance(issuing, session):
    from portal.errors import ValidationError

    with pytest.raises(ValidationError):
        issue_letter(
            session,
            issuing.order(
                registration_date=date(2026, 10, 2), transfer_registration_date=date(2026, 10, 1)
            ),
            issuing.context(),
        )
