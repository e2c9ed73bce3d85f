"""Running the API under uvicorn, with several worker processes sharing one listening socket.

Uvicorn's multi-worker mode binds the listener with ``proto=0``; accepted sockets inherit it and
asyncio then never sets ``TCP_NODELAY``, so every keep-alive request after the first waits ~40 ms
for the client's delayed ACK (Kludex/uvicorn#3149). We bind the listener ourselves with
``IPPROTO_TCP`` and hand it to uvicorn's supervisor, which fixes it without patching uvicorn.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


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
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=workers,
        factory=factory,
        log_level=log_level,
        access_log=False,
    )
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    Multiprocess(config, sockets=[listening_socket(host, port)]).run()
