"""Bearer tokens → actors, with a short cache so each request does not re-read the person."""

from __future__ import annotations

import threading
import time

from fastapi import Request

from tierline.service.actors import Actor
from tierline.service.people import authenticate, hash_token
from tierline.service.runtime import Tierline

_TTL = 5.0


class TokenCache:
    def __init__(self, rt: Tierline) -> None:
        self.rt = rt
        self._cache: dict[str, tuple[Actor, str, float]] = {}
        self._lock = threading.Lock()

    def actor(self, token: str | None) -> Actor:
        if token:
            key = hash_token(token)
            version = self.rt.active().version
            hit = self._cache.get(key)
            if hit is not None and hit[1] == version and hit[2] > time.monotonic():
                return hit[0]
        actor = authenticate(self.rt, token)
        if token:
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[hash_token(token)] = (
                    actor,
                    self.rt.active().version,
                    time.monotonic() + _TTL,
                )
        return actor


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get("tierline_token")


async def current_actor(request: Request) -> Actor:
    """Async on purpose: a sync dependency costs every request an extra threadpool hop, and this
    is a cache hit almost always (a miss reads one row, at most once per token per 5 s)."""
    cache: TokenCache = request.app.state.tokens
    return cache.actor(bearer(request))
