"""``tierline policy``: check, explain, compare policies and compute due dates.

Machine-readable output (problems, due instants, JSON) goes to stdout as plain lines, never
through Rich, so long lines are not wrapped and scripts can parse them. Problems with the policy
given to ``due``, ``explain`` and ``diff`` go to stderr, since stdout is their answer.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any, NoReturn

import typer

from tierline.cli.policy_render import render_explain
from tierline.domain.calendar import BusinessCalendar, CalendarBook, CalendarError
from tierline.domain.durations import DurationError, parse_duration
from tierline.domain.routing import RoutingError, explain
from tierline.domain.vocabulary import AccountValue, Channel, Severity
from tierline.policy import LoadedPolicy, PolicyError, calendar_book, load_policy
from tierline.policy.diff import diff_documents

policy_app = typer.Typer(
    help="Check, explain and compare escalation policies.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _load_or_exit(file: str) -> LoadedPolicy:
    try:
        return load_policy(file)
    except PolicyError as exc:
        for problem in exc.problems:
            typer.echo(problem.format(), err=True)
        raise typer.Exit(1) from None


# --------------------------------------------------------------------------- check


@policy_app.command("check")
def check(
    files: Annotated[
        list[str], typer.Argument(help="Policy files to validate.", metavar="FILE...")
    ],
) -> None:
    """Validate policy files; print every problem as FILE:LINE:COL: key.path: problem; expected."""
    invalid = problems = 0
    for file in files:
        try:
            loaded = load_policy(file)
        except PolicyError as exc:
            invalid += 1
            problems += len(exc.problems)
            for problem in exc.problems:
                typer.echo(problem.format())
            continue
        except Exception as exc:  # a bug in Tierline: report it as a problem, never a traceback
            invalid += 1
            problems += 1
            typer.echo(
                f"{file}:1:1: (internal): unexpected {type(exc).__name__}: {exc}; "
                "expected no internal error (please report this with the file)"
            )
            continue
        typer.echo(f"{file}: ok (version {loaded.version})")
    if invalid:
        plural = "s" if len(files) > 1 else ""
        typer.echo(
            f"{invalid} of {len(files)} file{plural} invalid, {problems} problem"
            f"{'s' if problems != 1 else ''}",
            err=True,
        )
        raise typer.Exit(1)


# --------------------------------------------------------------------------- due


def _instant(text: Any) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"start {text!r} is not text; expected an ISO 8601 instant with an offset")
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"'{text}' is not an ISO 8601 instant; expected e.g. 2026-03-27T17:30:00+01:00"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"'{text}' has no UTC offset; expected an offset such as 2026-03-27T17:30:00+01:00"
        )
    return at


def _due(book: CalendarBook, calendar: str, start: Any, duration: Any) -> str:
    cal = _calendar(book, calendar)
    at = _instant(start)
    span = parse_duration(duration)
    due = cal.add(at, span)
    return due.isoformat()


def _calendar(book: CalendarBook, name: str) -> BusinessCalendar:
    if name not in book:
        raise ValueError(
            f"unknown calendar '{name}'; expected one of: {', '.join([*book.names(), '24x7'])}"
        )
    return book.get(name)


_ERRORS = (ValueError, DurationError, CalendarError, OverflowError, KeyError)


@policy_app.command("due")
def due(
    file: Annotated[str, typer.Argument(help="Policy file whose calendars are used.")],
    calendar: Annotated[str, typer.Option("--calendar", help="Calendar name, or 24x7.")],
    start: Annotated[str | None, typer.Option(help="Start instant, ISO 8601 with offset.")] = None,
    duration: Annotated[str | None, typer.Option(help="Business time to add, e.g. 8h.")] = None,
    batch: Annotated[
        bool,
        typer.Option("--batch", help='Read JSON lines {"start": ..., "duration": ...} on stdin.'),
    ] = False,
) -> None:
    """Print when DURATION of open time has passed after START on a calendar of the policy."""
    book = calendar_book(_load_or_exit(file).policy)
    if not batch:
        if start is None or duration is None:
            raise typer.BadParameter("--start and --duration are required without --batch")
        try:
            typer.echo(_due(book, calendar, start, duration))
        except _ERRORS as exc:
            _fail(_message(exc))
        return
    try:
        _calendar(book, calendar)
    except ValueError as exc:
        _fail(str(exc))
    failed = False
    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError('not a JSON object; expected {"start": ..., "duration": ...}')
            when = item.get("start", start)
            span = item.get("duration", duration)
            if when is None or span is None:
                raise ValueError("'start' or 'duration' is missing; expected both")
            out.write(_due(book, str(item.get("calendar", calendar)), when, span) + "\n")
        except json.JSONDecodeError as exc:
            failed = True
            out.write(f"error: line {number}: not JSON ({exc.msg}); expected a JSON object\n")
        except _ERRORS as exc:
            failed = True
            out.write(f"error: line {number}: {_message(exc)}\n")
    out.flush()
    if failed:
        raise typer.Exit(1)


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


# --------------------------------------------------------------------------- explain


@policy_app.command("explain")
def explain_cmd(
    file: Annotated[str, typer.Argument(help="Policy file.")],
    contact_type: Annotated[str, typer.Option("--contact-type", help="Contact type id.")],
    severity: Annotated[
        Severity | None,
        typer.Option(
            "--severity", case_sensitive=False, help="Default: the contact type's severity."
        ),
    ] = None,
    account_value: Annotated[
        AccountValue, typer.Option("--account-value", case_sensitive=False)
    ] = AccountValue.STANDARD,
    situation: Annotated[str | None, typer.Option("--situation", help="Situation id.")] = None,
    channel: Annotated[Channel | None, typer.Option("--channel", case_sensitive=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Who takes a contact, how fast, and why (the routing matrix, R-POL-4)."""
    loaded = _load_or_exit(file)
    try:
        answer = explain(loaded.policy, contact_type, severity, channel, account_value, situation)
    except RoutingError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(answer.to_data(), indent=2, ensure_ascii=False))
        return
    render_explain(loaded, answer, account_value, channel, situation)


# --------------------------------------------------------------------------- diff


@policy_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="The policy before.")],
    new: Annotated[str, typer.Argument(help="The policy after.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """List what changed between two valid policies, by key path (old → new)."""
    a, b = _load_or_exit(old), _load_or_exit(new)
    changes = diff_documents(a.document, b.document)
    if as_json:
        data = {
            "old": {"file": old, "version": a.version},
            "new": {"file": new, "version": b.version},
            "changes": [c.to_data() for c in changes],
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{old} ({a.version}) → {new} ({b.version})")
    if not changes:
        typer.echo("no differences")
        return
    for change in changes:
        typer.echo(change.format())
    typer.echo(f"{len(changes)} change{'s' if len(changes) != 1 else ''}")
