"""The command line as an administrator uses it, in a fresh folder (SQLite file in the cwd)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tierline.policy import example_path


def tierline(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tierline.cli.main", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    r = tierline(tmp_path, "init")
    assert r.returncode == 0, r.stderr
    assert "admin token (shown once): tl_" in r.stdout
    assert (tmp_path / "tierline.db").exists()  # the default store is a file in the cwd
    return tmp_path


def test_init_user_add_and_a_second_init_keep_the_data(folder: Path) -> None:
    r = tierline(
        folder, "user", "add", "--name", "Ana Agent", "--role", "agent", "--team", "frontline"
    )
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("tl_") and len(token) > 20
    r = tierline(folder, "user", "add", "--name", "X", "--role", "wizard")
    assert r.returncode == 1 and "unknown role 'wizard'" in r.stderr
    r = tierline(folder, "init")  # idempotent: no new admin, same data
    assert r.returncode == 0 and "admin token" not in r.stdout
    assert "ana.agent" in tierline(folder, "user", "list").stdout
    bank = str(example_path("retail_bank"))
    r = tierline(folder, "init", "--policy", bank)
    assert r.returncode == 0 and "is active" in r.stdout


def test_audit_verify_detects_edited_and_deleted_events(folder: Path) -> None:
    r = tierline(
        folder, "demo", "--no-serve", "--cases", "12", "--days", "3", "--database", "tierline.db"
    )
    assert r.returncode == 0, r.stderr
    assert "ana" in r.stdout and "tl_" in r.stdout
    ok = tierline(folder, "audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "every chain intact" in ok.stdout

    db = sqlite3.connect(folder / "tierline.db")
    db.execute(
        "UPDATE events SET data = json_set(data, '$.subject', 'tampered') "
        "WHERE case_id = 1 AND seq = 1"
    )
    db.execute("DELETE FROM events WHERE case_id = 2 AND seq = 2")
    db.commit()
    db.close()
    bad = tierline(folder, "audit", "verify")
    assert bad.returncode == 1
    assert "case 1 event 1: content does not match its hash: the row was edited" in bad.stdout
    assert "case 2 event 3: expected event 2: an event is missing" in bad.stdout


def test_worker_refuses_an_uninitialised_folder(tmp_path: Path) -> None:
    r = tierline(tmp_path, "worker", "--once")
    assert r.returncode == 1 and "run 'tierline init' first" in r.stderr


def test_policy_explain_via_the_installed_command(folder: Path) -> None:
    r = tierline(
        folder,
        "policy",
        "explain",
        str(example_path("saas_support")),
        "--contact-type",
        "billing_dispute",
        "--severity",
        "S2",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert '"tier": "T1"' in r.stdout
