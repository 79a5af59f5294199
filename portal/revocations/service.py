"""Publishing the revocation list: made again in the transaction of every revocation and
supersession, and whenever the newest list is a day old, so that it never goes past its
next update while the Portal serves it.

The list names letters by the digest of their token (:func:`portal_verify.token_digest`),
never by VIN or number: it is public, and only whoever holds a letter can find it there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from portal_verify.revocations import encode_revocation_payload, sign_revocation_list
from sqlalchemy.orm import Session, aliased

from portal.letters.keys.errors import keys_unavailable
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.revocations.models import AuthoritySealKey, SignedRevocationList
from portal.signing import (
    MasterKeyError,
    decode_token,
    generate_signing_key,
    kid_for,
    kid_text,
    open_private_key,
    public_key_bytes,
    seal_private_key,
)
from portal.signing.payload import token_digest

# A list promises its successor within a day; it is remade an hour before that promise.
NEXT_UPDATE = timedelta(hours=24)
REFRESH_AFTER = timedelta(hours=23)


def authority_key_aad(kid: str) -> bytes:
    """Returns the associated data binding a sealed authority key to its row."""
    return b"authority-seal:" + kid.encode("ascii")


def signing_key(
    session: Session, master_key: bytes, *, now: datetime
) -> tuple[AuthoritySealKey, Ed25519PrivateKey]:
    """Returns the authority's current list-signing key, opened; made on first use, dated
    ``now`` (so the list it signs first is not older than its key)."""
    row = session.scalar(
        sa.select(AuthoritySealKey)
        .where(AuthoritySealKey.retired_at.is_(None), AuthoritySealKey.compromised_at.is_(None))
        .order_by(AuthoritySealKey.id.desc())
    )
    try:
        if row is None:
            key = generate_signing_key()
            kid = kid_text(kid_for(key.public_key()))
            row = AuthoritySealKey(
                kid=kid,
                public_key=public_key_bytes(key.public_key()),
                sealed_private_key=seal_private_key(key, master_key, aad=authority_key_aad(kid)),
                created_at=now,
            )
            session.add(row)
            session.flush()
            return row, key
        return row, open_private_key(
            row.sealed_private_key, master_key, aad=authority_key_aad(row.kid)
        )
    except MasterKeyError:
        raise keys_unavailable() from None


def publish_revocation_list(
    session: Session, master_key: bytes, *, now: datetime
) -> SignedRevocationList:
    """Returns a new revocation list of every revoked and superseded letter, signed and
    added to the session (in the caller's transaction)."""
    now = now.replace(microsecond=0)
    row, key = signing_key(session, master_key, now=now)
    revoked = [
        (token_digest(decode_token(token)), at)
        for token, at in session.execute(
            sa.select(Letter.token, Letter.revoked_at).where(Letter.status == LetterStatus.REVOKED)
        )
    ]
    successor = aliased(Letter)
    superseded = [
        (token_digest(decode_token(token)), at)
        for token, at in session.execute(
            sa.select(Letter.token, successor.issued_at)
            .join(successor, Letter.superseded_by_id == successor.id)
            .where(Letter.status == LetterStatus.SUPERSEDED)
        )
    ]
    payload = encode_revocation_payload(
        issued_at=now,
        next_update=now + NEXT_UPDATE,
        revoked=((digest, at or now) for digest, at in revoked),
        superseded=superseded,
    )
    listing = SignedRevocationList(
        issued_at=now,
        next_update=now + NEXT_UPDATE,
        kid=row.kid,
        revoked_count=len(revoked),
        superseded_count=len(superseded),
        signed=sign_revocation_list(payload, key, bytes.fromhex(row.kid)),
    )
    session.add(listing)
    session.flush()
    return listing


def current_revocation_list(
    session: Session, master_key: bytes, *, now: datetime
) -> SignedRevocationList:
    """Returns the newest revocation list, first made anew if there is none or it is
    nearly a day old."""
    newest = session.scalar(
        sa.select(SignedRevocationList).order_by(SignedRevocationList.id.desc()).limit(1)
    )
    if newest is not None and now - newest.issued_at < REFRESH_AFTER:
        return newest
    return publish_revocation_list(session, master_key, now=now)
