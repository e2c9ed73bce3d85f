"""The composition root: settings → engine → runtime. Nothing happens at import time."""

from __future__ import annotations

from tierline.clock import Clock
from tierline.config import Settings
from tierline.service.runtime import Tierline
from tierline.store.db import make_engine


def build(settings: Settings | None = None, clock: Clock | None = None) -> Tierline:
    s = settings or Settings.from_env()
    return Tierline(s, make_engine(s.database_url), clock)
