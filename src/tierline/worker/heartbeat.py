"""Watch the watcher: each worker records when it was last alive and how late it ran.

``/metrics`` reads these rows, so a stalled worker or a growing lag is visible from outside.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import insert, select, update

from tierline.service.runtime import Tierline
from tierline.store.tables import worker_heartbeats


def beat(rt: Tierline, name: str, started: datetime, fired: int, sent: int, lag: float) -> None:
    now = rt.now()
    values = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "seen_at": now,
        "fired": fired,
        "sent": sent,
        "lag_seconds": lag,
    }
    with rt.uow() as uow:
        exists = uow.conn.execute(
            select(worker_heartbeats.c.worker).where(worker_heartbeats.c.worker == name)
        ).first()
        if exists:
            uow.conn.execute(
                update(worker_heartbeats).where(worker_heartbeats.c.worker == name).values(**values)
            )
        else:
            uow.conn.execute(
                insert(worker_heartbeats).values(worker=name, started_at=started, **values)
            )
        uow.commit()
