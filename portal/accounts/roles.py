"""Organisation kinds and roles, and which roles each kind of organisation may hold."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class OrgKind(enum.StrEnum):
    OPERATOR = "operator"
    MANUFACTURER = "manufacturer"
    EXPORTER = "exporter"


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    MANUFACTURER_ADMIN = "manufacturer_admin"
    MANUFACTURER_ISSUER = "manufacturer_issuer"
    MANUFACTURER_VIEWER = "manufacturer_viewer"
    EXPORTER_ADMIN = "exporter_admin"
    EXPORTER_USER = "exporter_user"


ROLES_OF_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.OPERATOR: (Role.PLATFORM_ADMIN,),
    OrgKind.MANUFACTURER: (
        Role.MANUFACTURER_ADMIN,
        Role.MANUFACTURER_ISSUER,
        Role.MANUFACTURER_VIEWER,
    ),
    OrgKind.EXPORTER: (Role.EXPORTER_ADMIN, Role.EXPORTER_USER),
}

ADMIN_ROLE_OF_KIND = {kind: roles[0] for kind, roles in ROLES_OF_KIND.items()}

MANUFACTURER_ROLES = ROLES_OF_KIND[OrgKind.MANUFACTURER]
MANUFACTURER_EDITORS = (Role.MANUFACTURER_ADMIN, Role.MANUFACTURER_ISSUER)
EXPORTER_ROLES = ROLES_OF_KIND[OrgKind.EXPORTER]
ORG_ADMINS = (Role.MANUFACTURER_ADMIN, Role.EXPORTER_ADMIN)
ALL_ROLES = tuple(Role)

ROLE_LABELS = {
    Role.PLATFORM_ADMIN: _l("Platform administrator"),
    Role.MANUFACTURER_ADMIN: _l("Manufacturer administrator"),
    Role.MANUFACTURER_ISSUER: _l("Letter issuer"),
    Role.MANUFACTURER_VIEWER: _l("Viewer"),
    Role.EXPORTER_ADMIN: _l("Exporter administrator"),
    Role.EXPORTER_USER: _l("Exporter user"),
}

KIND_LABELS = {
    OrgKind.OPERATOR: _l("Platform operator"),
    OrgKind.MANUFACTURER: _l("Manufacturer"),
    OrgKind.EXPORTER: _l("Exporter"),
}

# Those who seal letters, change keys or manage other users sign in with a second factor.
TWO_FACTOR_ROLES = (Role.PLATFORM_ADMIN, Role.MANUFACTURER_ADMIN, Role.MANUFACTURER_ISSUER)
