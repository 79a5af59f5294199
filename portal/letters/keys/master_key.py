"""Changing the master key: every stored private key opened under the current master key and
sealed again under the new one, bound to the same owner, in the caller's transaction; and the
check that a master key opens every stored key."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.audit.record import record
from portal.errors import PortalError
from portal.letters.keys.keyring import certificate_aad
from portal.letters.keys.models import PortalAuthority, SealKey, SigningCertificate
from portal.revocations.models import AuthoritySealKey
from portal.revocations.service import authority_key_aad
from portal.signing import MasterKeyError, seal_private_key
from portal.signing.certificates import load_certificate_pem
from portal.signing.keys import SealableKey, open_sealed_key

# A refusal names this many keys and counts the rest: under a wrong master key none opens.
NAMED_IN_REFUSAL = 10


class KeysDoNotOpen(PortalError):
    """Some stored private keys do not open under the master key given."""


@dataclass(frozen=True)
class StoredKey:
    """One sealed private key in the database: its row, what it is bound to, and its name
    for the operator (kind, manufacturer's short code, kid or serial)."""

    row: PortalAuthority | AuthoritySealKey | SealKey | SigningCertificate
    kind: str  # "authority", "seal" or "certificate"
    name: str
    aad: bytes

    @property
    def sealed(self) -> bytes:
        if isinstance(self.row, PortalAuthority):
            return self.row.sealed_key
        return self.row.sealed_private_key

    def replace_sealed(self, blob: bytes) -> None:
        if isinstance(self.row, PortalAuthority):
            self.row.sealed_key = blob
        else:
            self.row.sealed_private_key = blob


@dataclass(frozen=True)
class KeyCounts:
    """How many stored private keys there are of each kind."""

    authority: int
    seal: int
    certificate: int

    @property
    def total(self) -> int:
        return self.authority + self.seal + self.certificate


def stored_keys(session: Session) -> list[StoredKey]:
    """Returns every sealed private key in the database: the Portal's authorities, then the
    manufacturers' seal keys and certificate keys, retired and compromised ones included."""
    keys = [
        StoredKey(row, "authority", f"the Portal's authority key (id {row.id})", b"authority")
        for row in session.scalars(sa.select(PortalAuthority).order_by(PortalAuthority.id))
    ]
    keys += [
        StoredKey(
            row,
            "authority",
            f"the authority's revocation-list key, kid {row.kid}",
            authority_key_aad(row.kid),
        )
        for row in session.scalars(sa.select(AuthoritySealKey).order_by(AuthoritySealKey.id))
    ]
    seals = session.execute(
        sa.select(SealKey, Organisation.short_code)
        .join(Organisation, SealKey.manufacturer_id == Organisation.id)
        .order_by(SealKey.id)
    )
    for seal, code in seals:
        name = f"seal key of {_manufacturer(code, seal.manufacturer_id)}, kid {seal.kid}"
        keys.append(StoredKey(seal, "seal", name, seal.kid.encode()))
    certificates = session.execute(
        sa.select(SigningCertificate, Organisation.short_code)
        .join(Organisation, SigningCertificate.manufacturer_id == Organisation.id)
        .order_by(SigningCertificate.id)
    )
    for row, code in certificates:
        certificate = load_certificate_pem(row.certificate_pem)
        name = (
            f"certificate key of {_manufacturer(code, row.manufacturer_id)}, "
            f"serial {certificate.serial_number}"
        )
        keys.append(
            StoredKey(row, "certificate", name, certificate_aad(row.manufacturer_id, certificate))
        )
    return keys


def check_master_key(session: Session, master_key: bytes) -> KeyCounts:
    """Returns the counts of stored private keys when the master key opens every one of
    them; raises KeysDoNotOpen naming those it does not open."""
    keys = stored_keys(session)
    _open_all(keys, master_key, consequence="")
    return _counts(keys)


def reseal_stored_keys(
    session: Session, current: bytes, new: bytes, *, actor: object = None
) -> KeyCounts:
    """Returns the counts of stored private keys, each now sealed under the new master key
    and bound to the same owner, with an audit entry. Every key is opened first: when any
    does not open under the current master key, KeysDoNotOpen names it and nothing changes."""
    if hmac.compare_digest(current, new):
        raise PortalError("The new master key is the one configured now; give another.")
    keys = stored_keys(session)
    opened = _open_all(keys, current, consequence=" Nothing was changed.")
    for key, private in zip(keys, opened, strict=True):
        key.replace_sealed(seal_private_key(private, new, aad=key.aad))
    session.flush()
    counts = _counts(keys)
    record(
        session,
        "master_key.rotated",
        actor=actor,
        authority_keys=counts.authority,
        seal_keys=counts.seal,
        certificate_keys=counts.certificate,
    )
    return counts


def _open_all(keys: list[StoredKey], master_key: bytes, *, consequence: str) -> list[SealableKey]:
    opened, failing = [], []
    for key in keys:
        try:
            opened.append(open_sealed_key(key.sealed, master_key, aad=key.aad))
        except MasterKeyError:
            failing.append(key)
    if failing:
        raise KeysDoNotOpen(_refusal(failing, len(keys)) + consequence)
    return opened


def _refusal(failing: list[StoredKey], total: int) -> str:
    named = "; ".join(key.name for key in failing[:NAMED_IN_REFUSAL])
    more = len(failing) - NAMED_IN_REFUSAL
    if more > 0:
        named += f"; and {more} more"
    verb = "does" if len(failing) == 1 else "do"
    return (
        f"{len(failing)} of {total} stored keys {verb} not open under the master key "
        f"(a wrong master key, or keys sealed under another one): {named}."
    )


def _counts(keys: Iterable[StoredKey]) -> KeyCounts:
    kinds = [key.kind for key in keys]
    return KeyCounts(kinds.count("authority"), kinds.count("seal"), kinds.count("certificate"))


def _manufacturer(short_code: str | None, manufacturer_id: int) -> str:
    return short_code or f"manufacturer id {manufacturer_id}"
