"""``tierline mail ingest``: record inbound e-mail from files, stdin or a Maildir (R-CASE-4).

One line per message (``FILE: ACTION case N (why)`` or ``FILE: rejected: why``) on stdout, a
summary at the end, a progress bar on the terminal for many messages. Exit status: 0 when every
message was taken, 1 when one was rejected (a mail system bounces it), 75 (EX_TEMPFAIL) when one
could not be recorded now, e.g. the database is down (a mail system keeps it and retries). So it
works as a delivery command, e.g. in Postfix ``aliases``: ``support: "|tierline mail ingest"``.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from tierline.bootstrap import build
from tierline.cli.ops_cmd import _fail, _require_initialised, _settings
from tierline.mail import maildir as md
from tierline.mail.ingest import REJECTED, IngestResult, ingest
from tierline.service.errors import ServiceError
from tierline.service.runtime import Tierline

mail_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Inbound e-mail.")

#: Below this many messages a progress bar is noise.
PROGRESS_FROM = 20
#: sysexits.h EX_TEMPFAIL: a mail system (Postfix, procmail) keeps the message and tries again.
TEMPFAIL = 75


class _Item:
    """One message to ingest: where it came from, how to read it, what to do afterwards."""

    def __init__(
        self,
        label: str,
        read: Callable[[], bytes],
        done: Callable[[IngestResult], None] | None = None,
    ) -> None:
        self.label, self.read, self.done = label, read, done


def _maildir_items(root: Path) -> list[_Item]:
    def done(path: Path) -> Callable[[IngestResult], None]:
        def move(result: IngestResult) -> None:
            if result.action == REJECTED:
                md.move_aside(root, path)
            else:
                md.mark_seen(root, path)

        return move

    try:
        return [_Item(p.name, p.read_bytes, done(p)) for p in md.waiting(root)]
    except md.NotAMaildir as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _describe(result: IngestResult) -> str:
    if result.action == REJECTED:
        return f"rejected: {result.reason}"
    case = f" case {result.case_id}" if result.case_id is not None else ""
    return f"{result.action}{case} ({result.reason})" if result.reason else result.action + case


@mail_app.command("ingest")
def ingest_cmd(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="RFC 822 message files; '-' (or nothing) reads one from stdin"),
    ] = None,
    maildir: Annotated[
        Path | None,
        typer.Option(
            "--maildir",
            help="Also take every message in DIR/new; recorded ones move to cur/ (seen), "
            "rejected ones to the .Rejected folder",
        ),
    ] = None,
    database_url: Annotated[str | None, typer.Option(envvar="TIERLINE_DATABASE_URL")] = None,
) -> None:
    """Thread replies into their cases, open cases for new messages, count repeat contacts."""
    items: list[_Item] = []
    for name in files or ([] if maildir else ["-"]):
        if name == "-":
            items.append(_Item("<stdin>", sys.stdin.buffer.read))
        else:
            items.append(_Item(name, Path(name).read_bytes))
    if maildir is not None:
        items += _maildir_items(maildir)
    settings = _settings(database_url)
    try:
        _require_initialised(settings)
    except typer.Exit:  # the reason is printed; a mail system keeps the mail and retries
        raise typer.Exit(TEMPFAIL) from None
    rt = build(settings)
    counts: Counter[str] = Counter()
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=len(items) < PROGRESS_FROM or not console.is_terminal,
    )
    with progress:
        task = progress.add_task("mail", total=len(items))
        for item in items:
            line = _one(rt, item, counts)
            print(f"{item.label}: {line}", flush=True)
            progress.advance(task)
    rt.engine.dispose()
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    total = sum(counts.values())
    typer.echo(f"{total} message{'s' if total != 1 else ''}: {summary or 'none'}", err=True)
    if counts["failed"]:
        raise typer.Exit(TEMPFAIL)
    if counts[REJECTED]:
        raise typer.Exit(1)


def _one(rt: Tierline, item: _Item, counts: Counter[str]) -> str:
    try:
        raw = item.read()
    except OSError as exc:
        counts["failed"] += 1
        return f"failed: cannot read it: {exc.strerror or exc}"
    try:
        result = ingest(rt, raw, source=f"cli:{item.label}"[:100])
    except ServiceError as exc:  # not the mail's fault: keep it (a Maildir retries next run)
        counts["failed"] += 1
        return f"failed: {exc.message}; left in place to try again"
    counts[result.action] += 1
    if item.done is not None:
        try:
            item.done(result)
        except OSError as exc:
            counts["failed"] += 1
            return f"{_describe(result)}; but it could not be moved: {exc}"
    return _describe(result)
