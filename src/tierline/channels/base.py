"""What a channel is: something that delivers one outbox row or says why it could not."""

from __future__ import annotations

from typing import Any, Protocol


class DeliveryError(Exception):
    """A failed delivery; ``retryable`` False sends the row straight to the dead letters."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    name: str

    def deliver(self, row: dict[str, Any]) -> None: ...
