"""Replay and what-if through the API, on SQLite and PostgreSQL: the same report as the CLI,
stored for later, bounded, and only for those allowed to read reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tierline.store.tables import replay_runs

from ..unit.importer.helpers import MAPPING, row, write_log
from ..unit.replay.helpers import POLICY
from .conftest import Env

ROWS = [
    row("A", "New", "1/3/2016 09:00", 0),
    row("A", "Resolved", "4/3/2016 09:00", 1),
    row("B", "New", "2/3/2016 09:00", 0, group="L2 net", opened="2/3/2016 09:00"),
    row("B", "Resolved", "2/3/2016 10:00", 1, group="L2 net", opened="2/3/2016 09:00"),
]


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    write_log(folder, ROWS, name="desk")
    (folder / "desk.yaml").write_text(MAPPING)
    monkeypatch.setenv("TIERLINE_REPLAY_DIR", str(folder))
    return folder


def test_replay_returns_and_stores_the_report(env: Env, logs: Path) -> None:
    body = {"policy": {"yaml": POLICY}, "log_path": "desk.csv", "mapping_path": "desk.yaml"}
    r = env.post("cora", "/api/replay", body)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["policy"]["name"] == "replay_test"
    assert report["log"]["rows"] == 4 and report["log"]["cases"] == 2
    assert report["escalations"]["by_type"] == {"tier": 1, "sla": 1}
    assert report["breaches"]["by_clock"] == {"resolution": 1}
    with env.rt.uow(readonly=True) as uow:
        stored = uow.conn.execute(select(replay_runs)).mappings().one()
    assert stored["id"] == report["run_id"] and stored["kind"] == "replay"
    assert stored["report"]["escalations"] == report["escalations"]
    assert stored["created_by"] == "cora" and stored["events"] == 4


def test_tier_agreement_and_mapping_text(env: Env, logs: Path) -> None:
    body = {
        "policy": {"yaml": POLICY},
        "log_path": "desk.csv",
        "mapping_yaml": MAPPING,
        "agreement": "tiers",
        "store": False,
    }
    r = env.post("cora", "/api/replay", body)
    assert r.status_code == 200, r.text
    report = r.json()
    assert "run_id" not in report
    assert report["agreement"]["kind"] == "tiers"
    assert report["agreement"]["opened_at_first_line"] == 1


def test_simulate_compares_a_candidate_with_the_active_policy(env: Env, logs: Path) -> None:
    slower = POLICY.replace("max_time_in_tier: 4h", "max_time_in_tier: 30d")
    body = {
        "baseline": {"yaml": POLICY},
        "candidate": {"yaml": slower},
        "log_path": "desk.csv",
        "mapping_path": "desk.yaml",
    }
    r = env.post("cora", "/api/simulate", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["difference"]["escalations_by_type"]["tier"]["change"] == -1
    assert out["chart_svg"].startswith("<svg")
    # the active policy (the SaaS example) by default: its tiers are not the log's, it says so
    r = env.post("cora", "/api/simulate", {**body, "baseline": {"version": "active"}})
    assert r.status_code == 200, r.text
    assert any("tier 'L1' is not a tier" in w for w in r.json()["baseline"]["warnings"])


def test_refusals(env: Env, logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"policy": {"yaml": POLICY}, "log_path": "desk.csv", "mapping_path": "desk.yaml"}
    r = env.post("ana", "/api/replay", body)  # an agent may not read reports
    assert r.status_code == 403, r.text
    r = env.post("cora", "/api/replay", {**body, "log_path": "../outside.csv"})
    assert r.status_code == 422 and "outside the replay folder" in r.json()["message"]
    r = env.post("cora", "/api/replay", {**body, "log_path": "nope.csv"})
    assert r.status_code == 404
    r = env.post("cora", "/api/replay", {**body, "mapping_path": None})
    assert r.status_code == 422 and "no mapping" in r.json()["message"]
    r = env.post("cora", "/api/replay", {**body, "mapping_path": None, "mapping_yaml": "name: x"})
    assert r.status_code == 422 and r.json()["details"][0]["path"] == "case"
    r = env.post("cora", "/api/replay", {**body, "policy": {"yaml": "name: broken"}})
    assert r.status_code == 422 and r.json()["details"]
    r = env.post("cora", "/api/replay", {**body, "policy": {"version": "pv-0000"}})
    assert r.status_code == 404
    monkeypatch.setenv("TIERLINE_REPLAY_MAX_EVENTS", "3")
    r = env.post("cora", "/api/replay", body)
    assert r.status_code == 413 and "more than 3 events" in r.json()["message"]
    monkeypatch.delenv("TIERLINE_REPLAY_DIR")
    r = env.post("cora", "/api/replay", body)
    assert r.status_code == 422 and "TIERLINE_REPLAY_DIR is not set" in r.json()["message"]
