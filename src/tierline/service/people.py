"""People, their tokens, and choosing who in a team takes a case (R-ROUTE-1, R-AUTH-4).

Tokens are random and shown once; only their SHA-256 is stored, so a leaked database does not
leak working credentials.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tierline.domain.policy import PERMISSIONS, Policy
from tierline.service.actors import Actor, actor_from_person
from tierline.service.errors import Conflict, Invalid, Unauthorized
from tierline.service.runtime import Tierline
from tierline.store.uow import UnitOfWork

_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "tl_" + secrets.token_urlsafe(24)


def handle_for(name: str) -> str:
    handle = re.sub(r"[^a-z0-9._-]+", ".", name.strip().lower()).strip(".-_")
    return handle or "user"


def add_person(
    rt: Tierline,
    *,
    name: str,
    role: str,
    team: str | None,
    email: str | None = None,
    handle: str | None = None,
    skills: Sequence[str] = (),
    scopes: Sequence[str] = (),
    token: str | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], str]:
    """Create a person with a fresh API token; returns (person, token). The token is shown once."""
    policy = rt.active().policy
    if role not in policy.roles and role != "admin":
        raise Invalid(f"unknown role '{role}'; expected one of: {', '.join(sorted(policy.roles))}")
    if team is not None and team not in policy.teams:
        raise Invalid(f"unknown team '{team}'; expected one of: {', '.join(sorted(policy.teams))}")
    bad = [s for s in scopes if s not in PERMISSIONS]
    if bad:
        raise Invalid(f"unknown scopes {bad}; expected some of: {', '.join(sorted(PERMISSIONS))}")
    handle = handle or handle_for(name)
    if not _HANDLE.match(handle):
        raise Invalid(f"handle '{handle}' is not valid; expected lower-case letters, digits, . _ -")
    token = token or new_token()
    when = now or rt.now()
    with rt.uow() as uow:
        if uow.people.by_handle(handle) is not None:
            raise Conflict(f"a person with handle '{handle}' already exists")
        uow.people.add(
            {
                "handle": handle,
                "name": name,
                "email": email,
                "role": role,
                "team": team,
                "skills": list(skills),
                "token_hash": hash_token(token),
                "scopes": list(scopes),
                "active": True,
                "created_at": when,
            }
        )
        person = uow.people.by_handle(handle)
        uow.commit()
    assert person is not None
    return person, token


def authenticate(rt: Tierline, token: str | None) -> Actor:
    if not token:
        raise Unauthorized("missing bearer token; expected 'Authorization: Bearer <token>'")
    with rt.uow(readonly=True) as uow:
        person = uow.people.by_token_hash(hash_token(token))
    if person is None:
        raise Unauthorized("unknown or revoked token")
    return actor_from_person(person, rt.active().policy)


def pick_person(
    uow: UnitOfWork, team: str, skills: Sequence[str], policy: Policy | None = None
) -> str | None:
    """The active member of ``team`` who works cases (not its lead), has the skills, and
    carries the least open load (R-ROUTE-1)."""
    members = [p for p in uow.people.in_team(team) if p["active"]]
    if skills:
        skilled = [p for p in members if set(skills) <= set(p.get("skills") or [])]
        members = skilled or members
    lead = policy.teams[team].lead_role if policy and team in policy.teams else None

    def works_cases(p: dict[str, Any]) -> bool:
        role = policy.roles.get(p["role"]) if policy else None
        may = role is None or "case.accept" in role.permissions
        return may and p["role"] != lead and p["role"] not in ("admin", "director")

    members = [p for p in members if works_cases(p)] or members
    if not members:
        return None
    load = uow.cases.open_load([p["handle"] for p in members])
    members.sort(key=lambda p: (load.get(p["handle"], 0), p["handle"]))
    return str(members[0]["handle"])
