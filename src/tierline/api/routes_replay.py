"""Replay and what-if over HTTP, for the web UI (R-SIM-1, R-POL-5).

``POST /api/replay`` and ``POST /api/simulate`` take policies (a stored version, the active one,
or YAML text), a log that lives on the server and its mapping (YAML text, or a file next to the
log), and answer with the same report as ``tierline replay --json`` / ``simulate --json``;
reports are stored (``replay_runs``) unless ``store`` is false. Permission: ``report.read``.

Bounds, because a replay runs inside the request (in a worker thread): logs are read only from
the folder named by ``TIERLINE_REPLAY_DIR`` (no path may leave it; without the setting the
endpoints refuse every log), and a log with more than ``TIERLINE_REPLAY_MAX_EVENTS`` events
(default 200,000, about ten seconds of work) is refused with 413; larger studies run from the
command line. Background jobs with ids can come later without changing the report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from tierline.api.auth import current_actor
from tierline.api.schemas import Body
from tierline.importer.log import TooManyRows
from tierline.importer.mapping_load import (
    LoadedMapping,
    MappingError,
    load_mapping,
    load_mapping_text,
)
from tierline.importer.readers import LogError, file_digest
from tierline.policy import LoadedPolicy, PolicyError, load_policy_text
from tierline.replay.agreement import sla_agreement, tier_agreement
from tierline.replay.chart import workload_svg
from tierline.replay.runner import LogInput, read_log, replay_policy, simulate, store_report
from tierline.service.actors import Actor
from tierline.service.errors import Invalid, NotFound, ServiceError
from tierline.service.runtime import Tierline

router = APIRouter(prefix="/api", tags=["replay"])
DEFAULT_MAX_EVENTS = 200_000


class TooLarge(ServiceError):
    status, code = 413, "too_large"


class PolicyRef(Body):
    """A policy: ``version`` (a stored ``pv-…``, or ``active``) or ``yaml`` text."""

    version: str | None = None
    yaml: str | None = Field(default=None, max_length=2_000_000)


class LogRef(Body):
    log_path: str = Field(min_length=1, max_length=1000)
    mapping_yaml: str | None = Field(default=None, max_length=1_000_000)
    mapping_path: str | None = Field(default=None, max_length=1000)
    store: bool = True


class ReplayRequest(LogRef):
    policy: PolicyRef = PolicyRef(version="active")
    agreement: Literal["sla", "tiers"] | None = None
    outcome: str = "made_sla"
    missed: str = "false"


class SimulateRequest(LogRef):
    baseline: PolicyRef = PolicyRef(version="active")
    candidate: PolicyRef
    chart: bool = True


def _rt(request: Request) -> Tierline:
    rt: Tierline = request.app.state.rt
    return rt


def _inside(relative: str) -> Path:
    root = os.environ.get("TIERLINE_REPLAY_DIR", "")
    if not root:
        raise Invalid(
            "this server reads no logs: TIERLINE_REPLAY_DIR is not set; "
            "expected the administrator to name the folder of replayable logs"
        )
    base = Path(root).resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise Invalid(f"'{relative}' is outside the replay folder; expected a path inside it")
    if not path.is_file():
        raise NotFound(f"no log '{relative}' in the replay folder")
    return path


def _policy(rt: Tierline, ref: PolicyRef, what: str) -> LoadedPolicy:
    try:
        if ref.yaml is not None:
            return load_policy_text(ref.yaml, f"{what}.yaml")
        with rt.uow(readonly=True) as uow:
            version = (
                uow.policies.active_version() if ref.version in (None, "active") else ref.version
            )
            row = uow.policies.get(version) if version else None
        if row is None:
            raise NotFound(f"{what}: no stored policy version '{ref.version}'")
        return load_policy_text(row["source_text"], row["filename"] or f"{version}.yaml")
    except PolicyError as exc:
        raise Invalid(
            f"{what}: the policy is invalid", [p.to_data() for p in exc.problems]
        ) from None


def _log(body: LogRef) -> LogInput:
    path = _inside(body.log_path)
    try:
        if body.mapping_yaml is not None:
            mapping: LoadedMapping = load_mapping_text(body.mapping_yaml, "mapping.yaml")
        elif body.mapping_path is not None:
            mapping = load_mapping(_inside(body.mapping_path))
        else:
            raise Invalid("no mapping; expected mapping_yaml or mapping_path")
    except MappingError as exc:
        raise Invalid("the mapping is invalid", [p.to_data() for p in exc.problems]) from None
    limit = int(os.environ.get("TIERLINE_REPLAY_MAX_EVENTS") or DEFAULT_MAX_EVENTS)
    try:
        return read_log(path, mapping, max_rows=limit, sha256=file_digest(path))
    except TooManyRows:
        raise TooLarge(
            f"the log has more than {limit:,} events; expected a smaller log "
            "(run 'tierline replay' from the command line for larger ones)"
        ) from None
    except LogError as exc:
        raise Invalid(str(exc)) from None


def _store(rt: Tierline, kind: str, report: dict[str, Any], log: LogInput, actor: Actor) -> None:
    with rt.uow() as uow:
        report["run_id"] = store_report(uow.conn, kind, report, log, rt.now(), actor.handle)
        uow.commit()


def _replay(rt: Tierline, body: ReplayRequest, actor: Actor) -> dict[str, Any]:
    loaded = _policy(rt, body.policy, "policy")
    log = _log(body)
    result, report = replay_policy(loaded, log)
    if body.agreement == "tiers":
        levels = {t.id: t.level for t in loaded.policy.tiers}
        report["agreement"] = tier_agreement(result.outcomes, levels)
    elif body.agreement == "sla":
        report["agreement"] = sla_agreement(loaded, log, outcome=body.outcome, missed=body.missed)
    if body.store:
        _store(rt, "replay", report, log, actor)
    return report


def _simulate(rt: Tierline, body: SimulateRequest, actor: Actor) -> dict[str, Any]:
    a, b = _policy(rt, body.baseline, "baseline"), _policy(rt, body.candidate, "candidate")
    log = _log(body)
    out = simulate(a, b, log)
    if body.store:
        _store(rt, "simulate", out, log, actor)
    if body.chart:
        out["chart_svg"] = workload_svg(out["baseline"], out["candidate"])
    return out


@router.post("/replay")
async def post_replay(
    request: Request, body: ReplayRequest, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """What a policy would have done on a real log: escalations, breaches, vacuums, workload."""
    actor.require("report.read", "run replays")
    return await run_in_threadpool(_replay, _rt(request), body, actor)


@router.post("/simulate")
async def post_simulate(
    request: Request, body: SimulateRequest, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """A candidate policy against a baseline on the same log (what-if)."""
    actor.require("report.read", "run what-if simulations")
    return await run_in_threadpool(_simulate, _rt(request), body, actor)
