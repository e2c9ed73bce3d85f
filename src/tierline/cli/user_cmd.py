"""``tierline user``: people and their API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from tierline.bootstrap import build
from tierline.service.errors import ServiceError

user_app = typer.Typer(add_completion=False, no_args_is_help=True, help="People and API tokens.")


@user_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Full name")],
    role: Annotated[str, typer.Option(help="A role of the active policy")],
    team: Annotated[str | None, typer.Option(help="A team of the active policy")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    handle: Annotated[
        str | None, typer.Option(help="Login handle (default: from the name)")
    ] = None,
    skill: Annotated[list[str] | None, typer.Option(help="A skill (repeatable)")] = None,
    scope: Annotated[
        list[str] | None, typer.Option(help="Limit the token to a permission (repeatable)")
    ] = None,
) -> None:
    """Add a person and print their API token (shown once)."""
    from tierline.service.people import add_person

    rt = build()
    try:
        person, token = add_person(
            rt,
            name=name,
            role=role,
            team=team,
            email=email,
            handle=handle,
            skills=skill or [],
            scopes=scope or [],
        )
    except ServiceError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(1) from None
    typer.echo(f"added {person['handle']} ({role}{', ' + team if team else ''})")
    typer.echo(token)


@user_app.command("list")
def list_people() -> None:
    """List people (never their tokens)."""
    rt = build()
    with rt.uow(readonly=True) as uow:
        for p in uow.people.all():
            typer.echo(f"{p['handle']:<20} {p['role']:<14} {p['team'] or '-':<22} {p['name']}")
