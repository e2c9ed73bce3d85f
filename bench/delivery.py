"""Outbox delivery throughput: messages per second through the real worker code.

N customer e-mails are queued in the outbox (the payload of docs/outbox.md), and the worker's
own delivery loop (``Worker.deliver``: claim a batch with a lease, send each row, mark it sent
in its own transaction) runs until all are sent, to a local SMTP server (aiosmtpd) on one kept
session; then N webhooks (signed, keep-alive) to a local HTTP receiver. Each receiver runs in a
process of its own, so it does not share the worker's interpreter lock. For reference, the same
e-mails are also sent with bare ``smtplib`` on one session (the ceiling of the SMTP server and
the protocol on this machine), and every receiver's count is checked against N.

    .venv/bin/python bench/delivery.py [--messages 5000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import smtplib
import socket
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from machine import print_facts

PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- receivers


def _smtp_server(port: int, ready: Any, count: Any) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    asyncio.run(asyncio.sleep(3600))


def _http_server(port: int, ready: Any, count: Any) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers offer

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with count.get_lock():
                count.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ready.set()
    server.serve_forever()


def start(target: Any) -> tuple[mp.Process, int, Any]:
    port = _free_port()
    ready, count = mp.Event(), mp.Value("i", 0)
    proc = mp.Process(target=target, args=(port, ready, count), daemon=True)
    proc.start()
    if not ready.wait(30):
        raise SystemExit(f"{target.__name__} did not start")
    time.sleep(0.2)
    return proc, port, count


# ----------------------------------------------------------------------------- the outbox


def runtime(backend: str, smtp_port: int) -> Any:
    from tierline.bootstrap import build
    from tierline.cli.ops_cmd import initialise
    from tierline.config import Settings
    from tierline.store.db import make_engine

    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='tl-delivery-')) / 'delivery.db'}"
    else:
        admin = make_engine(PG)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()
        url = f"{PG}?options=-csearch_path%3D{SCHEMA}"
    settings = replace(
        Settings.from_env(),
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="support@acme.example",
        webhook_secret="bench-secret",
    )
    initialise(settings, None, "Bench admin", quiet=True)
    return build(settings)


def queue(rt: Any, n: int, channel: str, recipient: str) -> None:
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        payload = {
            "case_id": None,
            "kind": "daily_update",
            "to": f"customer{i % 500}@globex.example",
            "to_name": f"Customer {i % 500}",
            "subject": f"[TL-{i}] An update on your case",
            "text": "Hello,\nwe are still working on your case and will update you tomorrow.\n" * 4,
            "html": None,
            "message_id": f"<tl-bench-{channel}-{i}@acme.example>",
            "in_reply_to": None,
            "references": [],
            "reply_to": "support@acme.example",
        }
        rows.append(
            {
                "idempotency_key": f"bench:{channel}:{i}",
                "case_id": None,
                "event_id": None,
                "kind": "customer_message",
                "channel": channel,
                "recipient": recipient if channel == "webhook" else payload["to"],
                "subject": payload["subject"],
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    with rt.uow() as uow:
        for start_at in range(0, n, 1000):
            uow.outbox.add_many(rows[start_at : start_at + 1000])
        uow.commit()


def drain(rt: Any, channels: dict[str, Any], n: int) -> float:
    from tierline.worker.runner import TickResult, Worker

    worker = Worker(rt, name="bench", channels=channels)
    sent = 0
    t0 = time.perf_counter()
    while sent < n:
        result = TickResult()
        worker.deliver(rt.now(), result)
        if result.delivery_failures:
            raise SystemExit(f"{result.delivery_failures} deliveries failed")
        if not result.delivered:
            raise SystemExit(f"stalled after {sent} of {n}")
        sent += result.delivered
    return time.perf_counter() - t0


def bare_smtp(port: int, n: int) -> float:
    """The same number of ready-made messages over one session: the protocol's and the SMTP
    server's ceiling on this machine, without building messages or touching a database."""
    data = (
        "From: s@acme.example\r\nTo: c@globex.example\r\nSubject: update\r\n"
        "Message-ID: <bare-{i}@acme.example>\r\n\r\n"
        + "Hello,\r\nwe are still working on your case.\r\n"
        * 4
    )
    t0 = time.perf_counter()
    conn = smtplib.SMTP("127.0.0.1", port)
    for i in range(n):
        conn.sendmail("s@acme.example", ["c@globex.example"], data.format(i=i).encode())
    conn.quit()
    return time.perf_counter() - t0


def run(backend: str, n: int) -> dict[str, float]:
    """One pass on a fresh database: messages per second for each way of sending."""
    from tierline.channels.log import LogChannel
    from tierline.channels.smtp import SMTPChannel
    from tierline.channels.webhook import WebhookChannel

    smtp_proc, smtp_port, smtp_count = start(_smtp_server)
    http_proc, http_port, http_count = start(_http_server)
    figures: dict[str, float] = {}
    try:
        rt = runtime(backend, smtp_port)
        channels = {
            "email": SMTPChannel(rt.settings),
            "webhook": WebhookChannel(rt.settings.webhook_secret),
            "log": LogChannel(),
        }
        queue(rt, n, "email", "")
        figures["e-mail via SMTP"] = n / drain(rt, channels, n)
        assert smtp_count.value == n, f"the SMTP server got {smtp_count.value} of {n}"
        queue(rt, n, "webhook", f"http://127.0.0.1:{http_port}/hook")
        figures["webhook via HTTP"] = n / drain(rt, channels, n)
        assert http_count.value == n, f"the receiver got {http_count.value} of {n}"
        rt.engine.dispose()
        before = smtp_count.value
        figures["bare smtplib (reference)"] = n / bare_smtp(smtp_port, n)
        assert smtp_count.value == before + n
    finally:
        smtp_proc.terminate()
        http_proc.terminate()
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--messages", type=int, default=5_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--repeat", type=int, default=3, help="passes per backend; the best counts")
    args = ap.parse_args()
    print_facts()
    print(f"{args.messages:,} messages per pass; worker batch 200, one transaction per sent row")
    for backend in args.backends.split(","):
        passes = [run(backend, args.messages) for _ in range(args.repeat)]
        print(f"\n{backend}: messages/s, best of {args.repeat} (all passes)")
        for name in passes[0]:
            values = [p[name] for p in passes]
            every = ", ".join(f"{v:,.0f}" for v in values)
            print(f"  {name:<26} {max(values):8,.0f}   ({every})")


if __name__ == "__main__":
    main()
