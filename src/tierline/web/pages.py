"""The first page: open escalations with owner, tier and next deadline (R-UI-1, R-UI-2 start).

Sign-in is a pasted API token kept in an HTTP-only cookie; the page shows only what that
person's role and team may see, through the same service queries as the API.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tierline.api.auth import bearer
from tierline.service import views
from tierline.service.errors import ServiceError

router = APIRouter(include_in_schema=False)
_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def _left(due: Any, now: datetime) -> str:
    if not due:
        return "—"
    when = datetime.fromisoformat(due) if isinstance(due, str) else due
    seconds = (when - now).total_seconds()
    sign = "overdue by " if seconds < 0 else "in "
    seconds = abs(seconds)
    if seconds >= 86_400:
        text = f"{seconds / 86_400:.1f} d"
    elif seconds >= 3_600:
        text = f"{seconds / 3_600:.1f} h"
    else:
        text = f"{int(seconds // 60)} min"
    return sign + text


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    rt = request.app.state.rt
    token = bearer(request)
    if not token:
        return HTMLResponse(_env.get_template("login.html").render(error=None))
    try:
        actor = request.app.state.tokens.actor(token)
        rows = views.list_cases(rt, actor, open_only=True, escalated=True, limit=200)
    except ServiceError as exc:
        return HTMLResponse(
            _env.get_template("login.html").render(error=exc.message), status_code=exc.status
        )
    now = rt.now()
    for r in rows:
        r["left"] = _left(r.get("next_due_at"), now)
        r["overdue"] = bool(r.get("next_due_at")) and r["left"].startswith("overdue")
    return HTMLResponse(
        _env.get_template("index.html").render(
            actor=actor,
            cases=rows,
            now=now.strftime("%Y-%m-%d %H:%M UTC"),
            policy=rt.active().version,
        )
    )


@router.post("/login")
async def login(request: Request) -> Response:
    # A plain urlencoded form: parsed here rather than pulling in python-multipart for one field.
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    if not token:
        return HTMLResponse(_env.get_template("login.html").render(error="paste a token"), 422)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie("tierline_token", token, httponly=True, samesite="strict")
    return resp


@router.get("/logout")
def logout() -> Response:
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie("tierline_token")
    return resp
