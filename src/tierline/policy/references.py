"""Cross-references: every team, calendar, role, tier, contact type, situation and obligation
named anywhere must be defined, and each problem points at the name that is wrong.

Names are checked against what the file *defines*, valid or not: a reference to a team that
exists but has problems of its own is not reported again as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from tierline.domain.policy import NOTIFY_RELATIONS
from tierline.domain.vocabulary import AccountValue, CaseStatus, Channel, Segment, Severity
from tierline.policy.checks import RESERVED_CALENDAR
from tierline.policy.errors import Path, ProblemList, one_of
from tierline.policy.fields import TargetSpec
from tierline.policy.schema import RouteTo
from tierline.policy.validate import Sections

_WHAT = {
    "calendars": "calendar",
    "teams": "team",
    "roles": "role",
    "tiers": "tier",
    "contact_types": "contact type",
    "situations": "situation",
    "regulatory_obligations": "regulatory obligation",
    "pause_statuses": "status",
}


class _Refs:
    def __init__(self, s: Sections, sink: ProblemList) -> None:
        self.s = s
        self.sink = sink

    def names(self, section: str) -> set[str] | None:
        known = self.s.known(section)
        if known is not None and section == "calendars":
            known = {*known, RESERVED_CALENDAR}
        return known

    def need(
        self,
        section: str,
        name: str | None,
        path: Path,
        extra: set[str] | None = None,
        at: str = "value",
    ) -> bool:
        """Report ``name`` at ``path`` unless ``section`` defines it; True when it is known."""
        known = self.names(section)
        if name is None or known is None:
            return True
        choices = known | (extra or set())
        if name in choices:
            return True
        self.sink.add(path, f"unknown {_WHAT[section]} '{name}'", one_of(choices, name), at=at)
        return False

    def need_all(self, section: str, names: list[str] | None, path: Path) -> None:
        for name in names or ():
            self.need(section, name, self.s.item_path(path, name))

    def route(self, route: RouteTo | None, path: Path) -> None:
        if route is None:
            return
        if route.tier is None and route.team is None:
            self.sink.add(
                path,
                "the target names neither a tier nor a team",
                "expected {tier: T2}, {team: finance} or both",
            )
            return
        tier_ok = self.need("tiers", route.tier, (*path, "tier"))
        team_ok = self.need("teams", route.team, (*path, "team"))
        team = (self.s.get("teams") or {}).get(route.team) if route.team else None
        if team_ok and team is not None and route.tier is None and team.tier is None:
            self.sink.add(
                (*path, "team"),
                f"team '{route.team}' sits at no tier, so cases sent here would run no SLA clocks",
                f"expected a tier on the team or here, e.g. {{team: {route.team}, tier: T2}}",
            )
        if (
            tier_ok
            and team_ok
            and team is not None
            and route.tier
            and team.tier not in (None, route.tier)
        ):
            self.sink.add(
                (*path, "tier"),
                f"team '{route.team}' sits at tier '{team.tier}', not '{route.tier}'",
                f"expected tier: {team.tier} or no tier",
            )

    def notify(self, names: list[str], path: Path) -> None:
        for i, name in enumerate(names):
            self.need("roles", name, (*path, i), extra=set(NOTIFY_RELATIONS))


def check_references(s: Sections, sink: ProblemList) -> None:
    r = _Refs(s, sink)
    default = s.get("default_calendar")
    if isinstance(default, str):
        r.need("calendars", default, ("default_calendar",))
    teams = s.get("teams") or {}
    for name, team in teams.items():
        r.need("tiers", team.tier, ("teams", name, "tier"))
        r.need("calendars", team.calendar, ("teams", name, "calendar"))
        r.need("roles", team.lead_role, ("teams", name, "lead_role"))
    if s.known("teams") is not None and len(teams) == len(s.known("teams") or ()):
        staffed = {t.tier for t in teams.values()}
        for i, tier in (s.get("tiers") or {}).items():
            if tier.id not in staffed:
                sink.add(
                    ("tiers", i, "id"),
                    f"no team sits at tier '{tier.id}'",
                    f"expected a team with tier: {tier.id}",
                )
    for name, ctype in (s.get("contact_types") or {}).items():
        r.need(
            "regulatory_obligations",
            ctype.regulatory_obligation,
            ("contact_types", name, "regulatory_obligation"),
        )
    for name, sit in (s.get("situations") or {}).items():
        r.route(sit.route_to, ("situations", name, "route_to"))
        r.need(
            "regulatory_obligations",
            sit.regulatory_obligation,
            ("situations", name, "regulatory_obligation"),
        )
    for i, row in (s.get("routing") or {}).items():
        r.route(row.route_to, ("routing", i, "route_to"))
        r.need_all("contact_types", row.contact_types, ("routing", i, "contact_types"))
        r.need_all("situations", row.situations, ("routing", i, "situations"))
    for sev, level in (s.get("severities") or {}).items():
        for tier in level.targets:
            r.need("tiers", tier, ("severities", sev, "targets", tier), at="key")
    for i, level in (s.get("escalation_levels") or {}).items():
        r.notify(level.notify, ("escalation_levels", i, "notify"))
    for i, rule in (s.get("triggers") or {}).items():
        r.route(rule.action.escalate_to, ("triggers", i, "action", "escalate_to"))
        r.notify(rule.action.notify, ("triggers", i, "action", "notify"))
        if rule.kind.value == "time_sensitive_category":
            r.need_all("contact_types", rule.values, ("triggers", i, "values"))
        for j, cond in enumerate(rule.when):
            _condition(r, cond, ("triggers", i, "when", j, "value"))
    for etype, rule in (s.get("escalation_types") or {}).items():
        r.route(rule.default_owner, ("escalation_types", etype, "default_owner"))
    communication = s.get("communication")
    if communication is not None:
        r.need(
            "contact_types",
            communication.inbound_contact_type,
            ("communication", "inbound_contact_type"),
        )
    ownership = s.get("ownership")
    if ownership is not None:
        r.need("roles", ownership.coordinator_role, ("ownership", "coordinator_role"))
        r.notify(ownership.vacuum_notify, ("ownership", "vacuum_notify"))
    for path, target in _targets(s):
        r.need("calendars", target.calendar, (*path, "calendar"))


_CONDITION_SECTIONS = {"contact_type": "contact_types", "tier": "tiers", "team": "teams"}
_CONDITION_ENUMS: dict[str, tuple[str, ...]] = {
    "severity": tuple(v.value for v in Severity),
    "channel": tuple(v.value for v in Channel),
    "account_value": tuple(v.value for v in AccountValue),
    "segment": tuple(v.value for v in Segment),
}
_NUMERIC = ("priority", "repeat_contacts", "affected_customers")


def _condition(r: _Refs, cond: Any, path: Path) -> None:
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    many = cond.op in ("in", "not_in")
    if many != isinstance(cond.value, list):
        given = "a list" if isinstance(cond.value, list) else "one value"
        r.sink.add(
            path,
            f"'{cond.op}' compares with {given}",
            "expected a list for in / not_in and one value otherwise",
        )
        return
    if cond.op in ("gt", "gte", "lt", "lte") and cond.field not in _NUMERIC:
        r.sink.add(
            (*path[:-1], "op"),
            f"'{cond.field}' is not a number, so '{cond.op}' cannot compare it",
            f"expected eq, ne, in or not_in (numbers: {', '.join(_NUMERIC)})",
        )
        return
    for k, value in enumerate(values):
        where = (*path, k) if many else path
        if cond.field in _NUMERIC and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            r.sink.add(where, f"'{value}' is not a number", f"expected a number for '{cond.field}'")
        elif cond.field == "status":
            r.need("pause_statuses", str(value), where, extra={c.value for c in CaseStatus})
        elif cond.field in _CONDITION_SECTIONS:
            r.need(_CONDITION_SECTIONS[cond.field], str(value), where)
        elif cond.field in _CONDITION_ENUMS and str(value) not in _CONDITION_ENUMS[cond.field]:
            r.sink.add(
                where,
                f"'{value}' is not a {cond.field.replace('_', ' ')}",
                one_of(_CONDITION_ENUMS[cond.field], str(value)),
            )


def _targets(s: Sections) -> Iterator[tuple[Path, TargetSpec]]:
    """Every validated clock target with its key path."""
    for key, value in s.values.items():
        if isinstance(value, dict):
            for name, entry in value.items():
                yield from _walk(entry, (key, name))
        else:
            yield from _walk(value, (key,))


def _walk(value: Any, path: Path) -> Iterator[tuple[Path, TargetSpec]]:
    if isinstance(value, TargetSpec):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*path, str(k)))
