"""The application factory: one FastAPI app over one Tierline runtime."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tierline import __version__
from tierline.api import errors, routes_cases, routes_comms, routes_ops, routes_policy
from tierline.api.auth import TokenCache
from tierline.service.runtime import Tierline


def create_app(rt: Tierline) -> FastAPI:
    app = FastAPI(
        title="Tierline",
        version=__version__,
        description="Escalation management for customer-support and contact-centre teams.",
    )
    app.state.rt = rt
    app.state.tokens = TokenCache(rt)
    app.state.http_stats = Counter()
    errors.install(app)
    app.include_router(routes_cases.router)
    app.include_router(routes_policy.router)
    app.include_router(routes_ops.router)
    app.include_router(routes_comms.router)
    from tierline.api.routes_customer import router as customer_links
    from tierline.api.routes_inbound import router as inbound_mail
    from tierline.api.routes_replay import router as replay
    from tierline.web.pages import router as pages

    app.include_router(inbound_mail)
    app.include_router(customer_links)
    app.include_router(replay)
    app.include_router(pages)

    app.add_middleware(NoNulInUrl)
    app.add_middleware(StatusCounter, stats=app.state.http_stats)
    return app


class NoNulInUrl:
    """Refuses a URL holding an encoded NUL character (``%00``) before any route sees it:
    PostgreSQL cannot compare text holding one, SQLite can, and a query must not answer on
    one backend what it refuses on the other. (Request bodies are checked by their models.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "")
        ):
            body = (
                b'{"error":"invalid","message":"the URL holds a NUL character (%00), which no '
                b'path or query parameter may contain"}'
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


class StatusCounter:
    """Counts responses by status class for /metrics (plain ASGI: no per-request task overhead)."""

    def __init__(self, app: ASGIApp, stats: Counter[str]) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.stats[f"{message['status'] // 100}xx"] += 1
            await send(message)

        await self.app(scope, receive, counted)
