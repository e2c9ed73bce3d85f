"""The ``tierline`` command: one Typer app with a sub-app per area.

Each area lives in its own module and is registered here with ``app.add_typer(...)``; this file
stays a list of registrations so that adding ``serve``, ``worker`` or ``import`` touches one line.
"""

from __future__ import annotations

import typer

from tierline.cli.audit_cmd import audit_app
from tierline.cli.demo_cmd import demo_app
from tierline.cli.import_cmd import import_app
from tierline.cli.mail_cmd import mail_app
from tierline.cli.ops_cmd import ops_app
from tierline.cli.policy_cmd import policy_app
from tierline.cli.replay_cmd import replay_app
from tierline.cli.user_cmd import user_app

app = typer.Typer(
    name="tierline",
    help="Tierline: escalation management for customer-support teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(policy_app, name="policy")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(import_app, name="import")
app.add_typer(mail_app, name="mail")
app.registered_commands.extend(ops_app.registered_commands)  # init, serve, worker
app.registered_commands.extend(demo_app.registered_commands)  # demo
app.registered_commands.extend(replay_app.registered_commands)  # replay, simulate


@app.callback()
def _root() -> None:
    """Tierline: escalation management for customer-support teams."""


def main() -> None:
    """Console-script entry point (``tierline = "tierline.cli.main:main"``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
