"""E-mail over SMTP: the ``email`` channel the worker sends customer mail through (R-COMM-6).

One connection is kept open across the rows of a worker round (connecting, TLS and AUTH cost
several round trips, far more than a message), quit after ``max_per_connection`` messages
because relays limit messages per session, and replaced when it has been idle longer than
``reuse_seconds`` (servers drop idle sessions). A reused connection the server closed in the
meantime fails at ``MAIL FROM``, before anything of the message was sent, so that one case is
retried at once on a fresh connection.

Errors are classified the way SMTP defines them: a 4xx reply or a connection, TLS or AUTH problem
is retryable (the worker backs off and tries again, then dead-letters after its maximum
attempts); a 5xx reply to the message or a payload that cannot become a message is permanent.

Idempotency: the Message-ID (and the Date) are fixed by the outbox row, so a redelivery after a
crash is byte-for-byte the same message, which receiving systems drop by Message-ID. The only
window for such a redelivery is between the server's ``250`` after DATA and the worker's commit
of ``sent`` (see docs/mail.md, "Exactly once").
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import threading
import time
from typing import Any

from tierline.channels.base import DeliveryError
from tierline.channels.mime import build_message
from tierline.config import Settings

log = logging.getLogger("tierline.smtp")

TLS_MODES = ("none", "starttls", "ssl")


class SMTPChannel:
    """Sends ``email`` outbox rows through one SMTP relay (``TIERLINE_SMTP_*`` settings)."""

    name = "email"

    def __init__(
        self,
        settings: Settings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        reuse_seconds: float = 10.0,
        max_per_connection: int = 100,
    ) -> None:
        if settings.smtp_tls not in TLS_MODES:
            raise ValueError(
                f"TIERLINE_SMTP_TLS is '{settings.smtp_tls}'; expected one of: "
                f"{', '.join(TLS_MODES)}"
            )
        self.settings = settings
        # The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR name a private CA).
        self._ssl_context = ssl_context
        self.reuse_seconds = reuse_seconds
        self.max_per_connection = max_per_connection
        self._conn: smtplib.SMTP | None = None
        self._on_conn = 0
        self._last_used = 0.0
        self._helo: str | None = None
        self._lock = threading.Lock()
        self._warned_plain_auth = False

    # ----------------------------------------------------------------- sending

    def deliver(self, row: dict[str, Any]) -> None:
        out = build_message(self.settings, row)
        options = ["SMTPUTF8", "BODY=8BITMIME"] if out.smtputf8 else []
        with self._lock:
            for attempt in (1, 2):
                conn, reused = self._connection()
                if out.smtputf8 and not conn.has_extn("smtputf8"):
                    raise DeliveryError(
                        f"{out.recipients[0]} needs SMTPUTF8, which the server does not offer",
                        retryable=False,
                    )
                try:
                    code, reply = conn.mail(out.sender, options)
                except (smtplib.SMTPServerDisconnected, OSError) as exc:
                    self._drop()
                    if reused and attempt == 1:
                        continue  # the server closed the idle session; nothing was sent
                    raise DeliveryError(f"connection lost: {exc}") from None
                self._transaction(conn, code, reply, out.recipients, out.data)
                return

    def _transaction(
        self,
        conn: smtplib.SMTP,
        code: int,
        reply: bytes,
        recipients: list[str],
        data: bytes,
    ) -> None:
        """Finish a transaction whose MAIL FROM was answered ``code``."""
        try:
            if code != 250:
                self._refused(conn, "MAIL FROM", code, reply)
            for rcpt in recipients:
                code, reply = conn.rcpt(rcpt)
                if code not in (250, 251):
                    self._refused(conn, f"RCPT TO <{rcpt}>", code, reply)
            code, reply = conn.data(data)
            if code != 250:
                self._refused(conn, "the message", code, reply)
        except smtplib.SMTPDataError as exc:  # DATA itself (before the message) not accepted
            self._refused(conn, "DATA", exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            # The 250 after DATA never arrived: the server may or may not have the message.
            self._drop()
            raise DeliveryError(f"connection lost during the transaction: {exc}") from None
        self._on_conn += 1
        self._last_used = time.monotonic()

    def _refused(self, conn: smtplib.SMTP, what: str, code: int, reply: bytes | str) -> None:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        if code == 421:
            self._drop()  # the server is closing the session
        else:
            try:
                conn.rset()  # keep the session usable for the next row
            except (smtplib.SMTPException, OSError):
                self._drop()
        raise DeliveryError(f"{what} refused: {code} {text}", retryable=not 500 <= code < 600)

    # ----------------------------------------------------------------- the session

    def _connection(self) -> tuple[smtplib.SMTP, bool]:
        conn = self._conn
        stale = time.monotonic() - self._last_used > self.reuse_seconds
        if conn is not None and (stale or self._on_conn >= self.max_per_connection):
            self.close()
            conn = None
        if conn is not None:
            return conn, True
        self._conn = self._connect()
        self._on_conn = 0
        self._last_used = time.monotonic()
        return self._conn, False

    def _connect(self) -> smtplib.SMTP:
        """A fresh, greeted, secured and authenticated session; every failure is retryable,
        because it is about the relay or the configuration, never about the message."""
        s = self.settings
        if self._helo is None:
            self._helo = socket.getfqdn()
        if s.smtp_tls != "none" and self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()  # loads the trust store: once
        context = self._ssl_context
        where = f"{s.smtp_host}:{s.smtp_port}"
        conn: smtplib.SMTP | None = None
        try:
            if s.smtp_tls == "ssl":
                conn = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    local_hostname=self._helo,
                    timeout=s.smtp_timeout,
                    context=context,
                )
            else:
                conn = smtplib.SMTP(
                    s.smtp_host, s.smtp_port, local_hostname=self._helo, timeout=s.smtp_timeout
                )
            conn.ehlo()
            if s.smtp_tls == "starttls":
                if not conn.has_extn("starttls"):
                    raise DeliveryError(
                        f"{where} does not offer STARTTLS; set TIERLINE_SMTP_TLS=none or ssl"
                    )
                conn.starttls(context=context)
                conn.ehlo()
            if s.smtp_user:
                if s.smtp_tls == "none" and not self._warned_plain_auth:
                    self._warned_plain_auth = True
                    log.warning("SMTP credentials for %s are sent without TLS", where)
                conn.login(s.smtp_user, s.smtp_password)
            return conn
        except DeliveryError:
            self._quiet_close(conn)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self._quiet_close(conn)
            raise DeliveryError(
                f"{where} refused the login ({exc.smtp_code}); check TIERLINE_SMTP_USER and "
                "TIERLINE_SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            self._quiet_close(conn)
            raise DeliveryError(f"{where}: {exc} (AUTH often needs TIERLINE_SMTP_TLS)") from None
        except ssl.SSLError as exc:
            self._quiet_close(conn)
            raise DeliveryError(f"TLS with {where} failed: {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._quiet_close(conn)
            raise DeliveryError(f"cannot connect to {where}: {exc}") from None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._quiet_close(conn)

    @staticmethod
    def _quiet_close(conn: smtplib.SMTP | None) -> None:
        if conn is not None:
            try:
                conn.close()
            except OSError as exc:  # closing a broken socket: nothing left to do
                log.debug("closing an SMTP session: %s", exc)

    def close(self) -> None:
        """End the session politely (QUIT); the next row opens a new one."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            self._quiet_close(conn)
