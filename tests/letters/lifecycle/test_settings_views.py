"""The administrator's letter settings pages: the seal image, marking a seal key compromised,
rotating the seal key and renewing the signing certificate; each refuses bad input clearly
and changes nothing then."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography import x509
from flask_babel import force_locale, get_translations
from PIL import Image

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.letters.document.seal_image import (
    SealImageError,
    SealImageErrorCode,
    generated_seal_png,
)
from portal.letters.keys.authority import trust_roots
from portal.letters.keys.keyring import active_certificate, active_seal_key
from portal.letters.keys.models import SealKey, SigningCertificate
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import LetterSettings
from portal.letters.lifecycle.settings import seal_message
from portal.signing import new_master_key_text
from portal.signing.certificates import load_certificate_pem
from portal.signing.pades import validate_pdf_signature


@pytest.fixture
def admin(issuing, login_as):
    return login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def _post_seal(admin, data: bytes, name: str):
    return admin.post(
        "/letters/settings/seal",
        data={"seal": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_admin_uploads_a_seal_image_for_the_next_letters(issuing, admin, session):
    response = _post_seal(admin, generated_seal_png("测试汽车有限公司"), "seal.png")
    assert "The seal image is saved; the next letters carry it." in _text(response)
    settings = session.get(LetterSettings, issuing.manufacturer.id, populate_existing=True)
    stored = issuing.store.get(settings.seal_image_key)
    assert Image.open(io.BytesIO(stored)).mode == "RGBA"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), "red").save(out, format="JPEG")
    return out.getvalue()


def test_a_seal_that_is_not_a_png_is_refused_and_nothing_is_stored(issuing, admin, session):
    response = _post_seal(admin, _jpeg(), "seal.jpg")
    assert "The seal image must be a PNG file." in _text(response)
    assert session.get(LetterSettings, issuing.manufacturer.id, populate_existing=True) is None
    assert not (issuing.store.root / "seals").exists()


def test_sending_no_seal_file_asks_for_one(admin):
    response = admin.post(
        "/letters/settings/seal", content_type="multipart/form-data", follow_redirects=True
    )
    assert "Choose the seal image file to upload." in _text(response)


def test_a_refused_seal_is_explained_in_chinese(issuing, admin, monkeypatch):
    admin.get("/language/zh_Hans")
    with issuing.app.test_request_context(), force_locale("zh_Hans"):
        catalogue = get_translations()
    # Stands in for the catalogue's entry, so the test shows the sentence is looked up there.
    english, chinese = "The seal image must be a PNG file.", "印章图片必须是 PNG 文件。"
    monkeypatch.setitem(catalogue._catalog, english, chinese)
    text = _text(_post_seal(admin, _jpeg(), "seal.jpg"))
    assert chinese in text
    assert "PNG file" not in text and "the seal image" not in text


def test_every_seal_refusal_has_a_sentence_of_its_own_from_the_catalogue(app, monkeypatch):
    with app.test_request_context(), force_locale("zh_Hans"):
        monkeypatch.setattr(get_translations(), "ugettext", lambda message: f"译:{message}")
        sentences = {
            code: seal_message(
                SealImageError(code, "english", width=600, height=300, max_bytes=2_000_000)
            )
            for code in SealImageErrorCode
        }
    assert all(sentence.startswith("译:") for sentence in sentences.values()), sentences
    assert len(set(sentences.values())) == len(SealImageErrorCode)
    assert "译:The seal image is larger than 2000 kB." in sentences.values()
    assert "译:The seal image is 600×300 pixels; it must be about square." in sentences.values()


def _audit(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _sealing_key(issuing, session) -> SealKey:
    issue_letter(session, issuing.order(), issuing.context())  # makes the keys
    key = active_seal_key(session, issuing.manufacturer.id)
    key.created_at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    session.flush()
    return key


def _post_compromise(admin, key, since: str):
    return admin.post(
        f"/letters/settings/keys/{key.id}/compromised",
        data={"since": since, "reason": "laptop stolen"},
        follow_redirects=True,
    )


def test_a_compromise_revokes_the_certificate_on_the_public_crl(issuing, admin, session, app):
    key = _sealing_key(issuing, session)
    row = active_certificate(session, issuing.manufacturer.id)
    serial = load_certificate_pem(row.certificate_pem).serial_number
    response = _post_compromise(admin, key, "2026-11-30T10:00")
    assert "revoked" in _text(response)  # the keys page marks the certificate
    session.refresh(row)
    assert row.revoked_at is not None and row.retired_at is not None
    assert row.invalid_since == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    [entry] = _audit(session, "certificate.revoked")
    assert entry.details["serial"] == str(serial) and entry.details["reason"] == "keyCompromise"
    crl = x509.load_der_x509_crl(app.test_client().get("/.well-known/portal-ca.crl").data)
    listed = crl.get_revoked_certificate_by_serial_number(serial)
    assert listed is not None
    invalidity = listed.extensions.get_extension_for_class(x509.InvalidityDate).value
    assert invalidity.invalidity_date_utc == row.invalid_since


def test_admin_marks_a_seal_key_compromised(issuing, admin, session):
    key = _sealing_key(issuing, session)
    response = _post_compromise(admin, key, "2026-11-30T10:00")
    assert f"Key {key.kid} is marked compromised." in _text(response)
    session.refresh(key)
    assert key.compromised_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert key.compromise_reason == "laptop stolen" and key.retired_at is not None
    assert active_seal_key(session, issuing.manufacturer.id) is None
    [entry] = _audit(session, "seal_key.compromised")
    assert entry.actor_id == admin.user.id and entry.object_id == str(key.id)
    assert entry.details == {
        "kid": key.kid,
        "since": "2026-11-30T10:00:00+00:00",
        "reason": "laptop stolen",
    }


def test_a_compromise_without_its_time_is_refused_and_the_key_stays(issuing, admin, session):
    key = _sealing_key(issuing, session)
    response = _post_compromise(admin, key, "")
    assert response.status_code == 400
    assert "Give the time from which the key is compromised, and what happened." in _text(response)
    session.refresh(key)
    assert key.compromised_at is None and key.retired_at is None
    assert active_seal_key(session, issuing.manufacturer.id).id == key.id


def _since_error(response) -> str:
    """Returns the error shown under the compromise time, in the refused key's open form."""
    page = _text(response)
    assert "<details open>" in page
    start = page.index('<p class="error" id="since-error">') + len(
        '<p class="error" id="since-error">'
    )
    return page[start : page.index("</p>", start)]


@pytest.mark.parametrize(
    ("since", "error"),
    [
        (
            (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "The compromise time is in the future. Give a time up to now (UTC).",
        ),
        (
            "2026-10-31T23:59",
            "The compromise time is before the key was made (2026-11-01 08:00 UTC). "
            "Give a later time.",
        ),
    ],
    ids=["future", "before-the-key"],
)
def test_a_compromise_time_out_of_the_keys_life_is_refused_next_to_the_field(
    issuing, admin, session, since, error
):
    key = _sealing_key(issuing, session)
    response = _post_compromise(admin, key, since)
    assert response.status_code == 400
    assert _since_error(response) == error
    assert since in _text(response)  # what was typed stays in the field
    session.refresh(key)
    assert key.compromised_at is None and key.retired_at is None
    assert active_seal_key(session, issuing.manufacturer.id).id == key.id
    assert _audit(session, "seal_key.compromised") == []


def test_admin_rotates_the_seal_key(issuing, admin, session):
    old = _sealing_key(issuing, session)
    response = admin.post("/letters/settings/keys/rotate", follow_redirects=True)
    new = active_seal_key(session, issuing.manufacturer.id)
    assert new.id != old.id
    assert f"New seal key {new.kid} is active; earlier letters still verify." in _text(response)
    session.refresh(old)
    assert old.retired_at is not None and old.compromised_at is None
    entry = _audit(session, "seal_key.created")[-1]
    assert entry.actor_id == admin.user.id and entry.object_id == str(new.id)
    assert entry.details == {"kid": new.kid, "retired": [old.kid]}
    page = admin.get("/letters/settings/keys").get_data(as_text=True)
    assert old.kid in page and new.kid in page


def test_rotation_without_the_master_key_is_refused_and_the_key_stays(issuing, admin, session):
    old = _sealing_key(issuing, session)
    issuing.app.config["MASTER_KEY"] = None
    response = admin.post("/letters/settings/keys/rotate")
    assert response.status_code == 503
    assert "The signing keys cannot be opened" in _text(response)
    assert _count(session, SealKey) == 1
    assert active_seal_key(session, issuing.manufacturer.id).id == old.id


def test_rotation_with_another_master_key_is_refused_and_nothing_changes(issuing, admin, session):
    old = _sealing_key(issuing, session)
    audit = _count(session, AuditEntry)
    issuing.app.config["MASTER_KEY"] = new_master_key_text()
    response = admin.post("/letters/settings/keys/rotate")
    assert response.status_code == 503
    assert "The signing keys cannot be opened" in _text(response)
    assert "No key was changed" in _text(response)
    assert _count(session, SealKey) == 1 and _count(session, AuditEntry) == audit
    session.refresh(old)
    assert old.retired_at is None
    assert active_seal_key(session, issuing.manufacturer.id).id == old.id


def test_admin_renews_the_signing_certificate(issuing, admin, session):
    issue_letter(session, issuing.order(), issuing.context())
    old = active_certificate(session, issuing.manufacturer.id)
    response = admin.post("/letters/settings/certificates/renew", follow_redirects=True)
    assert "A new signing certificate from the Portal's authority is active." in _text(response)
    new = active_certificate(session, issuing.manufacturer.id)
    assert new.id != old.id and new.source == "portal"
    session.refresh(old)
    assert old.retired_at is not None
    entry = _audit(session, "certificate.added")[-1]
    assert entry.actor_id == admin.user.id and entry.object_id == str(new.id)
    assert entry.details["source"] == "portal"
    letter = issue_letter(session, issuing.order(), issuing.context())
    pdf = issuing.store.get(letter.pdf_key)
    assert validate_pdf_signature(pdf, trust_roots=trust_roots(session)).ok
    # Signed with the new certificate: trusting only the old one does not vouch for it.
    signed_by = {c.id: load_certificate_pem(c.certificate_pem) for c in (old, new)}
    assert validate_pdf_signature(pdf, trust_roots=[signed_by[new.id]]).trusted
    assert not validate_pdf_signature(pdf, trust_roots=[signed_by[old.id]]).trusted


def test_renewal_with_another_master_key_is_refused_and_the_certificate_stays(
    issuing, admin, session
):
    issue_letter(session, issuing.order(), issuing.context())
    old = active_certificate(session, issuing.manufacturer.id)
    audit = _count(session, AuditEntry)
    issuing.app.config["MASTER_KEY"] = new_master_key_text()
    response = admin.post("/letters/settings/certificates/renew")
    assert response.status_code == 503
    assert "The signing keys cannot be opened" in _text(response)
    assert "No key was changed" in _text(response)
    assert _count(session, SigningCertificate) == 1 and _count(session, AuditEntry) == audit
    session.refresh(old)
    assert old.retired_at is None
    assert active_certificate(session, issuing.manufacturer.id).id == old.id
