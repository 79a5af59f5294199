"""The error an issuance or a key change gives when the master key cannot open the keys."""

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
