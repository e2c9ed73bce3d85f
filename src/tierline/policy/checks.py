"""Rules that need more than one value: each problem is reported at the key that must change.

Examples: a calendar either has opening hours or is always open; a regulatory escalation can
never pause; a follow-up window must close after it opens. Trigger and routing-order rules are in
``matrix_checks``, references between sections (a team's calendar must exist) in
``references``.
"""

from __future__ import annotations

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from tierline.domain.handoff import HANDOFF_FIELDS
from tierline.domain.policy import RESOLUTION_PARTS
from tierline.domain.vocabulary import (
    PAUSABLE_CLOCKS,
    CaseStatus,
    EscalationType,
    OwnershipModel,
    Severity,
)
from tierline.policy.errors import Path, ProblemList, one_of
from tierline.policy.fields import TargetSpec
from tierline.policy.holidays import region_problem
from tierline.policy.matrix_checks import check_routing_order, check_triggers
from tierline.policy.validate import Sections

RESERVED_CALENDAR = "24x7"


def run_checks(s: Sections, sink: ProblemList) -> None:
    _calendars(s, sink)
    _organisation(s, sink)
    _severities(s, sink)
    _pauses_and_levels(s, sink)
    check_triggers(s, sink)
    _types_and_obligations(s, sink)
    _communication(s, sink)
    check_routing_order(s, sink)


def _calendars(s: Sections, sink: ProblemList) -> None:
    for name, cal in (s.get("calendars") or {}).items():
        here: Path = ("calendars", name)
        if name == RESERVED_CALENDAR:
            sink.add(
                here,
                f"'{RESERVED_CALENDAR}' is built in (always open, UTC)",
                "expected another name; use '24x7' in targets without defining it",
                at="key",
            )
        if cal.always_open:
            for key in ("hours", "holidays", "special_hours"):
                if getattr(cal, key):
                    sink.add(
                        (*here, key),
                        f"an always-open calendar has no {key.replace('_', ' ')}",
                        "expected either always_open: true or opening hours, not both",
                        at="key",
                    )
        elif cal.hours is None:
            sink.add(
                (*here, "hours"),
                "the calendar has no opening hours",
                "expected hours such as {mon: ['09:00-17:00']} or always_open: true",
            )
        elif not any(cal.hours.values()):
            sink.add(
                (*here, "hours"),
                "the calendar is open on no day of the week",
                "expected opening hours on at least one day",
            )
        if cal.holidays is not None:
            found = region_problem(cal.holidays.country, cal.holidays.subdivision)
            if found is not None:
                key, wrong, expected = found
                sink.add((*here, "holidays", key), wrong, expected)
            both = set(cal.holidays.closed) & set(cal.holidays.open)
            for day in sorted(both):
                sink.add(
                    s.item_path((*here, "holidays", "open"), day),
                    f"{day} is both closed and open",
                    "expected it in one list only",
                )


def _organisation(s: Sections, sink: ProblemList) -> None:
    for section, example in (
        ("calendars", "emea_support"),
        ("teams", "frontline"),
        ("roles", "agent"),
        ("contact_types", "how_to"),
    ):
        if s.raw_at((section,)) == {}:
            sink.add(
                (section,),
                f"no {section.replace('_', ' ')} are defined",
                f"expected at least one, such as {example}",
            )
    tiers = s.get("tiers") or {}
    if isinstance(s.raw_at(("tiers",)), list) and not s.raw_at(("tiers",)):
        sink.add(("tiers",), "no tiers are defined", "expected at least one tier, such as T1")
    seen_ids: dict[str, int] = {}
    seen_levels: dict[int, str] = {}
    for i, tier in tiers.items():
        if tier.id in seen_ids:
            sink.add(
                ("tiers", i, "id"),
                f"tier '{tier.id}' is defined twice",
                f"expected unique ids (first at tiers[{seen_ids[tier.id]}])",
            )
        seen_ids.setdefault(tier.id, i)
        if tier.level in seen_levels:
            sink.add(
                ("tiers", i, "level"),
                f"level {tier.level} is already tier '{seen_levels[tier.level]}'",
                "expected one tier per level",
            )
        seen_levels.setdefault(tier.level, tier.id)
    for name, team in (s.get("teams") or {}).items():
        if team.tier is None and team.function is None:
            sink.add(
                ("teams", name, "tier"),
                f"team '{name}' has neither a tier nor a function",
                "expected 'tier: T1', 'function: finance' or both",
            )
    ranks: dict[int, str] = {}
    for name, role in (s.get("roles") or {}).items():
        if role.rank in ranks:
            sink.add(
                ("roles", name, "rank"),
                f"rank {role.rank} is already role '{ranks[role.rank]}'",
                "expected a distinct rank per role, so approvals have one lowest approver",
            )
        ranks.setdefault(role.rank, name)


def _severities(s: Sections, sink: ProblemList) -> None:
    levels = s.get("severities")
    if levels is None or s.known("severities") is None:
        return
    missing = [sev.value for sev in Severity if sev.value not in (s.known("severities") or set())]
    if missing:
        sink.add(
            ("severities",),
            f"{', '.join(missing)} not defined",
            "expected all four severities S1, S2, S3 and S4",
            at="key",
        )
    previous: tuple[str, int] | None = None
    for sev in Severity:
        level = levels.get(sev.value)
        if level is None:
            continue
        if previous and level.priority < previous[1]:
            sink.add(
                ("severities", sev.value, "priority"),
                f"{sev.value} has priority P{level.priority}, higher than {previous[0]} "
                f"(P{previous[1]})",
                "expected a less severe level to have the same or a lower priority",
            )
        previous = (sev.value, level.priority)
        for tier, targets in level.targets.items():
            first, done = targets.first_response, targets.resolution
            if first and done and first.time == done.time and first.duration > done.duration:
                sink.add(
                    ("severities", sev.value, "targets", tier, "first_response"),
                    "the first response target is longer than the resolution target",
                    "expected first response within the resolution target",
                )


def _pauses_and_levels(s: Sections, sink: ProblemList) -> None:
    lifecycle = {c.value for c in CaseStatus}
    for name, status in (s.get("pause_statuses") or {}).items():
        here: Path = ("pause_statuses", name)
        if name in lifecycle:
            sink.add(
                here,
                f"'{name}' is a lifecycle status every policy shares",
                "expected another name, such as waiting_on_customer",
                at="key",
            )
        if not status.pauses:
            sink.add((*here, "pauses"), "the status pauses no clock", "expected at least one clock")
        for clock in status.pauses:
            if clock not in PAUSABLE_CLOCKS:
                why = (
                    "regulatory deadlines never pause"
                    if clock.value == "regulatory"
                    else "a commitment to the customer never pauses"
                    if clock.value == "commitment"
                    else f"the {clock.value} clock cannot pause"
                )
                sink.add(
                    s.item_path((*here, "pauses"), clock.value),
                    f"{why}",
                    one_of(sorted(c.value for c in PAUSABLE_CLOCKS)),
                )
    stages: dict[tuple[str, tuple[str, ...]], int] = {}
    for i, level in (s.get("escalation_levels") or {}).items():
        key = (level.at, tuple(c.value for c in level.clocks))
        if key in stages:  # same stage, same clocks: two levels that should be one
            sink.add(
                ("escalation_levels", i, "at"),
                f"'{level.at}' for the same clocks is already escalation_levels[{stages[key]}]",
                "expected one level per stage and clocks",
            )
        stages.setdefault(key, i)
        if level.escalate and level.at == "warning":
            sink.add(
                ("escalation_levels", i, "escalate"),
                "a warning cannot escalate the case",
                "expected escalate only at 'breach' or later",
            )
        if not level.notify and not level.escalate:
            sink.add(
                ("escalation_levels", i, "notify"),
                "the level does nothing",
                "expected someone to notify or escalate: true",
            )


def _types_and_obligations(s: Sections, sink: ProblemList) -> None:
    regulatory = (s.get("escalation_types") or {}).get(EscalationType.REGULATORY.value)
    if regulatory is not None and regulatory.pausable:
        sink.add(
            ("escalation_types", "regulatory", "pausable"),
            "a regulatory escalation can never pause",
            "expected pausable: false (or leave it out)",
        )
    for name, ob in (s.get("regulatory_obligations") or {}).items():
        ack: TargetSpec | None = ob.acknowledge_within
        if ack and ack.time == ob.deadline.time and ack.duration > ob.deadline.duration:
            sink.add(
                ("regulatory_obligations", name, "acknowledge_within"),
                "the acknowledgement is due after the deadline",
                "expected acknowledge_within shorter than the deadline",
            )
    for name, sit in (s.get("situations") or {}).items():
        if sit.escalation_type is EscalationType.REGULATORY and not sit.regulatory_obligation:
            sink.add(
                ("situations", name, "regulatory_obligation"),
                "a regulatory situation names no obligation, so it has no deadline",
                "expected regulatory_obligation: <an id from regulatory_obligations>",
            )
    ownership = s.get("ownership")
    if (
        ownership is not None
        and ownership.model is OwnershipModel.HYBRID
        and not ownership.coordinator_role
    ):
        sink.add(
            ("ownership", "coordinator_role"),
            "the hybrid model needs a coordinator role",
            "expected coordinator_role: <the role that owns customer communication>",
        )


def _communication(s: Sections, sink: ProblemList) -> None:
    comm = s.get("communication")
    if comm is None:
        return
    for part in comm.resolution_parts:
        if part not in RESOLUTION_PARTS:
            sink.add(
                s.item_path(("communication", "resolution_parts"), part),
                f"'{part}' is not a resolution part",
                one_of(RESOLUTION_PARTS, part),
            )
    follow = comm.follow_up
    if follow.after >= follow.within:
        sink.add(
            ("communication", "follow_up", "within"),
            "the follow-up window closes before it opens",
            "expected 'within' later than 'after' (e.g. after: 48h, within: 72h)",
        )
    env = SandboxedEnvironment()
    for kind, texts in comm.templates.items():
        for lang, text in texts.items():
            try:
                env.parse(text)
            except TemplateSyntaxError as exc:
                sink.add(
                    ("communication", "templates", kind, lang),
                    f"template line {exc.lineno}: {exc.message or 'syntax error'}",
                    "expected a valid Jinja2 template",
                )
            except RecursionError:
                sink.add(
                    ("communication", "templates", kind, lang),
                    "the template nests too deeply to read",
                    "expected a valid Jinja2 template",
                )
    handoff = s.get("handoff")
    if handoff is not None and not handoff.required:
        sink.add(
            ("handoff", "required"),
            "no handoff field is required",
            "expected at least issue_summary and reason (R-HAND-1)",
        )
    for name in handoff.required if handoff is not None else ():
        if name not in HANDOFF_FIELDS:
            sink.add(
                s.item_path(("handoff", "required"), name),
                f"'{name}' is not a handoff field",
                one_of(HANDOFF_FIELDS, name),
            )
