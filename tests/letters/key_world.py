"""Every kind of stored private key, for the master key tests: the Portal's authority, seal
keys active and retired, certificates from the authority and uploaded (RSA), of two
manufacturers; and the sealed bytes of them all, read straight from the database."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.accounts.roles import OrgKind
from portal.letters.keys.keyring import new_seal_key, signing_material, upload_certificate
from portal.letters.keys.models import PortalAuthority, SealKey, SigningCertificate
from portal.letters.keys.uploaded_certificates import UploadedCertificate
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.signing import MasterKeyError, parse_master_key
from portal.signing.certificates import load_certificate_pem
from portal.signing.keys import open_sealed_key
from tests.letters import ca_files


@dataclass(frozen=True)
class KeyWorld:
    """Letters issued under the configured master key, and the second manufacturer."""

    letters: tuple[Letter, ...]
    other_manufacturer: Organisation


def make_key_world(issuing, session: Session) -> KeyWorld:
    """Returns letters sealed by a retired and by an active key, with 1 authority key,
    3 seal keys and 3 certificate keys stored under the configured master key."""
    master_key = parse_master_key(issuing.app.config["MASTER_KEY"])
    first = issue_letter(session, issuing.order(), issuing.context())
    new_seal_key(session, issuing.manufacturer, master_key, actor=issuing.issuer)
    second = issue_letter(session, issuing.order(), issuing.context())
    ca = ca_files.commercial_ca()
    upload_certificate(
        session,
        issuing.manufacturer,
        UploadedCertificate(ca.certificate, ca.key, (ca.root,)),
        master_key=master_key,
        actor=issuing.issuer,
    )
    other = issuing.make.organisation(OrgKind.MANUFACTURER)
    signing_material(session, other, master_key)
    session.flush()
    return KeyWorld((first, second), other)


def sealed_keys(session: Session) -> list[tuple[bytes, bytes]]:
    """Returns the sealed bytes of every stored private key with what it is bound to."""
    authority = [
        (blob, b"authority")
        for blob in session.scalars(
            sa.select(PortalAuthority.sealed_key).order_by(PortalAuthority.id)
        )
    ]
    seals = [
        (blob, kid.encode())
        for blob, kid in session.execute(
            sa.select(SealKey.sealed_private_key, SealKey.kid).order_by(SealKey.id)
        )
    ]
    certificates = [
        (blob, f"certificate:{owner}:{load_certificate_pem(pem).serial_number}".encode())
        for blob, owner, pem in session.execute(
            sa.select(
                SigningCertificate.sealed_private_key,
                SigningCertificate.manufacturer_id,
                SigningCertificate.certificate_pem,
            ).order_by(SigningCertificate.id)
        )
    ]
    return authority + seals + certificates


def opening(session: Session, master_key: bytes) -> list[bool]:
    """Returns, for every stored private key, whether the master key opens it."""
    return [_opens(blob, aad, master_key) for blob, aad in sealed_keys(session)]


def _opens(blob: bytes, aad: bytes, master_key: bytes) -> bool:
    try:
        open_sealed_key(blob, master_key, aad=aad)
    except MasterKeyError:
        return False
    return True
