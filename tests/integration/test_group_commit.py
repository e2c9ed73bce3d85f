"""PostgreSQL: deferred units of work committing at the same moment in one process go as one
statement (store/group_commit.py); every part is stored as if sent alone, and a part that
fails fails alone, in its own thread.

The tests hold the first statement on the wire (``send_alone`` waits on a gate) until the
others have queued behind it, so that what is merged does not depend on timing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, insert

from tierline.service import case_opening
from tierline.service.case_opening import OpenCase
from tierline.service.errors import Conflict
from tierline.service.people import authenticate
from tierline.store import group_commit
from tierline.store import one_statement as gathered
from tierline.store.driver_rows import insert_rows
from tierline.store.one_statement import StaleRow
from tierline.store.uow import UnitOfWork

from .conftest import Env, pg_engine
from .test_case_preparation import normalised, stored
from .test_driver_rows import _fresh, _parent, _read, _row_values, children, parents
from .test_unread_opening import plain


@pytest.fixture
def pg_tables(pg_schema: str) -> Iterator[Engine]:
    engine = pg_engine(pg_schema, pool_size=8)  # eleven threads hold a connection each
    yield from _fresh(engine)
    engine.dispose()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[list[Any]], threading.Event]]:
    """Each statement's parent ids, as sent; the first waits for the gate."""
    statements: list[list[Any]] = []
    gate = threading.Event()
    real = gathered.send_alone

    def send(conn: Any, batch: list[Any], expected: list[Any]) -> None:
        ids = sorted(row[0] for table, _, rows in batch for row in rows if table == "cases")
        ids += sorted(row[0] for table, _, rows in batch for row in rows if table == parents.name)
        statements.append(ids)
        if len(statements) == 1:
            assert gate.wait(20), "the test never opened the gate"
        real(conn, batch, expected)

    monkeypatch.setattr(gathered, "send_alone", send)
    yield statements, gate
    gate.set()


def _together(
    engine: Engine, first: Callable[[], None], others: list[Callable[[], None]], gate: Any
) -> list[BaseException | None]:
    """``first`` on the wire, ``others`` queued behind it, then the gate opens; each one's
    error (None if it committed)."""
    errors: list[BaseException | None] = [None] * (1 + len(others))

    def run(i: int, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as e:
            errors[i] = e

    line = group_commit._line(engine)
    threads = [threading.Thread(target=run, args=(0, first))]
    threads[0].start()
    _until(lambda: line.busy)
    for i, work in enumerate(others, 1):
        threads.append(threading.Thread(target=run, args=(i, work)))
        threads[-1].start()
    _until(lambda: len(line.queue) == len(others))
    gate.set()
    for t in threads:
        t.join(30)
    assert not line.busy and not line.queue
    return errors


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _insert(engine: Engine, i: int, seen: dict[str, Any] | None = None) -> Callable[[], None]:
    def work() -> None:
        with UnitOfWork(engine, deferred=True) as uow:
            if seen is not None:
                uow.expect_row(parents.name, "id", 1, seen)
            with uow.one_statement():
                insert_rows(uow.conn, parents, [_parent(i)], copy=False)
                insert_rows(uow.conn, children, [{"parent_id": i, "seq": 1}], copy=False)
            uow.commit()

    return work


def test_statements_committed_together_go_as_one(pg_tables: Engine, sent: Any) -> None:
    statements, gate = sent
    others = [_insert(pg_tables, i) for i in range(11, 21)]
    errors = _together(pg_tables, _insert(pg_tables, 10), others, gate)
    assert errors == [None] * 11
    # The first alone; the ten queued behind it merged, at most MAX_PARTS to a statement.
    assert [len(s) for s in statements] == [1, group_commit.MAX_PARTS, 10 - group_commit.MAX_PARTS]
    assert group_commit.totals(pg_tables) == {"statements": 3, "parts": 11, "refused": 0}
    assert sorted(i for s in statements for i in s) == list(range(10, 21))
    parents_read, children_read = _read(pg_tables)
    assert [p["id"] for p in parents_read] == list(range(10, 21))
    assert sorted(c["parent_id"] for c in children_read) == list(range(10, 21))


def test_a_part_refused_in_a_merged_statement_fails_alone(pg_tables: Engine, sent: Any) -> None:
    statements, gate = sent
    with pg_tables.begin() as conn:
        conn.execute(insert(parents), [_parent(13)])  # one part will repeat this key
    others = [_insert(pg_tables, i) for i in (11, 12, 13, 14)]
    errors = _together(pg_tables, _insert(pg_tables, 10), others, gate)
    assert [type(e) for e in errors] == [type(None)] * 3 + [type(errors[3])] + [type(None)]
    assert isinstance(errors[3].__cause__ or errors[3], psycopg.errors.UniqueViolation)
    # Merged, refused as a whole, then each part again by itself.
    assert statements[:2] == [[10], [11, 12, 13, 14]]
    # (the parts sent again alone after the refusal go around the line)
    assert group_commit.totals(pg_tables) == {"statements": 2, "parts": 5, "refused": 1}
    assert sorted(map(tuple, statements[2:])) == [(11,), (12,), (13,), (14,)]
    parents_read, children_read = _read(pg_tables)
    assert [p["id"] for p in parents_read] == [10, 11, 12, 13, 14]
    assert sorted(c["parent_id"] for c in children_read) == [10, 11, 12, 14]


def test_a_stale_part_in_a_merged_statement_is_refused_alone(pg_tables: Engine, sent: Any) -> None:
    statements, gate = sent
    with pg_tables.begin() as conn:
        conn.execute(insert(parents), [_parent(1)])
    seen = _row_values(pg_tables, 1)
    stale = seen | {"name": "not what is stored"}
    others = [_insert(pg_tables, 11, seen), _insert(pg_tables, 12, stale), _insert(pg_tables, 13)]
    errors = _together(pg_tables, _insert(pg_tables, 10), others, gate)
    assert errors[:2] == [None, None] and errors[3:] == [None]
    assert isinstance(errors[2], StaleRow)
    assert len(statements) == 2 + 3
    assert [p["id"] for p in _read(pg_tables)[0]] == [1, 10, 11, 13]


@pytest.fixture
def env(pg_env: Env) -> Env:
    return pg_env


def test_cases_opened_together_are_stored_as_if_opened_one_by_one(
    env: Env, sent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New cases of a remembered account, opened by four threads at once, in one statement
    for the last three: each stored as the same story opened alone stores it."""
    statements, gate = sent
    stories: list[dict[str, Any]] = [
        {"subject": "Export fails"},
        {"severity": "S2", "product_area": "reports", "affected_customers": 3},
        {"contact_type": "how_to", "subject": "Where is the export button?"},
        {"severity": "S3", "channel": "chat"},
    ]
    gate.set()  # (held only for the openings together below)
    plain(env, "acme")
    plain(env, "acme")  # remembered: its cases are opened without reading
    alone = [plain(env, "acme", **story) for story in stories]
    expected = [normalised(stored(env, out), out["id"], "acme") for out in alone]
    gate.clear()
    statements.clear()
    results: list[dict[str, Any]] = [{} for _ in stories]

    def opening(n: int) -> Callable[[], None]:
        def work() -> None:
            results[n] = plain(env, "acme", **stories[n])

        return work

    errors = _together(env.rt.engine, opening(0), [opening(n) for n in (1, 2, 3)], gate)
    assert errors == [None] * 4
    assert [len(s) for s in statements] == [1, 3]
    got = [normalised(stored(env, out), out["id"], "acme") for out in results]
    assert got == expected
    with env.rt.uow(readonly=True) as uow:
        assert list(uow.events.verify()) == []


def test_threads_opening_at_once_store_each_reference_once(env: Env) -> None:
    """No gate: six threads open 48 cases at once, 18 of them reusing a reference another
    sent. However the statements merged, each reference is stored once and every other
    contact claiming it is refused naming that case; the chains verify."""
    actor = authenticate(env.rt, env.tokens["ana"])
    plain(env, "acme")
    plain(env, "acme")  # remembered: the openings below read nothing
    refs = [f"ZD-{i % 30}" for i in range(48)]
    outcome: dict[int, int | Conflict] = {}

    def work(chunk: range) -> None:
        for i in chunk:
            cmd = OpenCase(
                contact_type="bug_report",
                subject=f"contact {i}",
                account_id="acme",
                external_ref=refs[i],
                new_case=True,
            )
            try:
                outcome[i] = int(case_opening.open_case(env.rt, cmd, actor).row["id"])
            except Conflict as refused:
                outcome[i] = refused

    threads = [threading.Thread(target=work, args=(range(k, 48, 6),)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcome) == 48
    holder: dict[str, int] = {}
    for i, got in outcome.items():
        if isinstance(got, int):
            assert refs[i] not in holder, f"{refs[i]} stored twice"
            holder[refs[i]] = got
    assert sorted(holder) == sorted(set(refs))
    for i, got in outcome.items():
        if isinstance(got, Conflict):
            assert got.details[0]["case_id"] == holder[refs[i]]
    with env.rt.uow(readonly=True) as uow:
        assert uow.cases.with_external_ref("api", "ZD-7") == holder["ZD-7"]
        assert list(uow.events.verify()) == []
    metrics = env.client.get("/metrics").text  # what this process's line sent, merged or not
    sent = {
        name: float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("tierline_new_case_statement")
        for name in [line.split()[0]]
    }
    parts = sent["tierline_new_case_statement_parts_total"]
    assert parts >= 48  # each of the 48 openings went through the line once, merged or not
    assert sent["tierline_new_case_statements_total"] <= parts
    assert "tierline_new_case_statements_refused_total" in sent
