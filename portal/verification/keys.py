"""The published keys as verification sees them: the manufacturers' letter keys and the
authority's revocation-list keys, as JWK Set records, looked up by key id."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from portal.letters.keys.models import SealKey
from portal.revocations.models import AuthoritySealKey
from portal.signing import KeyRecord, dump_keyset, kid_text
from portal.signing.keyset import PURPOSE_REVOCATIONS


def key_record(row: SealKey) -> KeyRecord:
    """Returns the published record of a seal key: public half, owner, window."""
    manufacturer = row.manufacturer
    return KeyRecord(
        kid=bytes.fromhex(row.kid),
        public_key=row.public_key,
        manufacturer=manufacturer.short_code or "",
        manufacturer_name=manufacturer.name_zh or manufacturer.name_en,
        valid_from=row.created_at,
        retired_at=row.retired_at,
        compromised_at=row.compromised_at,
    )


def authority_record(row: AuthoritySealKey) -> KeyRecord:
    """Returns the published record of an authority key that signs revocation lists."""
    return KeyRecord(
        kid=bytes.fromhex(row.kid),
        public_key=row.public_key,
        purpose=PURPOSE_REVOCATIONS,
        valid_from=row.created_at,
        retired_at=row.retired_at,
        compromised_at=row.compromised_at,
    )


def published_keyset(session: Session) -> dict[str, Any]:
    """Returns the JWK Set: every seal key ever used, compromised ones marked, and the
    authority's revocation-list keys."""
    rows = session.scalars(sa.select(SealKey).options(joinedload(SealKey.manufacturer)))
    authority = session.scalars(sa.select(AuthoritySealKey))
    return dump_keyset([*(key_record(row) for row in rows), *map(authority_record, authority)])


class RegisterKeys(Mapping[bytes, KeyRecord]):
    """The register's seal keys as a mapping by key id, read from the database on demand:
    a verification loads the one key its token names, not the whole set."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._found: dict[bytes, KeyRecord | None] = {}
        self._owners: dict[bytes, int] = {}

    def _lookup(self, kid: bytes) -> KeyRecord | None:
        if kid not in self._found:
            row = self._session.scalar(
                sa.select(SealKey)
                .options(joinedload(SealKey.manufacturer))
                .where(SealKey.kid == kid_text(kid))
            )
            self._found[kid] = None if row is None else key_record(row)
            if row is not None:
                self._owners[kid] = row.manufacturer_id
        return self._found[kid]

    def owner_of(self, kid: bytes) -> int | None:
        """Returns the id of the manufacturer whose key this is, if the register has it."""
        self._lookup(kid)
        return self._owners.get(kid)

    def __getitem__(self, kid: bytes) -> KeyRecord:
        record = self._lookup(kid) if isinstance(kid, bytes) and len(kid) == 8 else None
        if record is None:
            raise KeyError(kid)
        return record

    def __iter__(self) -> Iterator[bytes]:
        return iter(kid for kid, record in self._found.items() if record is not None)

    def __len__(self) -> int:
        return sum(record is not None for record in self._found.values())
