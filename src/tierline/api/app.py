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

    app.add_middleware(StatusCounter, stats=app.state.http_stats)
    return app


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
