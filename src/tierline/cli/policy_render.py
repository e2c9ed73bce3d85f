"""Human rendering of ``tierline policy explain``: who, how fast, why — and which lines decided."""

from __future__ import annotations

import sys
from datetime import timedelta

from rich import box
from rich.console import Console
from rich.table import Table

from tierline.domain.durations import format_duration
from tierline.domain.routing import MatrixAnswer
from tierline.domain.vocabulary import AccountValue, Channel
from tierline.policy import LoadedPolicy


def render_explain(
    loaded: LoadedPolicy,
    answer: MatrixAnswer,
    account_value: AccountValue,
    channel: Channel | None,
    situation: str | None,
    console: Console | None = None,
) -> None:
    out = console or Console(highlight=False, soft_wrap=True)
    utf = (out.encoding or "").lower().replace("-", "") in ("utf8", "utf16", "utf32")
    if not utf and console is None and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # labels from the file may not be ASCII
    policy = loaded.policy
    r = answer.route
    facts = r.explanation.facts
    out.print(f"[bold]Policy[/] {policy.name} ({policy.version}) from {loaded.filename}")
    context = [f"account {account_value.value}", f"channel {channel.value if channel else 'any'}"]
    if situation:
        context.append(f"situation {situation}")
    out.print(f"A {r.severity.value} '{facts['contact_type']}' contact ({', '.join(context)})")
    out.print()
    who = f"team {r.team}" if r.team else "no team"
    if r.tier:
        who += f" at tier {r.tier}"
    team = policy.teams.get(r.team) if r.team else None
    if team and team.label:
        who += f" - {team.label}"
    out.print(f"[bold]Who takes it:[/]  {who}")
    etype = r.escalation_type.value if r.escalation_type else "none (handled where it lands)"
    out.print(f"[bold]Escalation type:[/] {etype}")
    if r.regulatory_obligation:
        ob = policy.regulatory_obligations[r.regulatory_obligation]
        out.print(
            f"[bold]Regulatory obligation:[/] {ob.label} - {ob.deadline.describe()}, never paused"
        )
    out.print(f"[bold]Calendar:[/] {policy.calendar_for_team(r.team)}")
    out.print(f"[bold]Priority:[/] P{answer.priority} ({answer.priority_reason})")
    out.print()
    table = Table(title="Clocks", title_justify="left", box=box.HEAVY_HEAD if utf else box.ASCII)
    for column in ("clock", "target", "calendar", "from"):
        table.add_column(column)
    for c in answer.clocks:
        table.add_row(
            c.clock.value,
            f"{format_duration_seconds(c.seconds)} {c.basis.value}",
            c.calendar,
            c.source,
        )
    if answer.clocks:
        out.print(table)
    else:
        out.print("[bold]Clocks:[/] none (no targets for this severity at this tier)")
    _section(out, "Triggers that apply", answer.triggers, "none apply before the case moves")
    _section(out, "Why (the policy rows that decided)", r.reasons, "")
    _section(out, "Notes", answer.notes, "")


def format_duration_seconds(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def _section(out: Console, title: str, lines: tuple[str, ...], empty: str) -> None:
    if not lines and not empty:
        return
    out.print()
    out.print(f"[bold]{title}[/]")
    for line in lines or (empty,):
        out.print(f"  - {line}", markup=False)
