"""``tierline audit verify``: recompute every case's hash chain."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from tierline.bootstrap import build

audit_app = typer.Typer(add_completion=False, no_args_is_help=True, help="The audit trail.")


@audit_app.command("verify")
def verify(
    case: Annotated[list[int] | None, typer.Option(help="Only these cases (repeatable)")] = None,
) -> None:
    """Exit 0 when every event chain is intact, 1 (listing each problem) when not."""
    rt = build()
    problems = []
    with rt.uow(readonly=True) as uow:
        total = uow.events.count()
        with Progress(transient=True) as progress:
            task = progress.add_task("verifying", total=None)
            for problem in uow.events.verify(case):
                problems.append(problem)
            progress.update(task, completed=total)
    if problems:
        for p in problems:
            typer.secho(f"TAMPERED {p}", fg="red")
        typer.echo(f"{len(problems)} problem(s) in {total} events")
        raise typer.Exit(1)
    typer.echo(f"ok: {total} events, every chain intact")
