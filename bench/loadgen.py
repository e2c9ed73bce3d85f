"""A small HTTP/1.1 load generator on asyncio streams (keep-alive, no dependencies).

Closed loop: N connections send back to back, for throughput. Open loop: requests are scheduled
at a fixed rate and latency is measured from the *scheduled* send time, so a slow server cannot
hide its queueing (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    ok: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)
    retries: int = 0  # requests re-sent because an idle keep-alive connection had been closed
    latencies: list[float] = field(default_factory=list)  # seconds
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def merge(results: list[Result]) -> Result:
    """Several turns' results as one: the rate over all their time, percentiles over all their
    requests."""
    out = Result()
    for r in results:
        out.ok += r.ok
        out.errors += r.errors
        out.retries += r.retries
        out.elapsed += r.elapsed
        out.latencies += r.latencies
        for status, n in r.statuses.items():
            out.statuses[status] = out.statuses.get(status, 0) + n
        for kind, n in r.error_kinds.items():
            out.error_kinds[kind] = out.error_kinds.get(kind, 0) + n
    return out


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length = 0
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status


def build_request(url: str, body: bytes, headers: dict[str, str]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    head = [
        f"POST {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return (
        parts.hostname or "127.0.0.1",
        parts.port or 80,
        ("\r\n".join(head) + "\r\n\r\n").encode() + body,
    )


async def _closed(
    url: str,
    make_body: Callable[[int], bytes],
    headers: dict[str, str],
    concurrency: int,
    duration: float,
) -> Result:
    res = Result()
    stop = time.perf_counter() + duration
    counter = iter(range(10**9))

    async def client() -> None:
        conn = None
        while time.perf_counter() < stop:
            host, port, raw = build_request(url, make_body(next(counter)), headers)
            conn = conn or Connection(host, port)
            t0 = time.perf_counter()
            try:
                status = await conn.request(raw)
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
                res.errors += 1
                kind = type(exc).__name__
                res.error_kinds[kind] = res.error_kinds.get(kind, 0) + 1
                conn = None
                continue
            res.latencies.append(time.perf_counter() - t0)
            res.statuses[status] = res.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                res.ok += 1
            else:
                res.errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    res.elapsed = time.perf_counter() - t0
    return res


async def _open(
    url: str,
    make_body: Callable[[int], bytes],
    headers: dict[str, str],
    rate: float,
    duration: float,
) -> Result:
    res = Result()
    idle: list[Connection] = []
    tasks = []
    start = time.perf_counter()
    n = int(rate * duration)

    async def one(i: int, scheduled: float) -> None:
        host, port, raw = build_request(url, make_body(i), headers)
        conn = idle.pop() if idle else Connection(host, port)
        try:
            try:
                status = await conn.request(raw)
            except ConnectionError:
                # The server closed an idle keep-alive connection before reading the request
                # (uvicorn's keep-alive timeout); like any HTTP client, send it on a new one.
                res.retries += 1
                conn = Connection(host, port)
                status = await conn.request(raw)
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
            res.errors += 1
            kind = type(exc).__name__
            res.error_kinds[kind] = res.error_kinds.get(kind, 0) + 1
            return
        res.latencies.append(time.perf_counter() - scheduled)
        res.statuses[status] = res.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            res.ok += 1
        else:
            res.errors += 1
        idle.append(conn)

    for i in range(n):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    res.elapsed = time.perf_counter() - start
    return res


def closed_loop(
    url: str,
    make_body: Callable[[int], bytes],
    headers: dict[str, str],
    concurrency: int,
    duration: float,
) -> Result:
    return asyncio.run(_closed(url, make_body, headers, concurrency, duration))


def open_loop(
    url: str,
    make_body: Callable[[int], bytes],
    headers: dict[str, str],
    rate: float,
    duration: float,
) -> Result:
    return asyncio.run(_open(url, make_body, headers, rate, duration))
