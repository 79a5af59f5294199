"""A manufacturer's keys: seal keys (rotation, compromise) and PDF-signing certificates,
issued by the Portal's authority or uploaded. Private keys leave this module only opened,
in memory, for the issuance that needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.audit.record import record
from portal.db import utcnow
from portal.errors import Conflict, PortalError
from portal.letters.keys.authority import (
    AuthorityProfile,
    crl_for_certificate,
    ensure_authority,
    revoke_certificates_in_use,
)
from portal.letters.keys.errors import KeysUnavailable, keys_unavailable
from portal.letters.keys.models import SealKey, SigningCertificate
from portal.letters.keys.uploaded_certificates import UploadedCertificate
from portal.signing import (
    MasterKeyError,
    generate_signing_key,
    kid_for,
    kid_text,
    open_private_key,
    public_key_bytes,
    seal_private_key,
)
from portal.signing.certificates import (
    CertificateKey,
    certificate_pem,
    generate_ec_key,
    issue_signing_certificate,
    load_certificate_pem,
    open_certificate_key,
    open_ec_key,
    seal_certificate_key,
)

# How far ahead of the Portal's clock a compromise time may be: an administrator's clock runs
# a little fast, and "now" typed on it must still be accepted.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class SigningMaterial:
    """What one issuance signs with, opened in memory."""

    seal_key: SealKey
    seal_private: Ed25519PrivateKey
    certificate: x509.Certificate
    certificate_key: CertificateKey
    chain: tuple[x509.Certificate, ...]
    # The authority's current CRL (DER) for a certificate the Portal issued: embedded in the
    # PDF with the chain, so that the signature can be validated later without a network.
    crl: bytes | None = None


def check_master_key_opens_keys(session: Session, manufacturer_id: int, master_key: bytes) -> None:
    """Raises KeysUnavailable unless the master key opens the manufacturer's active seal key
    and certificate key. A new key sealed under another master key than theirs would leave
    the manufacturer with keys of which the next issuance cannot open all."""
    seal_key = active_seal_key(session, manufacturer_id)
    cert_row = active_certificate(session, manufacturer_id)
    try:
        if seal_key is not None:
            _open_seal_key(seal_key, master_key)
        if cert_row is not None:
            _open_certificate_key(cert_row, master_key)
    except MasterKeyError:
        raise keys_unavailable(changing_keys=True) from None


def new_seal_key(
    session: Session, manufacturer: Organisation, master_key: bytes, *, actor: User | None = None
) -> SealKey:
    """Returns a new active seal key for the manufacturer; the previous one is retired
    (it still verifies what it sealed). Refused, with nothing changed, when the master key
    does not open the manufacturer's active keys."""
    check_master_key_opens_keys(session, manufacturer.id, master_key)
    private = generate_signing_key()
    public = private.public_key()
    kid = kid_text(kid_for(public))
    try:
        sealed = seal_private_key(private, master_key, aad=kid.encode())
    except MasterKeyError:
        raise keys_unavailable() from None
    now = utcnow()
    retired = []
    for old in session.scalars(
        sa.select(SealKey).where(
            SealKey.manufacturer_id == manufacturer.id, SealKey.retired_at.is_(None)
        )
    ):
        old.retired_at = now
        retired.append(old.kid)
    key = SealKey(
        manufacturer_id=manufacturer.id,
        kid=kid,
        public_key=public_key_bytes(public),
        sealed_private_key=sealed,
        created_at=now,
    )
    session.add(key)
    session.flush()
    record(
        session,
        "seal_key.created",
        actor=actor,
        organisation_id=manufacturer.id,
        obj=key,
        kid=kid,
        retired=retired,
    )
    return key


def mark_compromised(
    session: Session,
    key: SealKey,
    *,
    since: datetime,
    reason: str,
    actor: User | None = None,
    now: datetime | None = None,
) -> None:
    """Records that the key was compromised at `since`: letters it sealed after that time no
    longer verify as genuine. The key seals nothing more. A time in the future or before the
    key was made is refused, with nothing changed."""
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    if key.compromised_at is not None:
        # A later time would make letters genuine again that the first report condemned.
        raise Conflict(_("This key is already marked compromised."))
    if since > (now or utcnow()) + CLOCK_SKEW:
        raise PortalError(
            _("The compromise time is in the future. Give a time up to now (UTC)."),
            field="since",
        )
    # The form gives minutes: the minute the key was made counts as its first.
    if since < key.created_at.replace(second=0, microsecond=0):
        raise PortalError(
            _(
                "The compromise time is before the key was made (%(created)s UTC). "
                "Give a later time.",
                created=key.created_at.strftime("%Y-%m-%d %H:%M"),
            ),
            field="since",
        )
    if not reason.strip():
        raise PortalError(_("Say why the key is considered compromised."), field="reason")
    key.compromised_at = since.astimezone(UTC)
    key.compromise_reason = reason.strip()[:500]
    key.retired_at = key.retired_at or utcnow()
    revoke_certificates_in_use(session, key.manufacturer_id, since=key.compromised_at, actor=actor)
    session.flush()
    record(
        session,
        "seal_key.compromised",
        actor=actor,
        organisation_id=key.manufacturer_id,
        obj=key,
        kid=key.kid,
        since=since.isoformat(),
        reason=key.compromise_reason,
    )


def issue_portal_certificate(
    session: Session,
    manufacturer: Organisation,
    master_key: bytes,
    *,
    profile: AuthorityProfile | None = None,
    actor: User | None = None,
) -> SigningCertificate:
    """Returns a new PDF-signing certificate for the manufacturer from the Portal's authority;
    it replaces the active one. Refused, with nothing changed, when the master key does not
    open the manufacturer's active keys."""
    profile = profile or AuthorityProfile()
    check_master_key_opens_keys(session, manufacturer.id, master_key)
    authority = ensure_authority(session, master_key, profile)
    try:
        ca_key = open_ec_key(authority.sealed_key, master_key, aad=b"authority")
    except MasterKeyError:
        raise keys_unavailable() from None
    ca_cert = load_certificate_pem(authority.certificate_pem)
    key = generate_ec_key()
    cert = issue_signing_certificate(
        ca_key,
        ca_cert,
        organisation_name=manufacturer.name_zh or manufacturer.name_en,
        common_name=manufacturer.name_en,
        public_key=key.public_key(),
        crl_url=profile.crl_url,
    )
    return _store_certificate(
        session, manufacturer, cert, key, (ca_cert,), "portal", master_key, actor
    )


def _store_certificate(
    session: Session,
    manufacturer: Organisation,
    cert: x509.Certificate,
    key: CertificateKey,
    chain: tuple[x509.Certificate, ...],
    source: str,
    master_key: bytes,
    actor: User | None,
) -> SigningCertificate:
    aad = certificate_aad(manufacturer.id, cert)
    try:
        sealed = seal_certificate_key(key, master_key, aad=aad)
    except MasterKeyError:
        raise keys_unavailable() from None
    now = utcnow()
    for old in session.scalars(
        sa.select(SigningCertificate).where(
            SigningCertificate.manufacturer_id == manufacturer.id,
            SigningCertificate.retired_at.is_(None),
        )
    ):
        old.retired_at = now
    row = SigningCertificate(
        manufacturer_id=manufacturer.id,
        certificate_pem=certificate_pem(cert),
        chain_pem=b"".join(certificate_pem(c) for c in chain),
        sealed_private_key=sealed,
        source=source,
        not_after=cert.not_valid_after_utc,
        created_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        "certificate.added",
        actor=actor,
        organisation_id=manufacturer.id,
        obj=row,
        source=source,
        serial=str(cert.serial_number),
    )
    return row


def active_seal_key(session: Session, manufacturer_id: int) -> SealKey | None:
    """Returns the manufacturer's key that seals new letters, if any."""
    return session.scalar(
        sa.select(SealKey)
        .where(
            SealKey.manufacturer_id == manufacturer_id,
            SealKey.retired_at.is_(None),
            SealKey.compromised_at.is_(None),
        )
        .order_by(SealKey.id.desc())
    )


def active_certificate(session: Session, manufacturer_id: int) -> SigningCertificate | None:
    """Returns the manufacturer's certificate that signs new PDFs, if any."""
    return session.scalar(
        sa.select(SigningCertificate)
        .where(
            SigningCertificate.manufacturer_id == manufacturer_id,
            SigningCertificate.retired_at.is_(None),
        )
        .order_by(SigningCertificate.id.desc())
    )


def signing_material(
    session: Session,
    manufacturer: Organisation,
    master_key: bytes,
    profile: AuthorityProfile | None = None,
) -> SigningMaterial:
    """Returns the opened keys an issuance signs with, creating them on first use (and a
    new certificate in place of one from the Portal's authority of an older profile)."""
    seal_key = active_seal_key(session, manufacturer.id)
    cert_row = active_certificate(session, manufacturer.id)
    if seal_key is None or cert_row is None or _outdated(cert_row):
        # First letters issued at once: one of them makes the keys, the others wait for it and
        # use them (a row lock on PostgreSQL; SQLite has one writer anyway).
        session.execute(
            sa.select(Organisation.id).where(Organisation.id == manufacturer.id).with_for_update()
        )
        try:
            seal_key = active_seal_key(session, manufacturer.id) or new_seal_key(
                session, manufacturer, master_key
            )
            cert_row = active_certificate(session, manufacturer.id)
            if cert_row is None or _outdated(cert_row):
                cert_row = issue_portal_certificate(
                    session, manufacturer, master_key, profile=profile
                )
        except KeysUnavailable:
            raise keys_unavailable() from None  # said as an issuance's failure
    try:
        seal_private = _open_seal_key(seal_key, master_key)
        certificate, certificate_key = _open_certificate_key(cert_row, master_key)
    except MasterKeyError:
        raise keys_unavailable() from None
    chain = tuple(x509.load_pem_x509_certificates(cert_row.chain_pem)) if cert_row.chain_pem else ()
    crl = crl_for_certificate(session, cert_row, master_key)
    return SigningMaterial(seal_key, seal_private, certificate, certificate_key, chain, crl)


def _outdated(row: SigningCertificate) -> bool:
    """Whether the certificate is one of the Portal's made before certificates pointed to the
    authority's CRL (and named a purpose PDF readers accept)."""
    if row.source != "portal":
        return False
    cert = load_certificate_pem(row.certificate_pem)
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return True
    return False


def certificate_aad(manufacturer_id: int, certificate: x509.Certificate) -> bytes:
    """Returns what a certificate's sealed key is bound to: its manufacturer and serial."""
    return f"certificate:{manufacturer_id}:{certificate.serial_number}".encode()


def _open_seal_key(key: SealKey, master_key: bytes) -> Ed25519PrivateKey:
    return open_private_key(key.sealed_private_key, master_key, aad=key.kid.encode())


def _open_certificate_key(
    row: SigningCertificate, master_key: bytes
) -> tuple[x509.Certificate, CertificateKey]:
    certificate = load_certificate_pem(row.certificate_pem)
    aad = certificate_aad(row.manufacturer_id, certificate)
    return certificate, open_certificate_key(row.sealed_private_key, master_key, aad=aad)


def upload_certificate(
    session: Session,
    manufacturer: Organisation,
    uploaded: UploadedCertificate,
    *,
    master_key: bytes,
    actor: User,
) -> SigningCertificate:
    """Returns the manufacturer's own certificate, stored and active, with its EC or RSA key
    sealed; `uploaded` comes checked from `uploaded_certificates.read_upload`. Refused, with
    nothing changed, when the master key does not open the manufacturer's active keys."""
    check_master_key_opens_keys(session, manufacturer.id, master_key)
    cert, key, chain = uploaded.certificate, uploaded.key, uploaded.chain
    return _store_certificate(
        session, manufacturer, cert, key, chain, "uploaded", master_key, actor
    )
