"""Who is acting: a person with a role and team, or the system itself (worker, triggers)."""

from __future__ import annotations

from dataclasses import dataclass

from tierline.domain.policy import PERMISSIONS, Policy
from tierline.service.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    handle: str
    name: str
    role: str
    team: str | None
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str, doing: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(
                f"role '{self.role}' may not {doing}; it needs the permission '{permission}'"
            )

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Actor("system", "Tierline", "system", None, PERMISSIONS)


def actor_from_person(person: dict[str, object], policy: Policy) -> Actor:
    """Permissions come from the active policy's role, narrowed by the token's scopes if any."""
    role_id = str(person["role"])
    role = policy.roles.get(role_id)
    perms = set(role.permissions) if role else set()
    scopes = person.get("scopes") or []
    if isinstance(scopes, list | tuple) and scopes:
        perms &= {str(s) for s in scopes}
    return Actor(
        handle=str(person["handle"]),
        name=str(person["name"]),
        role=role_id,
        team=person.get("team"),  # type: ignore[arg-type]
        permissions=frozenset(perms),
    )
