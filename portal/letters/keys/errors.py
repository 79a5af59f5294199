"""The errors an issuance or a key change gives when the keys cannot be used: the master key
cannot open them, or the timestamping service does not answer."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.errors import PortalError


class KeysUnavailable(PortalError):
    """The master key is missing or wrong, so no private key can be opened."""

    status_code = 503


def keys_unavailable(*, changing_keys: bool = False) -> KeysUnavailable:
    """Returns the error shown when the master key cannot open the signing keys, for an
    issuance or (`changing_keys`) for a rotation, renewal or upload."""
    if changing_keys:
        return KeysUnavailable(
            _(
                "The signing keys cannot be opened: the Portal's master key is "
                "missing or wrong. No key was changed; ask the operator to "
                "check PORTAL_MASTER_KEY."
            )
        )
    return KeysUnavailable(
        _(
            "The signing keys cannot be opened: the Portal's master key is "
            "missing or wrong. No letter was issued; ask the operator to "
            "check PORTAL_MASTER_KEY."
        )
    )


class TimestampUnavailable(PortalError):
    """The configured timestamping service gave no timestamp token."""

    status_code = 503


def timestamp_unavailable() -> TimestampUnavailable:
    """Returns the error shown when the timestamping service fails during an issuance."""
    return TimestampUnavailable(
        _(
            "The timestamping service did not answer, so the letter could not be signed. "
            "No letter was issued; try again in a few minutes, or ask the operator to check "
            "PORTAL_TSA_URL."
        )
    )
