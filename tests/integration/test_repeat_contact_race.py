"""A customer who writes several times at once about one issue gets one case, not several
(R-CASE-2: a repeat contact links to the open case and counts), whichever backend and however
the requests interleave."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tierline.domain.vocabulary import Severity
from tierline.service.actors import SYSTEM
from tierline.service.cases import OpenCase, open_case
from tierline.store.tables import cases

from .conftest import Env

WRITERS = 6


@pytest.mark.parametrize("account", ["initech", None], ids=["account", "e-mail only"])
def test_simultaneous_repeat_contacts_open_one_case(env: Env, account: str | None) -> None:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            open_case(
                env.rt,
                OpenCase(
                    contact_type="bug_report",
                    severity=Severity.S3,
                    subject=f"Reports are empty (mail {n})",
                    account_id=account,
                    contact_email="peter@initech.test",
                ),
                SYSTEM,
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with env.rt.uow(readonly=True) as uow:
        opened = uow.conn.execute(select(func.count()).select_from(cases)).scalar_one()
        repeats = uow.conn.execute(select(cases.c.repeat_contacts)).scalar_one()
    assert opened == 1
    assert repeats == WRITERS - 1
