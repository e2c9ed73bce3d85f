"""Every refusal is a 4xx with a JSON body saying what was wrong and what is expected; a server
too busy to take a request says so with a 503 and when to retry, not with a 500."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tierline.service.errors import ServiceError

log = logging.getLogger("tierline.api")


def _echo(value: Any) -> Any:
    """The refused input as the answer can carry it: a lone surrogate (JSON's ``"\\ud800"``,
    refused by the model) cannot be encoded as UTF-8 and failed the refusal itself with a
    server error; it is echoed escaped (``\\ud800`` as text)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_echo(k): _echo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_echo(v) for v in value]
    return value


def _where(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(exc.to_data(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for err in exc.errors():
            field = _where(tuple(err.get("loc", ())))
            msg = err.get("msg", "invalid")
            if err.get("type") == "extra_forbidden":
                msg = "unknown field; remove it or check its spelling"
            elif err.get("type") == "missing":
                msg = "required field is missing"
            details.append(
                {
                    "field": field,
                    "problem": msg,
                    "input": _echo(err.get("input")) if err.get("type") != "missing" else None,
                }
            )
        summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
        return JSONResponse(
            {
                "error": "invalid",
                "message": f"the request is not valid: {summary}",
                "details": details,
            },
            status_code=422,
        )

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(_: Request, exc: PoolTimeout) -> JSONResponse:
        # Every database connection of this process stayed busy past the pool's timeout:
        # overload, not a fault of the request. Nothing was written.
        log.warning("database connection pool exhausted: %s", exc)
        return _busy("every database connection is busy")

    @app.exception_handler(OperationalError)
    async def database_error(request: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" in str(exc.orig):  # SQLite's busy timeout ran out
            log.warning("SQLite write lock not obtained in time: %s", exc.orig)
            return _busy("the database is busy with other writes")
        raise exc

    @app.exception_handler(DataError)
    @app.exception_handler(psycopg.DataError)
    async def unstorable_value(_: Request, exc: Exception) -> JSONResponse:
        # A value the database refuses as such (text it cannot hold, a number out of its
        # range), from wherever in the request it came; the statement, hence the transaction,
        # failed, so nothing was stored. Bodies are checked before this; query strings are not.
        err = getattr(exc, "orig", None) or exc
        problem = str(err).splitlines()[0] if str(err) else type(err).__name__
        log.warning("request refused by the database as data: %s", problem)
        return JSONResponse(
            {
                "error": "invalid",
                "message": f"the request holds a value the database cannot store: {problem}",
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(
            {"error": code, "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


def _busy(why: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": "busy",
            "message": f"the server is overloaded ({why}); nothing was stored, retry shortly",
        },
        status_code=503,
        headers={"Retry-After": "1"},
    )
