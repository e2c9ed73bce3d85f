"""``tierline demo``: a fresh SQLite database with an organisation and weeks of history, served."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from tierline.clock import FakeClock, SystemClock
from tierline.config import Settings

demo_app = typer.Typer(add_completion=False)


def build_demo(database: Path, n_cases: int, days: int, console: Console) -> dict[str, str]:
    """Create the database and its history; returns the demo users' tokens."""
    from tierline.bootstrap import build
    from tierline.cli.ops_cmd import initialise
    from tierline.demo.generate import DemoBuilder

    for suffix in ("", "-wal", "-shm", ".worker.lock"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    settings = replace(Settings.from_env(), database_url=f"sqlite:///{database}")
    initialise(settings, None, "Demo Administrator", quiet=True)
    now = SystemClock().now()
    clock = FakeClock(now - timedelta(days=days))
    rt = build(settings, clock)
    builder = DemoBuilder(rt, clock)
    builder.people()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"simulating {days} days of escalations", total=n_cases)
        stats = builder.run(
            now - timedelta(days=days),
            now,
            n_cases,
            lambda done: progress.update(task, completed=done),
        )
    console.print(
        f"[green]{stats['cases']} cases[/] over {days} days "
        f"({stats['clock_rounds']} case updates by the worker on the simulated clock)"
    )
    rt.engine.dispose()
    return builder.tokens


@demo_app.command("demo")
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    database: Annotated[Path, typer.Option(help="SQLite file (recreated)")] = Path(
        "tierline-demo.db"
    ),
    cases: Annotated[int, typer.Option(help="Cases to simulate")] = 300,
    days: Annotated[int, typer.Option(help="Days of history")] = 28,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the data and exit")] = False,
) -> None:
    """Build a demo organisation with weeks of history, then run the API, worker and web page."""
    import uvicorn

    from tierline.api.app import create_app
    from tierline.bootstrap import build
    from tierline.demo.organisation import PEOPLE
    from tierline.worker.runner import Worker

    console = Console()
    tokens = build_demo(database.resolve(), cases, days, console)
    url = f"http://{host}:{port}"
    # Plain lines, never a table: a token cut to the terminal's width is useless.
    console.print("Demo users (paste a token at the web page, or use it with curl):")
    for handle, name, role, team, _ in PEOPLE[:6]:
        where = f"{role}{' / ' + team if team else ''}"
        console.print(
            f"  {handle:<5} {name:<15} {where:<38} {tokens[handle]}",
            soft_wrap=True,
            highlight=False,
        )
    console.print(f"database: {database.resolve()}")
    console.print(f"open [bold]{url}/[/] (web page), {url}/docs (API), {url}/metrics")
    console.print(
        f"e.g.  curl -H 'Authorization: Bearer {tokens['sue']}' '{url}/api/cases?open=true'",
        soft_wrap=True,
        highlight=False,
    )
    if no_serve:
        return
    settings = replace(
        Settings.from_env(), database_url=f"sqlite:///{database.resolve()}", public_url=url
    )
    rt = build(settings)
    logging.basicConfig(level=logging.WARNING)
    stop = threading.Event()
    worker = Worker(rt, name="demo-worker")
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        uvicorn.run(create_app(rt), host=host, port=port, log_level="warning")
    finally:
        stop.set()
        thread.join(timeout=5)
