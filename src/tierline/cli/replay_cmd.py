"""``tierline replay`` and ``tierline simulate``: a policy against a real log (R-SIM-1, R-POL-5).

Both read the log through its mapping, replay it through the policy at full speed and print a
report: a table by default, ``--json``, or every figure as CSV with ``--csv FILE``. With
``--no-store`` nothing touches a database and a policy must be a file; otherwise the report is
also stored (``replay_runs``) and a policy may be a stored version (``pv-…``) or ``active``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from tierline.importer.log import LogContents
from tierline.importer.mapping_load import MappingError, load_mapping
from tierline.importer.readers import LogError, file_digest
from tierline.policy import LoadedPolicy, PolicyError, load_policy, load_policy_text
from tierline.replay.agreement import sla_agreement, tier_agreement
from tierline.replay.chart import workload_svg
from tierline.replay.render import report_csv, report_text, simulate_text
from tierline.replay.runner import LogInput, read_log, replay_policy, simulate, store_report

replay_app = typer.Typer(add_completion=False)

LogOpt = Annotated[Path, typer.Option("--log", help="The event log (.csv, .gz, .zip, .xes)")]
MapOpt = Annotated[Path, typer.Option("--mapping", "-m", help="The log's mapping file")]
NoStore = Annotated[bool, typer.Option("--no-store", help="Use no database at all")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON")]
CsvOpt = Annotated[Path | None, typer.Option("--csv", help="Also write every figure as CSV")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _policy(ref: str, no_store: bool) -> LoadedPolicy:
    """A policy file; or, with a database, ``active`` or a stored version id."""
    path = Path(ref)
    try:
        if path.exists() or no_store or not (ref == "active" or ref.startswith("pv-")):
            return load_policy(path)
        from tierline.bootstrap import build

        rt = build()
        with rt.uow(readonly=True) as uow:
            version = uow.policies.active_version() if ref == "active" else ref
            row = uow.policies.get(version) if version else None
        if row is None:
            _fail(f"no stored policy version '{ref}'; expected a file, 'active' or pv-…")
        return load_policy_text(row["source_text"], row["filename"] or f"{version}.yaml")
    except PolicyError as exc:
        for p in exc.problems:
            typer.echo(p.format(), err=True)
        raise typer.Exit(1) from None


def _log(log: Path, mapping: Path) -> LogInput:
    try:
        loaded = load_mapping(mapping)
    except MappingError as exc:
        for p in exc.problems:
            typer.echo(p.format(), err=True)
        raise typer.Exit(1) from None
    try:
        out = read_log(log, loaded, sha256=file_digest(log))
    except LogError as exc:
        _fail(str(exc))
    _problems(out.contents)
    return out


def _problems(contents: LogContents) -> None:
    for issue in contents.issues[:10]:
        typer.echo(f"bad row: {issue.format()}", err=True)
    if contents.bad_rows > 10:
        typer.echo(f"... and {contents.bad_rows - 10:,} more bad rows", err=True)


def _store(kind: str, report: dict[str, Any], log: LogInput) -> None:
    from sqlalchemy import inspect

    from tierline.bootstrap import build

    rt = build()
    if not inspect(rt.engine).has_table("replay_runs"):
        _fail("the database is not initialised; run 'tierline init' or pass --no-store")
    with rt.uow() as uow:
        run_id = store_report(uow.conn, kind, report, log, rt.now(), "cli")
        uow.commit()
    typer.echo(f"stored as replay run {run_id}", err=True)


def _emit(report: dict[str, Any], text: str, as_json: bool, csv_file: Path | None) -> None:
    if csv_file is not None:
        csv_file.write_text(report_csv(report), encoding="utf-8")
        typer.echo(f"CSV written to {csv_file}", err=True)
    if as_json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        typer.echo(text, nl=False)


@replay_app.command("replay")
def replay(
    policy: Annotated[str, typer.Option(help="Policy file (or 'active' / pv-… with a database)")],
    log: LogOpt,
    mapping: MapOpt,
    no_store: NoStore = False,
    as_json: JsonOpt = False,
    csv_file: CsvOpt = None,
    agreement: Annotated[
        str | None,
        typer.Option(
            help="Also compare with the record: 'sla' (fit targets to an outcome attribute on "
            "one half, measure on the other) or 'tiers' (escalations vs recorded moves)"
        ),
    ] = None,
    outcome: Annotated[str, typer.Option(help="sla: the attribute saying the SLA was met")] = (
        "made_sla"
    ),
    missed: Annotated[str, typer.Option(help="sla: its value when the SLA was missed")] = "false",
) -> None:
    """Replay a log through a policy and report what it would have done."""
    if agreement not in (None, "sla", "tiers"):
        _fail(f"--agreement '{agreement}' is unknown; expected sla or tiers")
    loaded = _policy(policy, no_store)
    source = _log(log, mapping)
    result, report = replay_policy(loaded, source)
    if agreement == "tiers":
        levels = {t.id: t.level for t in loaded.policy.tiers}
        report["agreement"] = tier_agreement(result.outcomes, levels)
    elif agreement == "sla":
        report["agreement"] = sla_agreement(loaded, source, outcome=outcome, missed=missed)
    if not no_store:
        _store("replay", report, source)
    _emit(report, report_text(report), as_json, csv_file)


@replay_app.command("simulate")
def simulate_cmd(
    baseline: Annotated[str, typer.Option(help="The policy in force (file, 'active' or pv-…)")],
    candidate: Annotated[str, typer.Option(help="The policy to try (file or pv-…)")],
    log: LogOpt,
    mapping: MapOpt,
    chart: Annotated[
        Path, typer.Option(help="SVG chart of daily workload per tier for both policies")
    ] = Path("whatif-workload.svg"),
    no_store: NoStore = False,
    as_json: JsonOpt = False,
    csv_file: CsvOpt = None,
) -> None:
    """Replay a log through two policies and print the difference (what-if)."""
    a, b = _policy(baseline, no_store), _policy(candidate, no_store)
    source = _log(log, mapping)
    result = simulate(a, b, source)
    title = f"Open cases per tier, {source.describe()['file']}: {a.policy.name} vs {b.policy.name}"
    chart.write_text(workload_svg(result["baseline"], result["candidate"], title), encoding="utf-8")
    typer.echo(f"chart written to {chart}", err=True)
    if not no_store:
        _store("simulate", result, source)
    _emit(result, simulate_text(result), as_json, csv_file)
