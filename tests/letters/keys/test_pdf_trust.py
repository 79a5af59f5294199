"""A letter's PDF signature as a relying party checks it, with tools the Portal did not write:
the root published at /.well-known/portal-ca.pem trusted in poppler's NSS database, in the
pyhanko command and in OpenSSL; validation later, without a network, from the chain and CRL
embedded at signing (PAdES B-LT); the CRL listing a certificate revoked for key compromise;
and an RFC 3161 timestamp from a real service on loopback (B-T)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader

from portal.letters.keys.authority import AUTHORITY_NAME, CRL_PATH, ROOT_PATH, trust_roots
from portal.letters.keys.errors import TimestampUnavailable
from portal.letters.keys.keyring import (
    active_certificate,
    active_seal_key,
    certificate_aad,
    mark_compromised,
)
from portal.letters.keys.models import PortalAuthority, SigningCertificate
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.signing import parse_master_key
from portal.signing.certificates import (
    certificate_pem,
    create_certificate_authority,
    generate_ec_key,
    issue_signing_certificate,
    load_certificate_pem,
    seal_certificate_key,
    seal_ec_key,
    sha256_fingerprint,
)
from portal.signing.pades import TimestampService, validate_pdf_signature
from tests.letters import relying_party as rp
from tests.letters.conftest import sign
from tests.letters.samples import SealPki
from tests.letters.timestamp_server import running_tsa

pytestmark = pytest.mark.slow
A_YEAR_LATER = (datetime.now(UTC) + timedelta(days=366)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _letter_pdf(issuing, letter: Letter) -> bytes:
    return issuing.store.get(letter.pdf_key)


def _published_root(client, folder: Path) -> Path:
    response = client.get(ROOT_PATH)
    assert response.status_code == 200
    assert response.mimetype == "application/x-pem-file"
    path = folder / "portal-ca.pem"
    path.write_bytes(response.data)
    return path


@pytest.fixture
def issued(issuing, session, client, tmp_path):
    """A letter freshly issued, written to a file, and the root as published."""
    letter = issue_letter(session, issuing.order(), issuing.context())
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(_letter_pdf(issuing, letter))
    return letter, pdf, _published_root(client, tmp_path)


def test_pdfsig_trusts_the_letter_once_the_published_root_is_trusted(issued, tmp_path):
    _, pdf, root = issued
    trusting = rp.pdfsig(pdf, rp.nss_database(tmp_path / "trusting", root))
    assert "Signature Validation: Signature is Valid." in trusting.output, trusting.output
    assert "Certificate Validation: Certificate is Trusted." in trusting.output, trusting.output
    assert "Total document signed" in trusting.output
    # Without the root the same reader does not trust it: the root is what makes the difference.
    stranger = rp.pdfsig(pdf, rp.nss_database(tmp_path / "empty"))
    assert "Signature is Valid." in stranger.output
    assert "Certificate is Trusted." not in stranger.output, stranger.output


def test_pdfsig_finds_a_tampered_letter_invalid(issued, tmp_path):
    _, pdf, root = issued
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/Contents", 200) - 40  # inside the first, signed, part of the file
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = rp.pdfsig(tampered, rp.nss_database(tmp_path / "nss", root))
    assert "Signature is Valid." not in result.output, result.output


def test_pyhanko_validates_the_letter_now_and_a_year_later_without_network(issued):
    # The CRL distribution point (portal.example.cn) does not resolve here: nothing is fetched.
    _, pdf, root = issued
    now = rp.pyhanko("adesverify", "--trust", root, "--trust-replace", pdf)
    assert now.returncode == 0, now.output
    assert ":INTACT:TRUSTED," in now.output, now.output
    later = rp.pyhanko(
        "validate", "--trust", root, "--trust-replace", "--validation-time", A_YEAR_LATER, pdf
    )
    assert later.returncode == 0, later.output
    assert ":INTACT:TRUSTED," in later.output, later.output


def test_pyhanko_refuses_the_letter_without_the_root(issued):
    _, pdf, _ = issued
    result = rp.pyhanko("adesverify", "--trust-replace", pdf)
    assert result.returncode != 0
    assert "UNTRUSTED" in result.output, result.output


def test_the_letter_embeds_its_chain_and_crl_in_the_signed_revision(issued, session):
    _, pdf, root = issued
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()))
    dss = reader.root["/DSS"]
    embedded_certs = {bytes(c.get_object().data) for c in dss["/Certs"]}
    root_der = load_certificate_pem(root.read_bytes()).public_bytes(serialization.Encoding.DER)
    assert root_der in embedded_certs
    (crl_stream,) = dss["/CRLs"]
    crl = x509.load_der_x509_crl(crl_stream.get_object().data)
    assert crl.is_signature_valid(load_certificate_pem(root.read_bytes()).public_key())
    # One revision: the DSS is covered by the signature, nothing was appended after it.
    (signature,) = reader.embedded_signatures
    report = validate_pdf_signature(pdf.read_bytes(), trust_roots=trust_roots(session))
    assert report.ok and report.covers_whole_file
    assert signature.field_name == report.field_name


def test_openssl_verifies_the_signature_chain_and_revocation(issued, client, tmp_path):
    _, pdf, root = issued
    crl_pem = tmp_path / "portal-ca.crl.pem"
    crl = x509.load_der_x509_crl(client.get(CRL_PATH).data)
    crl_pem.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    result = rp.openssl_cms_verify(pdf.read_bytes(), tmp_path, root, crl_pem)
    assert result.returncode == 0, result.output
    assert "Verification successful" in result.output
    _, stranger = _other_root(tmp_path)
    refused = rp.openssl_cms_verify(pdf.read_bytes(), tmp_path, stranger)
    assert refused.returncode != 0


def _other_root(tmp_path: Path) -> tuple[x509.Certificate, Path]:
    from portal.signing.certificates import authority_name, create_certificate_authority

    _, cert = create_certificate_authority(authority_name("Someone", "Someone Ltd", "DE"))
    path = tmp_path / "stranger.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, path


def test_root_is_stable_named_and_its_fingerprint_shown_on_verify(issued, client, app):
    _, _, root_path = issued
    root = load_certificate_pem(root_path.read_bytes())
    assert client.get(ROOT_PATH).data == root_path.read_bytes()  # the same on every fetch
    assert root.subject.rfc4514_string().endswith(
        f"O={app.config['AUTHORITY_ORGANISATION']},C={app.config['AUTHORITY_COUNTRY']}"
    )
    page = client.get("/verify").get_data(as_text=True).replace("<wbr>", "")
    assert sha256_fingerprint(root) in page
    assert ROOT_PATH in page
    fingerprint = rp.run("openssl", "x509", "-in", root_path, "-noout", "-fingerprint", "-sha256")
    assert sha256_fingerprint(root) in fingerprint.output


def test_crl_lists_the_certificate_of_a_compromised_manufacturer(
    issuing, session, client, tmp_path
):
    letter = issue_letter(session, issuing.order(), issuing.context())
    row = active_certificate(session, letter.manufacturer_id)
    certificate = load_certificate_pem(row.certificate_pem)
    key = active_seal_key(session, letter.manufacturer_id)
    since = key.created_at
    mark_compromised(session, key, since=since, reason="Laptop stolen", actor=issuing.issuer)
    response = client.get(CRL_PATH)  # public: no one is signed in
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    crl_file = tmp_path / "portal-ca.crl"
    crl_file.write_bytes(response.data)
    root = _published_root(client, tmp_path)
    checked = rp.run("openssl", "crl", "-inform", "DER", "-in", crl_file, "-CAfile", root, "-noout")
    assert checked.returncode == 0 and "verify OK" in checked.output, checked.output
    text = rp.run("openssl", "crl", "-inform", "DER", "-in", crl_file, "-noout", "-text").output
    serial = f"{certificate.serial_number:X}"
    assert f"Serial Number: {serial.zfill(len(serial) + len(serial) % 2)}" in text, text
    assert "Key Compromise" in text
    assert "Invalidity Date" in text
    # The next letter is signed with a new certificate, not on the list, and trusted.
    after = issue_letter(session, issuing.order(), issuing.context())
    renewed = active_certificate(session, after.manufacturer_id)
    assert load_certificate_pem(renewed.certificate_pem).serial_number != certificate.serial_number
    pdf = tmp_path / "after.pdf"
    pdf.write_bytes(_letter_pdf(issuing, after))
    result = rp.pyhanko("adesverify", "--trust", root, "--trust-replace", pdf)
    assert ":INTACT:TRUSTED," in result.output, result.output


def test_timestamped_letter_carries_a_token_from_the_service(issuing, session, client, tmp_path):
    with running_tsa() as tsa:
        context = issuing.context(timestamp=TimestampService(tsa.url, (tsa.root,), timeout=60))
        letter = issue_letter(session, issuing.order(), context)
        assert tsa.answered, "the timestamping service was never asked"
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(_letter_pdf(issuing, letter))
    root = _published_root(client, tmp_path)
    tsa_root = tmp_path / "tsa.pem"
    tsa_root.write_bytes(tsa.root_pem())
    (signature,) = PdfFileReader(io.BytesIO(pdf.read_bytes())).embedded_signatures
    (token,) = [
        attribute["values"][0]
        for attribute in signature.signer_info["unsigned_attrs"]
        if attribute["type"].native == "signature_time_stamp_token"
    ]
    stamped = token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
    assert abs(stamped - datetime.now(UTC)) < timedelta(minutes=10)
    result = rp.pyhanko("validate", "--trust", root, "--trust", tsa_root, "--trust-replace",
                        "--no-revocation-check", pdf)  # fmt: skip
    assert "TIMESTAMP_TOKEN<INTACT:TRUSTED>" in result.output, result.output
    trusting = rp.pdfsig(pdf, rp.nss_database(tmp_path / "nss", root))
    assert "Certificate is Trusted." in trusting.output, trusting.output


def test_a_silent_timestamping_service_issues_nothing(issuing, session):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    context = issuing.context(timestamp=TimestampService(f"http://127.0.0.1:{port}/", timeout=5))
    before = session.query(Letter).count()
    with pytest.raises(TimestampUnavailable) as raised:
        issue_letter(session, issuing.order(), context)
    assert "timestamping service" in raised.value.message
    assert session.query(Letter).count() == before
    assert issuing.stored_files() == []


def test_letters_of_an_older_root_keep_verifying(issuing, session, client, rendered, tmp_path):
    # The root and certificate as the Portal made them before roots named their operator and
    # certificates pointed to a CRL, and a letter signed with them (B-B).
    master = parse_master_key(issuing.app.config["MASTER_KEY"])
    old_key, old_root = create_certificate_authority(AUTHORITY_NAME)
    session.add(
        PortalAuthority(
            certificate_pem=certificate_pem(old_root),
            sealed_key=seal_ec_key(old_key, master, aad=b"authority"),
        )
    )
    key = generate_ec_key()
    old_cert = issue_signing_certificate(
        old_key, old_root, organisation_name="Old", common_name="Old", public_key=key.public_key()
    )
    manufacturer_id = issuing.manufacturer.id
    session.add(
        SigningCertificate(
            manufacturer_id=manufacturer_id,
            certificate_pem=certificate_pem(old_cert),
            chain_pem=certificate_pem(old_root),
            sealed_private_key=seal_certificate_key(
                key, master, aad=certificate_aad(manufacturer_id, old_cert)
            ),
            source="portal",
            not_after=old_cert.not_valid_after_utc,
        )
    )
    session.flush()
    old_letter = sign(rendered, SealPki(old_key, old_root, key, old_cert))
    # A new letter: a new root naming the operator, a new certificate of the current profile.
    letter = issue_letter(session, issuing.order(), issuing.context())
    root = load_certificate_pem(_published_root(client, tmp_path).read_bytes())
    assert root != old_root and root.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    renewed = load_certificate_pem(active_certificate(session, manufacturer_id).certificate_pem)
    assert renewed.issuer == root.subject
    roots = trust_roots(session)
    assert validate_pdf_signature(old_letter, trust_roots=roots).ok
    assert validate_pdf_signature(_letter_pdf(issuing, letter), trust_roots=roots).ok
