"""A real SMTP server on loopback (aiosmtpd) for e-mail tests: records every message it accepts,
can require AUTH and TLS, and can be told to answer DATA or RCPT with chosen replies."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    session: int  # which SMTP session (connection) carried it

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data, policy=default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Mailbox:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    #: Replies to DATA, in order ("451 4.3.0 try again later"); "250 OK" once exhausted.
    data_script: list[str] = field(default_factory=list)
    #: Replies to RCPT TO, in order; "250 OK" once exhausted.
    rcpt_script: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    sessions: list[Any] = field(default_factory=list)  # held, so each keeps its identity
    #: Seconds the server takes over each message before storing it and answering.
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 and localhost (openssl CLI)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.box.lock:
            reply = self.box.rcpt_script.pop(0) if self.box.rcpt_script else "250 OK"
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.box.delay:
            await asyncio.sleep(self.box.delay)
        with self.box.lock:
            reply = self.box.data_script.pop(0) if self.box.data_script else "250 OK"
            if not any(s is session for s in self.box.sessions):
                self.box.sessions.append(session)
            number = next(i for i, s in enumerate(self.box.sessions) if s is session)
            if reply.startswith("250"):
                self.box.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, number)
                )
        return reply


@contextmanager
def smtp_server(
    *,
    users: dict[str, str] | None = None,
    starttls: tuple[Path, Path] | None = None,
    implicit_tls: tuple[Path, Path] | None = None,
) -> Iterator[Mailbox]:
    """Serve on a free loopback port. ``users`` requires AUTH; ``starttls`` (cert, key) offers and
    requires STARTTLS; ``implicit_tls`` speaks TLS from the first byte (port 465 style)."""
    box = Mailbox(port=free_port())
    kwargs: dict[str, Any] = {"server_hostname": "mx.test", "data_size_limit": 20_000_000}
    if users is not None:

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = isinstance(data, LoginPassword) and users.get(data.login.decode()) == (
                data.password.decode()
            )
            if ok:
                box.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)  # unhandled: aiosmtpd answers 535

        kwargs.update(authenticator=authenticator, auth_required=True)
        kwargs["auth_require_tls"] = starttls is not None or implicit_tls is not None
    if starttls is not None:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*starttls)
        kwargs.update(tls_context=ctx, require_starttls=True)
    server_ssl = None
    if implicit_tls is not None:
        server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ssl.load_cert_chain(*implicit_tls)
    controller = Controller(
        _Handler(box), hostname=box.host, port=box.port, ssl_context=server_ssl, **kwargs
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def client_context(cert: Path) -> ssl.SSLContext:
    """What a client that trusts the throwaway certificate uses (as SSL_CERT_FILE would)."""
    return ssl.create_default_context(cafile=str(cert))
