"""The matrix: read the active policy, ask it who takes a case, activate a new version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tierline.api.auth import current_actor
from tierline.api.schemas import PolicyJson
from tierline.domain.routing import RoutingError, explain
from tierline.domain.vocabulary import AccountValue, Channel, Severity
from tierline.service.actors import Actor
from tierline.service.errors import Invalid
from tierline.service.policies import install_policy
from tierline.service.runtime import Tierline

router = APIRouter(prefix="/api/policy", tags=["policy"])


def rt_of(request: Request) -> Tierline:
    rt: Tierline = request.app.state.rt
    return rt


@router.get("")
def active_policy(request: Request, actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    actor.require("policy.read", "read the policy")
    active = rt_of(request).active()
    return {
        "version": active.version,
        "name": active.policy.name,
        "label": active.policy.label,
        "document": active.document,
    }


@router.get("/versions")
def versions(request: Request, actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    actor.require("policy.read", "read the policy")
    with rt_of(request).uow(readonly=True) as uow:
        rows = uow.policies.history()
    return {
        "versions": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in rows
        ]
    }


@router.get("/explain")
def explain_route(
    request: Request,
    contact_type: str,
    severity: Severity | None = None,
    account_value: AccountValue = AccountValue.STANDARD,
    situation: str | None = None,
    channel: Channel | None = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """R-POL-4: who takes a contact, how fast, and which rows of the policy say so."""
    actor.require("policy.read", "read the policy")
    try:
        answer = explain(
            rt_of(request).active().policy,
            contact_type,
            severity,
            channel,
            account_value,
            situation,
        )
    except RoutingError as exc:
        raise Invalid(str(exc)) from None
    return answer.to_data()


@router.post("", status_code=201)
async def post_policy(request: Request, actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    """Validate and activate a new version: a YAML body, or JSON ``{"yaml": "...", ...}``."""
    raw = await request.body()
    ctype = request.headers.get("content-type", "")
    filename, activate = "policy.yaml", True
    if "json" in ctype:
        try:
            body = PolicyJson.model_validate_json(raw)
        except ValueError as exc:
            raise Invalid(f'expected JSON {{"yaml": "..."}}: {exc}') from None
        text, filename, activate = body.yaml, body.filename, body.activate
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("the policy is not UTF-8 text; expected a YAML document") from None
    if not text.strip():
        raise Invalid("the policy is empty; expected a YAML document")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(
        install_policy, rt_of(request), text, filename, actor, activate=activate
    )
