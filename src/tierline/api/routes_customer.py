"""The customer's pages behind signed links (``/c/<token>``), and a case's survey answers.

No sign-in: the token is the credential. ``GET`` only shows what the link will do, with a
button; the action happens on ``POST``, because mail scanners and link previews open every
link in a message, and a confirmation must not happen because a virus scanner looked at it.
Responses are never cached, never indexed, never framed, and send no Referer (the token is in
the URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from tierline.api.auth import current_actor
from tierline.api.schemas import RowId
from tierline.service.actors import Actor
from tierline.service.errors import Invalid, ServiceError
from tierline.service.link_actions import case_surveys, open_link, use_link
from tierline.service.runtime import Tierline

router = APIRouter()
#: The form has a rating and up to 2,000 characters of comment; anything much larger is not it.
MAX_FORM = 64 * 1024
_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "web" / "templates"),
    autoescape=select_autoescape(["html"]),
)
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
_TITLES = {
    "confirm": "Confirm that your issue is resolved",
    "reopen": "Reopen your case",
    "rate": "How did we handle your escalation?",
}
_DONE = {
    "confirm": "Thank you for confirming. Your case is now closed.",
    "reopen": "Your case is open again. The team has been told and will contact you.",
    "rate": "Thank you for your rating. It helps us improve how we handle escalations.",
}


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _error(exc: ServiceError) -> HTMLResponse:
    return _page("customer_error.html", exc.status, message=exc.message)


def _rt(request: Request) -> Tierline:
    rt: Tierline = request.app.state.rt
    return rt


@router.get("/c/{token}", include_in_schema=False)
def link_page(token: str, request: Request) -> HTMLResponse:
    try:
        link, case = open_link(_rt(request), token)
    except ServiceError as exc:
        return _error(exc)
    return _page(
        "customer_action.html",
        purpose=link.purpose,
        title=_TITLES[link.purpose],
        case=case,
        error=None,
    )


@router.post("/c/{token}", include_in_schema=False)
async def link_action(token: str, request: Request) -> HTMLResponse:
    # A plain urlencoded form, parsed here rather than pulling in python-multipart.
    body = await request.body()
    if len(body) > MAX_FORM:
        return _page("customer_error.html", 413, message="The form is too long.")
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def field(name: str) -> str:
        # A NUL character shown as U+FFFD, as undecodable bytes are: PostgreSQL cannot store
        # it, and a customer's answer is not refused for it.
        return (form.get(name) or [""])[0].replace("\x00", "\ufffd")

    rating_text = field("rating").strip()
    rating = int(rating_text) if rating_text.isdigit() else None
    rt = _rt(request)
    try:
        result = await run_in_threadpool(
            use_link,
            rt,
            token,
            rating=rating,
            comment=field("comment"),
            reason=field("reason"),
        )
    except Invalid as exc:  # a form mistake: show the form again, saying what is missing
        try:
            link, case = open_link(rt, token)
        except ServiceError as again:
            return _error(again)
        return _page(
            "customer_action.html",
            422,
            purpose=link.purpose,
            title=_TITLES[link.purpose],
            case=case,
            error=exc.message,
        )
    except ServiceError as exc:
        return _error(exc)
    return _page("customer_done.html", message=_DONE[result["purpose"]], case=result)


@router.get("/api/cases/{case_id}/surveys", tags=["cases"])
def surveys(case_id: RowId, request: Request, actor: Actor = Depends(current_actor)) -> Any:
    """Post-escalation satisfaction answers of a case (R-RES-2), oldest first; kept apart from
    any overall CSAT."""
    return {"case_id": case_id, "surveys": case_surveys(_rt(request), case_id, actor)}
