"""``tierline init``, ``serve`` and ``worker``: set up a database and run the service."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from tierline.bootstrap import build
from tierline.config import Settings

ops_app = typer.Typer(add_completion=False)


def _settings(database_url: str | None) -> Settings:
    s = Settings.from_env()
    if database_url:
        from dataclasses import replace

        s = replace(s, database_url=database_url)
    return s


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(1)


def initialise(
    settings: Settings, policy_file: Path | None, admin_name: str, quiet: bool = False
) -> str | None:
    """Migrate, install the policy, create the first admin; returns the admin's token if new."""
    from tierline.policy import example_path
    from tierline.service.actors import SYSTEM
    from tierline.service.errors import ServiceError
    from tierline.service.people import add_person
    from tierline.service.policies import install_policy
    from tierline.store.migrate import upgrade

    rt = build(settings)
    upgrade(rt.engine)
    path = policy_file or Path(str(example_path("saas_support")))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read policy {path}: {exc}")
    with rt.uow(readonly=True) as uow:
        has_policy = uow.policies.active_version() is not None
        has_people = bool(uow.people.all())
    if policy_file is not None or not has_policy:
        try:
            result = install_policy(rt, text, str(path), SYSTEM)
        except ServiceError as exc:
            for d in exc.details:
                typer.echo(d if isinstance(d, str) else d.get("text", d), err=True)
            _fail(exc.message)
        if not quiet:
            typer.echo(f"policy {result['version']} ({result['name']}) is active")
    token = None
    if not has_people:
        _, token = add_person(rt, name=admin_name, role="admin", team=None, handle="admin")
        if not quiet:
            typer.echo(f"admin token (shown once): {token}")
    if not quiet:
        typer.echo(f"database ready: {rt.engine.url.render_as_string(hide_password=True)}")
    rt.engine.dispose()
    return token


@ops_app.command("init")
def init(
    policy: Annotated[
        Path | None, typer.Option(help="Policy YAML to activate (default: the SaaS example)")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="TIERLINE_DATABASE_URL", help="Database URL (default: ./tierline.db)"),
    ] = None,
    admin_name: Annotated[
        str, typer.Option(help="Name of the first administrator")
    ] = "Administrator",
) -> None:
    """Create or upgrade the database, activate a policy, and create the first administrator."""
    initialise(_settings(database_url), policy, admin_name)


@ops_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes (PostgreSQL for more than one)")] = 1,
    database_url: Annotated[str | None, typer.Option(envvar="TIERLINE_DATABASE_URL")] = None,
) -> None:
    """Run the REST API and the web page."""
    from tierline.api.server import run

    settings = _settings(database_url)
    os.environ["TIERLINE_DATABASE_URL"] = settings.database_url
    _require_initialised(settings)
    run("tierline.api.asgi:create", host, port, workers)


def _require_initialised(settings: Settings) -> None:
    from tierline.store.migrate import is_initialised

    rt = build(settings)
    try:
        ok = is_initialised(rt.engine)
    except Exception as exc:  # connection errors: say where and why
        _fail(
            f"cannot reach the database {rt.engine.url.render_as_string(hide_password=True)}: {exc}"
        )
    if not ok:
        _fail("the database is not initialised; run 'tierline init' first")
    rt.engine.dispose()


@ops_app.command("worker")
def worker(
    database_url: Annotated[str | None, typer.Option(envvar="TIERLINE_DATABASE_URL")] = None,
    once: Annotated[bool, typer.Option(help="Run one round and exit")] = False,
) -> None:
    """Fire due clocks and deliver the outbox until stopped (SIGINT/SIGTERM)."""
    from tierline.worker.lock import WorkerAlreadyRunning
    from tierline.worker.runner import Worker

    settings = _settings(database_url)
    _require_initialised(settings)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    rt = build(settings)
    w = Worker(rt)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if once:
            w.acquire()
            result = w.tick()
            w.release()
            typer.echo(
                f"fired {result.fired}, delivered {result.delivered}, "
                f"failed {result.failed + result.delivery_failures}"
            )
        else:
            typer.echo(
                f"worker {w.name} running on {rt.engine.dialect.name}; Ctrl-C stops it", err=True
            )
            w.run(stop)
    except WorkerAlreadyRunning as exc:
        _fail(str(exc))
