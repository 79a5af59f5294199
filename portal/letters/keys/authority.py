"""The Portal's own certificate authority, which certifies manufacturers' PDF-signing
certificates; the roots a letter's PDF signature may chain to; and the authority's CRL.

The root is made once (at `flask init`, or at the first issuance) and kept in the database,
so it is the same across restarts and workers. Its name carries the operator's organisation
and country from the configuration as they were then; a root made before roots named their
operator is replaced by a new one for new certificates, and still verifies what it signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.record import record
from portal.db import utcnow
from portal.letters.keys.errors import keys_unavailable
from portal.letters.keys.models import PortalAuthority, SigningCertificate
from portal.signing import MasterKeyError
from portal.signing.certificates import (
    RevokedCertificate,
    authority_key_id,
    authority_name,
    build_crl,
    certificate_pem,
    create_certificate_authority,
    load_certificate_pem,
    open_ec_key,
    seal_ec_key,
    subject_key_id,
)

AUTHORITY_NAME = "Portal Letter Signing Authority"
# Where the root and its CRL are published, below the Portal's public address.
ROOT_PATH = "/.well-known/portal-ca.pem"
CRL_PATH = "/.well-known/portal-ca.crl"


@dataclass(frozen=True)
class AuthorityProfile:
    """What the authority's certificates say: the operator's organisation and country (for
    a new root), and the public address its CRL is published under."""

    organisation: str = "After-Sales Service Confirmation Portal"
    country: str = "CN"
    public_base_url: str = "http://127.0.0.1:5000"

    @property
    def crl_url(self) -> str:
        return self.public_base_url.rstrip("/") + CRL_PATH


def ensure_authority(
    session: Session, master_key: bytes, profile: AuthorityProfile | None = None
) -> PortalAuthority:
    """Returns the Portal's current certificate authority, creating it on first use (or
    when the current one predates roots that name their operator)."""
    authority = current_authority(session)
    if authority is not None and _names_operator(load_certificate_pem(authority.certificate_pem)):
        return authority
    profile = profile or AuthorityProfile()
    name = authority_name(AUTHORITY_NAME, profile.organisation, profile.country)
    key, cert = create_certificate_authority(name)
    try:
        sealed = seal_ec_key(key, master_key, aad=b"authority")
    except MasterKeyError:
        raise keys_unavailable() from None
    authority = PortalAuthority(certificate_pem=certificate_pem(cert), sealed_key=sealed)
    session.add(authority)
    session.flush()
    return authority


def current_authority(session: Session) -> PortalAuthority | None:
    """Returns the authority that certifies new certificates, if there is one yet."""
    return session.scalar(sa.select(PortalAuthority).order_by(PortalAuthority.id.desc()))


def _names_operator(cert: x509.Certificate) -> bool:
    subject = cert.subject
    return bool(
        subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        and subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    )


def authority_crl(
    session: Session, authority: PortalAuthority, master_key: bytes, *, now: datetime
) -> x509.CertificateRevocationList:
    """Returns a fresh CRL of the authority, listing every certificate it issued that was
    revoked; raises KeysUnavailable when the master key does not open its key."""
    ca_cert = load_certificate_pem(authority.certificate_pem)
    try:
        ca_key = open_ec_key(authority.sealed_key, master_key, aad=b"authority")
    except MasterKeyError:
        raise keys_unavailable() from None
    return build_crl(ca_key, ca_cert, revoked_by(session, ca_cert), now=now)


def revoked_by(session: Session, ca_cert: x509.Certificate) -> list[RevokedCertificate]:
    """Returns the revoked certificates the authority of ``ca_cert`` issued."""
    ca_key_id = subject_key_id(ca_cert)
    rows = session.scalars(
        sa.select(SigningCertificate)
        .where(SigningCertificate.source == "portal", SigningCertificate.revoked_at.is_not(None))
        .order_by(SigningCertificate.id)
    )
    revoked = []
    for row in rows:
        cert = load_certificate_pem(row.certificate_pem)
        if cert.issuer != ca_cert.subject or authority_key_id(cert) != ca_key_id:
            continue
        assert row.revoked_at is not None  # selected so
        revoked.append(RevokedCertificate(cert.serial_number, row.revoked_at, row.invalid_since))
    return revoked


def trust_roots(session: Session) -> list[x509.Certificate]:
    """Returns the certificates a PDF signature may chain to: the Portal's authorities and
    the self-signed roots among the certificates and chains manufacturers uploaded."""
    roots = [
        load_certificate_pem(row.certificate_pem)
        for row in session.scalars(sa.select(PortalAuthority))
    ]
    uploaded = session.execute(
        sa.select(SigningCertificate.certificate_pem, SigningCertificate.chain_pem).where(
            SigningCertificate.source == "uploaded"
        )
    )
    for certificate, chain in uploaded:
        for cert in x509.load_pem_x509_certificates(certificate + b"\n" + chain):
            if cert.issuer == cert.subject:
                roots.append(cert)
    return roots


def revoke_certificates_in_use(
    session: Session, manufacturer_id: int, *, since: datetime, actor: User | None = None
) -> list[SigningCertificate]:
    """Returns the manufacturer's certificates from the Portal's authority that were in use
    at or after ``since``, now revoked for key compromise (their keys are kept beside the
    seal keys, under the same master key) and retired: the next letter gets a new one."""
    now = utcnow()
    rows = list(
        session.scalars(
            sa.select(SigningCertificate).where(
                SigningCertificate.manufacturer_id == manufacturer_id,
                SigningCertificate.source == "portal",
                SigningCertificate.revoked_at.is_(None),
                sa.or_(
                    SigningCertificate.retired_at.is_(None), SigningCertificate.retired_at > since
                ),
            )
        )
    )
    for row in rows:
        row.revoked_at = now
        row.invalid_since = since
        row.retired_at = row.retired_at or now
        record(
            session,
            "certificate.revoked",
            actor=actor,
            organisation_id=manufacturer_id,
            obj=row,
            serial=str(load_certificate_pem(row.certificate_pem).serial_number),
            reason="keyCompromise",
            since=since.isoformat(),
        )
    session.flush()
    return rows


def crl_for_certificate(
    session: Session, row: SigningCertificate, master_key: bytes
) -> bytes | None:
    """Returns the current CRL (DER) of the Portal's authority for one of its certificates,
    to embed beside the signature; None for an uploaded certificate."""
    if row.source != "portal":
        return None
    authority = current_authority(session)
    if authority is None:
        return None
    crl = authority_crl(session, authority, master_key, now=utcnow())
    return crl.public_bytes(serialization.Encoding.DER)
