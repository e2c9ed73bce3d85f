"""``POST /api/inbound/email``: inbound mail as mail services post it (R-CASE-4).

Authentication is a shared secret (``TIERLINE_INBOUND_SECRET``), not a person's token: the
poster is a mail service. It is accepted in the ``X-Tierline-Inbound-Secret`` header or as the
password of HTTP Basic authentication, because most services cannot add headers but can post to
``https://any-user:SECRET@host/api/inbound/email``. Never in the query string, which ends up in
access logs. With no secret configured, every post is refused (503), so an endpoint nobody set
up is not an open door for writing into cases.

A rejected mail is a 422 with the reason; nothing of it is stored.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tierline.mail import formats
from tierline.mail.ingest import OPENED, ingest
from tierline.mail.parse import MAX_BYTES, MailRejected
from tierline.service.runtime import Tierline

log = logging.getLogger("tierline.inbound")
router = APIRouter(tags=["inbound mail"])

SECRET_HEADER = "X-Tierline-Inbound-Secret"
#: Room for base64 (4/3) and a JSON or form envelope around the largest acceptable message.
MAX_POST = MAX_BYTES * 4 // 3 + 256 * 1024


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="tierline-inbound"'}
        return JSONResponse(
            {"error": self.code, "message": self.message},
            status_code=self.status,
            headers=headers if self.status == 401 else None,
        )


def _check_secret(request: Request, secret: str) -> None:
    if not secret:
        raise _Refused(
            503,
            "not_configured",
            "inbound e-mail is not set up: set TIERLINE_INBOUND_SECRET and send it in the "
            f"{SECRET_HEADER} header (or as the HTTP Basic password)",
        )
    given = request.headers.get(SECRET_HEADER, "")
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("basic "):
        try:
            given = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            given = ""
    if not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise _Refused(
            401,
            "unauthorized",
            f"missing or wrong inbound secret (the {SECRET_HEADER} header or the HTTP Basic "
            "password)",
        )


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_POST:
        raise _Refused(413, "too_large", f"the post is larger than {MAX_POST:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_POST:
            raise _Refused(413, "too_large", f"the post is larger than {MAX_POST:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _raw_message(content_type: str, body: bytes) -> bytes:
    """The RFC 822 bytes inside a post, whatever shape the service used."""
    media = content_type.partition(";")[0].strip().lower()
    raw_types = ("", "message/rfc822", "text/plain", "application/octet-stream")
    # Amazon SNS posts its JSON as text/plain; a mail never starts with "{".
    json_in_text = media in raw_types and body.lstrip()[:1] == b"{"
    if media in raw_types and not json_in_text:
        return body
    if json_in_text or media == "application/json" or media.endswith("+json"):
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise _Refused(400, "bad_json", f"the body is not valid JSON: {exc}") from None
        return formats.from_json(doc)
    if media == "application/x-www-form-urlencoded":
        return formats.from_fields(formats.urlencoded_fields(body))
    if media == "multipart/form-data":
        return formats.from_fields(formats.multipart_fields(body, content_type))
    raise _Refused(
        415,
        "unsupported_media_type",
        f"cannot read '{media}'; post message/rfc822, JSON, or form fields",
    )


@router.post("/api/inbound/email")
async def inbound_email(request: Request) -> JSONResponse:
    """Record one inbound e-mail: threaded into its case, a new case, a repeat contact counted,
    a duplicate ignored, or refused with the reason."""
    rt: Tierline = request.app.state.rt
    try:
        _check_secret(request, rt.settings.inbound_secret)
        body = await _body(request)
        raw = _raw_message(request.headers.get("content-type", ""), body)
    except _Refused as refused:
        return refused.response()
    except formats.SubscriptionConfirmation as sns:
        log.warning("Amazon SNS asks to confirm the subscription; open %s", sns.url)
        return JSONResponse(
            {
                "action": "ignored",
                "reason": "an SNS subscription confirmation, not a mail: an administrator "
                "confirms it by opening SubscribeURL (logged)",
            }
        )
    except MailRejected as exc:
        return JSONResponse({"error": "rejected", "message": str(exc)}, status_code=422)
    source = "http:" + (request.client.host if request.client else "unknown")
    result = await run_in_threadpool(ingest, rt, raw, source=source)
    if not result.accepted:
        return JSONResponse({"error": "rejected", "message": result.reason}, status_code=422)
    out: dict[str, Any] = {
        "action": result.action,
        "case_id": result.case_id,
        "message_id": result.message_id,
        "reason": result.reason,
    }
    return JSONResponse(out, status_code=201 if result.action == OPENED else 200)
