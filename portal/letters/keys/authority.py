"""The Portal's own certificate authority, which certifies manufacturers' PDF-signing
certificates, and the roots a letter's PDF signature may chain to."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from portal.letters.keys.errors import keys_unavailable
from portal.letters.keys.models import PortalAuthority, SigningCertificate
from portal.signing import MasterKeyError
from portal.signing.certificates import (
    certificate_pem,
    create_certificate_authority,
    load_certificate_pem,
    seal_ec_key,
)

AUTHORITY_NAME = "Portal Letter Signing Authority"


def ensure_authority(session: Session, master_key: bytes) -> PortalAuthority:
    """Returns the Portal's certificate authority, creating it on first use."""
    authority = session.scalar(sa.select(PortalAuthority).order_by(PortalAuthority.id.desc()))
    if authority is not None:
        return authority
    key, cert = create_certificate_authority(AUTHORITY_NAME)
    try:
        sealed = seal_ec_key(key, master_key, aad=b"authority")
    except MasterKeyError:
        raise keys_unavailable() from None
    authority = PortalAuthority(certificate_pem=certificate_pem(cert), sealed_key=sealed)
    session.add(authority)
    session.flush()
    return authority


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
