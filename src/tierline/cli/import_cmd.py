"""``tierline import``: bulk import of other help desks' exports and real event logs (R-CASE-4).

``tierline import events FILE --mapping MAPPING.yaml`` reads CSV (plain, gzip, zip) or XES
(plain, gzip) through a mapping file (docs/import.md) into the database named by
``TIERLINE_DATABASE_URL`` (``./tierline.db`` by default), under the active policy. The summary
goes to stdout (``--json`` for machines); the progress bar and problems go to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import inspect

from tierline.bootstrap import build
from tierline.importer.mapping_load import MappingError, load_mapping
from tierline.importer.readers import LogError
from tierline.importer.run import ImportResult, import_events
from tierline.service.errors import ServiceError

import_app = typer.Typer(
    help="Import cases from other help desks' exports and event logs.",
    no_args_is_help=True,
    add_completion=False,
)
_SHOWN_PROBLEMS = 10


@import_app.command("events")
def events(
    file: Annotated[Path, typer.Argument(help="The log: .csv, .csv.gz, .zip, .xes or .xes.gz")],
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="The mapping file (YAML)")],
    batch_size: Annotated[int, typer.Option(min=1, max=20_000, help="Cases per transaction")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
) -> None:
    """Import a log's cases; re-running adds nothing and resumes an interrupted run."""
    try:
        loaded = load_mapping(mapping)
    except MappingError as exc:
        for p in exc.problems:
            typer.echo(p.format(), err=True)
        raise typer.Exit(1) from None
    rt = build()
    if not inspect(rt.engine).has_table("import_runs"):
        typer.echo(
            "error: the database is not initialised for imports; run 'tierline init' first",
            err=True,
        )
        raise typer.Exit(1)
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                label = "reading rows" if phase == "reading" else "importing cases"
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            result = import_events(rt, file, loaded, batch_size=batch_size, progress=progress)
        except (LogError, ServiceError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo(
                "interrupted: the cases written so far are kept; run the same command again "
                "to resume",
                err=True,
            )
            raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(result.to_data(), indent=2))
    else:
        _summary(result)


def _summary(r: ImportResult) -> None:
    if r.status == "unchanged":
        typer.echo(
            f"{r.file}: already imported by run {r.run_id} with this mapping; nothing to add "
            f"({r.cases_in_file} cases from source '{r.source}')"
        )
    else:
        resumed = f", resuming run {r.resumed_from}" if r.resumed_from else ""
        typer.echo(f"import run {r.run_id} ({r.status}{resumed}): {r.file} as source '{r.source}'")
        typer.echo(f"  rows read          {r.rows:>10,}")
        typer.echo(f"  cases in the file  {r.cases_in_file:>10,}")
        typer.echo(f"  cases imported     {r.imported:>10,}")
        typer.echo(f"  already stored     {r.existing:>10,}")
        typer.echo(f"  events written     {r.events_written:>10,}")
        typer.echo(
            f"  time               {r.seconds:>10.1f} s ({r.rows_per_second:,.0f} log events/s)"
        )
    if r.bad_rows or r.skipped_cases:
        typer.echo(
            f"  bad rows           {r.bad_rows:>10,} (cases skipped whole: {r.skipped_cases:,})"
        )
        for p in r.problems[:_SHOWN_PROBLEMS]:
            typer.echo(f"    {p}", err=True)
        if r.bad_rows > _SHOWN_PROBLEMS:
            typer.echo(f"    ... and {r.bad_rows - _SHOWN_PROBLEMS:,} more", err=True)


@import_app.command("runs")
def runs(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List import runs, newest first."""
    from sqlalchemy import select

    from tierline.store.tables import import_runs

    rt = build()
    with rt.uow(readonly=True) as uow:
        rows = [
            dict(r)
            for r in uow.conn.execute(
                select(import_runs).order_by(import_runs.c.id.desc())
            ).mappings()
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>5}  {r['status']:<11} {r['source']:<24} {r['file_name']:<40} "
            f"imported {r['cases_imported']:,} of {r['cases_in_file']:,} cases, "
            f"{r['bad_rows']:,} bad rows"
        )
