"""Running the API under uvicorn, with several worker processes, each on a listener of its own.

Two things uvicorn's multi-worker mode gets wrong for us, both measured with
``bench/api_create_case.py``:

* It binds one listener with ``proto=0`` and shares it; accepted sockets inherit that, and
  asyncio then never sets ``TCP_NODELAY``, so every keep-alive request after the first waited
  ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149). We bind with ``IPPROTO_TCP``.
* On a shared listener, the worker that wakes first accepts every connection waiting, so a
  client (or a proxy) that opens its keep-alive connections together lands them all on one
  worker, and the others idle: 16 connections went 16/0 in two runs of three, at about 55 %
  of the rate of an 8/8 split. Here each worker binds its own listener with ``SO_REUSEPORT``
  and the kernel spreads new connections across them.

The supervisor starts the workers, starts a new one in place of any that dies, and stops them
all on SIGINT / SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger("uvicorn.error")

#: A worker that exits sooner than this after starting is taken to have failed to start.
STARTUP_SECONDS = 10.0


def listening_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _config(app: str, host: str, port: int, factory: bool, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=host, port=port, factory=factory, log_level=log_level, access_log=False
    )


def _exit_with_supervisor(supervisor: int) -> None:
    """Stop this worker (gracefully, as SIGTERM does) once its supervisor is gone: an orphaned
    worker would go on answering on the port, beside the workers of a restarted server."""
    while os.getppid() == supervisor:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker(app: str, host: str, port: int, factory: bool, log_level: str) -> None:
    """One worker process: its own listener on the shared port, one uvicorn server on it."""
    threading.Thread(target=_exit_with_supervisor, args=(os.getppid(),), daemon=True).start()
    config = _config(app, host, port, factory, log_level)
    sock = listening_socket(host, port, reuse_port=True)
    uvicorn.Server(config).run(sockets=[sock])


def run(
    app: str,
    host: str,
    port: int,
    workers: int = 1,
    *,
    factory: bool = True,
    log_level: str = "info",
) -> None:
    """Serve ``app`` (an import string) with ``workers`` processes."""
    if workers <= 1:
        uvicorn.Server(_config(app, host, port, factory, log_level)).run()
        return
    # Bound (not listening) for as long as we serve: the port is refused at once if another
    # program holds it, and stays ours while a worker restarts.
    guard = listening_socket(host, port, reuse_port=True)
    try:
        _supervise((app, host, port, factory, log_level), workers)
    finally:
        guard.close()


def _supervise(args: tuple[Any, ...], workers: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}

    started: dict[int | None, float] = {}

    def start() -> BaseProcess:
        proc = ctx.Process(target=_worker, args=args, daemon=False)
        proc.start()
        started[proc.pid] = time.monotonic()
        return proc

    procs = [start() for _ in range(workers)]
    log.info("Started %d workers (SO_REUSEPORT listeners)", workers)
    try:
        while not stopping.wait(0.5):
            for i, proc in enumerate(procs):
                if proc.is_alive():
                    continue
                young = time.monotonic() - started.pop(proc.pid, 0.0) < STARTUP_SECONDS
                if young and (proc.exitcode or 0) > 0:
                    # It failed to come up (a bad setting, an unreachable database): another
                    # would fail the same way, forever. (Killed by a signal: replaced.)
                    raise SystemExit(f"a worker failed while starting (exit code {proc.exitcode})")
                log.warning("Worker %s exited with %s; starting another", proc.pid, proc.exitcode)
                procs[i] = start()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)
