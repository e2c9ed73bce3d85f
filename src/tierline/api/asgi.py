"""ASGI entry point for uvicorn (``tierline serve`` and production process managers)."""

from __future__ import annotations

from fastapi import FastAPI

from tierline.api.app import create_app
from tierline.bootstrap import build


def create() -> FastAPI:
    """Factory for ``uvicorn --factory tierline.api.asgi:create``; reads TIERLINE_* settings."""
    return create_app(build())
