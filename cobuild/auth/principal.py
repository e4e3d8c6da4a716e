"""The authenticated principal: a role and the areas, unit and key it acts for.

=========== ======================================================== ===== =============
role        scope                                                    write personal data
=========== ======================================================== ===== =============
admin       everything                                               yes   yes
district    its area subtree (区委组织部)                              yes   yes
street      its area subtree (街道党工委)                              yes   yes
community   its community and its compounds                          yes   yes
unit        its own unit and its party organisation                  yes   no
analyst     reads everything                                         no    no
partner     batch upsert and reads within its granted areas          yes   no
anonymous   reads public data                                        no    no
=========== ======================================================== ===== =============

Scope checks are compiled into the statements (issue #4, §2) by :mod:`cobuild.auth.access`: a
record is in scope when one of ``area_ids`` lies on its ``areaPath``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "district", "street", "community", "unit", "analyst", "partner", "anonymous"]
ROLES: tuple[str, ...] = ("admin", "district", "street", "community", "unit", "analyst", "partner", "anonymous")
AREA_ROLES = frozenset({"district", "street", "community", "partner"})  # need ≥ 1 area
UNIT_ROLES = frozenset({"unit"})  # need a unit id
UNRESTRICTED_READ = frozenset({"admin", "analyst"})
WRITERS = frozenset({"admin", "district", "street", "community", "unit", "partner"})
PERSONAL_DATA = frozenset({"admin", "district", "street", "community"})
AuthMethod = Literal["api_key", "jwt", "anonymous"]


class PrincipalError(ValueError):
    """A role/area/unit combination that cannot form a principal (message says what to pass)."""


@dataclass(frozen=True)
class Principal:
    role: str
    area_ids: tuple[str, ...] = ()
    unit_id: str | None = None
    key_id: str | None = None  # API key id (never the secret)
    subject: str | None = None  # JWT ``sub`` or the key's name
    method: AuthMethod = "anonymous"

    def __post_init__(self) -> None:
        validate_grant(self.role, self.area_ids, self.unit_id)

    @property
    def is_anonymous(self) -> bool:
        return self.role == "anonymous"

    @property
    def can_write(self) -> bool:
        """May run mutations at all; whether a given write is in scope is checked per write."""
        return self.role in WRITERS

    @property
    def sees_personal_data(self) -> bool:
        """Names and contact fields of persons unmasked (within scope)."""
        return self.role in PERSONAL_DATA

    @property
    def reads_everything(self) -> bool:
        return self.role in UNRESTRICTED_READ

    @property
    def rate_key(self) -> str | None:
        """The token bucket this principal draws from; ``None`` for anonymous (bucket per IP)."""
        if self.key_id:
            return f"key:{self.key_id}"
        if self.method == "jwt" and self.subject:
            return f"jwt:{self.subject}"
        return None

    def log_fields(self) -> dict[str, str]:
        """What the access log may say about the principal (no names, no secrets)."""
        out = {"role": self.role, "auth": self.method}
        if self.key_id:
            out["keyId"] = self.key_id
        return out


def validate_grant(role: str, area_ids: tuple[str, ...] | list[str], unit_id: str | None) -> None:
    from cobuild.graph import model

    if role not in ROLES:
        raise PrincipalError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role in AREA_ROLES and not area_ids:
        raise PrincipalError(f"role {role!r} needs at least one area id (e.g. --area area:…)")
    if role in UNIT_ROLES and not unit_id:
        raise PrincipalError(f"role {role!r} needs a unit id (--unit unit:…)")
    for a in area_ids:
        lab = model.label_of_id(a)
        if lab is None or lab.name != "AdminArea":
            raise PrincipalError(f"{a!r} is not an AdminArea id (they start with 'area:')")
    if unit_id is not None:
        lab = model.label_of_id(unit_id)
        if lab is None or lab.name != "Unit":
            raise PrincipalError(f"{unit_id!r} is not a Unit id (they start with 'unit:')")


ANONYMOUS = Principal("anonymous")
