"""What a process keeps for each database engine it uses: its block of case ids
(:mod:`case_ids`), its line of new-case statements (:mod:`group_commit`). Kept per engine, not
per module, because tests and tools run several engines in one process; forgotten with the
engine."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")


class PerEngine(Generic[T]):
    """``per(engine)``: the engine's value, made by ``make`` on first use (once, whichever
    threads ask together)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._values: weakref.WeakKeyDictionary[Engine, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, engine: Engine) -> T:
        value = self._values.get(engine)
        if value is None:
            with self._lock:
                value = self._values.setdefault(engine, self._make())
        return value

    def peek(self, engine: Engine) -> T | None:
        """The engine's value if it was ever made, without making it."""
        return self._values.get(engine)
