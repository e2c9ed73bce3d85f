"""``tierline policy check / due / explain / diff`` through Typer's runner (and once for real)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.policy.policy_helpers import edit
from tierline.domain.routing import explain
from tierline.domain.vocabulary import AccountValue, Channel, Severity
from tierline.policy import example_path, load_policy

REPO = Path(__file__).resolve().parents[3]
SAAS = str(example_path("saas_support"))
BANK = str(example_path("retail_bank"))
Run = Callable[..., Any]


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- check


def test_check_valid_files(cli: Run) -> None:
    result = cli("policy", "check", SAAS, BANK)
    assert result.exit_code == 0
    saas, bank = load_policy(SAAS).version, load_policy(BANK).version
    assert result.stdout.splitlines() == [
        f"{SAAS}: ok (version {saas})",
        f"{BANK}: ok (version {bank})",
    ]


def test_check_prints_every_problem_of_every_file(cli: Run, tmp_path: Path, saas_text: str) -> None:
    broken = edit(saas_text, "timezone: Europe/Berlin", "timezone: Europe/Paris ")
    broken = edit(
        broken, "    lead_role: security_lead", "    lead_role: security_lead\n    tier: T3"
    )
    broken = edit(broken, "credit: 50,", "credit: lots,")
    bad = write(tmp_path, "bad.yaml", broken)
    missing = str(tmp_path / "missing.yaml")
    result = cli("policy", "check", SAAS, bad, missing)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{SAAS}: ok (version pv-")
    problems = lines[1:]
    assert any(
        f"{bad}:" in p and "teams.security.tier: key 'tier' appears twice" in p for p in problems
    )
    assert any("roles.agent.limits.credit: 'lots' is not an amount" in p for p in problems)
    assert problems[-1] == (
        f"{missing}:1:1: (file): no such file; expected the path of a YAML policy file"
    )
    for p in problems:
        file, line, col, rest = p.split(":", 3)
        assert file in (bad, missing) and int(line) >= 1 and int(col) >= 1 and ": " in rest
    assert "2 of 3 files invalid" in result.stderr


def test_check_of_hostile_files_never_prints_a_traceback(cli: Run, tmp_path: Path) -> None:
    files = [
        write(tmp_path, "empty.yaml", ""),
        write(tmp_path, "list.yaml", "- 1\n"),
        write(tmp_path, "syntax.yaml", "a: [\n"),
        write(
            tmp_path,
            "bomb.yaml",
            "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
            + "".join(
                f"{x}: &{x} [{', '.join(['*' + p] * 10)}]\n"
                for p, x in zip("abcdefg", "bcdefgh", strict=True)
            ),
        ),
    ]
    (tmp_path / "bin.yaml").write_bytes(bytes(range(256)))
    files += [str(tmp_path / "bin.yaml"), str(tmp_path)]
    result = cli("policy", "check", *files)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.stdout.splitlines()) == len(files)


def test_check_without_files_is_a_usage_error(cli: Run) -> None:
    assert cli("policy", "check").exit_code == 2


# --------------------------------------------------------------------------- due


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "due"),
    [
        ("emea_support", "2026-12-23T17:30:00+01:00", "2h", "2026-12-28T09:30:00+01:00"),
        ("emea_support", "2026-03-03T11:00:00Z", "1h", "2026-03-03T14:00:00+01:00"),
        ("americas_support", "2026-07-02T17:00:00-04:00", "2h", "2026-07-06T09:00:00-04:00"),
        ("around_the_clock", "2026-03-29T00:30:00+01:00", "2h", "2026-03-29T01:30:00+00:00"),
        ("24x7", "2026-03-03T10:00:00+01:00", "1d", "2026-03-04T09:00:00+00:00"),
    ],
)
def test_due(cli: Run, calendar: str, start: str, duration: str, due: str) -> None:
    result = cli(
        "policy", "due", SAAS, "--calendar", calendar, "--start", start, "--duration", duration
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == due + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--calendar", "emea_support", "--start", "2026-03-03T10:00:00", "--duration", "1h"),
            "has no UTC offset; expected an offset",
        ),
        (
            ("--calendar", "emea_support", "--start", "yesterday", "--duration", "1h"),
            "is not an ISO 8601 instant",
        ),
        (
            ("--calendar", "emea_support", "--start", "2026-03-03T10:00:00Z", "--duration", "-1h"),
            "'-1h' is negative",
        ),
        (
            ("--calendar", "mars", "--start", "2026-03-03T10:00:00Z", "--duration", "1h"),
            "unknown calendar 'mars'; expected one of: americas_support, around_the_clock, "
            "emea_support, 24x7",
        ),
    ],
)
def test_due_errors(cli: Run, args: tuple[str, ...], message: str) -> None:
    result = cli("policy", "due", SAAS, *args)
    assert result.exit_code == 1
    assert message in result.stderr and not result.stdout


def test_due_needs_start_and_duration_without_batch(cli: Run) -> None:
    assert cli("policy", "due", SAAS, "--calendar", "24x7").exit_code == 2


def test_due_batch_answers_every_line_in_order(cli: Run) -> None:
    lines = [
        {"start": "2026-12-23T17:30:00+01:00", "duration": "2h"},
        "not json",
        {"start": "2026-12-23T17:30:00", "duration": "2h"},
        {"start": "2026-12-23T17:30:00+01:00", "duration": "-2h"},
        [1, 2],
        {"start": "2026-12-23T17:30:00+01:00"},
        {"start": "2026-03-03T10:00:00Z", "duration": 3600, "calendar": "24x7"},
        "",
        {"start": "2026-03-03T10:00:00Z", "duration": "1h", "calendar": "nowhere"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    result = cli("policy", "due", SAAS, "--calendar", "emea_support", "--batch", input=stdin)
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert len(out) == len(lines)
    assert out[0] == "2026-12-28T09:30:00+01:00"
    assert out[1].startswith("error: line 2: not JSON")
    assert out[2].startswith("error: line 3: '2026-12-23T17:30:00' has no UTC offset")
    assert out[3] == "error: line 4: '-2h' is negative; durations must be zero or more"
    assert out[4].startswith("error: line 5: not a JSON object")
    assert out[5].startswith("error: line 6: 'start' or 'duration' is missing")
    assert out[6] == "2026-03-03T11:00:00+00:00"
    assert out[7].startswith("error: line 8: not JSON")
    assert out[8].startswith("error: line 9: unknown calendar 'nowhere'")


def test_due_batch_with_good_lines_exits_zero(cli: Run) -> None:
    stdin = "".join(
        json.dumps({"start": f"2026-03-0{d}T09:00:00+01:00", "duration": f"{d}h"}) + "\n"
        for d in range(2, 7)
    )
    result = cli("policy", "due", BANK, "--calendar", "back_office", "--batch", input=stdin)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "2026-03-02T11:00:00+00:00",
        "2026-03-03T12:00:00+00:00",
        "2026-03-04T13:00:00+00:00",
        "2026-03-05T14:00:00+00:00",
        "2026-03-06T15:00:00+00:00",
    ]


def test_due_on_an_invalid_policy_lists_its_problems(
    cli: Run, tmp_path: Path, saas_text: str
) -> None:
    bad = write(tmp_path, "bad.yaml", edit(saas_text, "timezone: UTC", "timezone: Nowhere"))
    result = cli(
        "policy",
        "due",
        bad,
        "--calendar",
        "24x7",
        "--start",
        "2026-03-03T10:00:00Z",
        "--duration",
        "1h",
    )
    assert result.exit_code == 1
    assert "calendars.around_the_clock.timezone: unknown time zone 'Nowhere'" in result.stderr


# --------------------------------------------------------------------------- explain


def test_explain_json_is_the_domain_answer(cli: Run) -> None:
    result = cli(
        "policy",
        "explain",
        BANK,
        "--contact-type",
        "complaint",
        "--severity",
        "s3",
        "--channel",
        "social",
        "--json",
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    policy = load_policy(BANK).policy
    assert data == explain(policy, "complaint", Severity.S3, Channel.SOCIAL).to_data()
    assert (
        data["team"] == "complaints" and data["regulatory_obligation"] == "fca_summary_resolution"
    )
    assert any(c["clock"] == "regulatory" for c in data["clocks"])
    assert any(w.startswith("routing complaints_on_social_media (line ") for w in data["why"])


def test_explain_for_humans_says_who_how_fast_and_why(cli: Run) -> None:
    result = cli(
        "policy",
        "explain",
        SAAS,
        "--contact-type",
        "outage",
        "--severity",
        "S1",
        "--account-value",
        "vip",
    )
    assert result.exit_code == 0
    out = result.stdout
    line = load_policy(SAAS).source_text.splitlines().index("  - id: major_outages") + 1
    for fragment in (
        "team on_call_engineering at tier T3",
        "Escalation type: incident",
        "Priority: P1",
        "first_response",
        "30m calendar",
        "key_accounts (account_value)",
        f"routing major_outages (line {line})",
    ):
        assert fragment in out, fragment


def test_explain_a_situation(cli: Run) -> None:
    result = cli(
        "policy",
        "explain",
        SAAS,
        "--contact-type",
        "data_export",
        "--situation",
        "regulatory",
        "--json",
    )
    data = json.loads(result.stdout)
    assert data["team"] == "privacy_office"
    assert data["regulatory_obligation"] == "gdpr_data_subject_request"
    policy = load_policy(SAAS).policy
    expected = explain(policy, "data_export", None, None, AccountValue.STANDARD, "regulatory")
    assert data == expected.to_data()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--contact-type", "teleport"), 1, "unknown contact type 'teleport'; expected one of:"),
        (("--contact-type", "outage", "--situation", "alien"), 1, "unknown situation 'alien'"),
        (("--contact-type", "outage", "--severity", "S9"), 2, ""),
        (("--contact-type", "outage", "--channel", "pigeon"), 2, ""),
    ],
)
def test_explain_errors(cli: Run, args: tuple[str, ...], code: int, message: str) -> None:
    result = cli("policy", "explain", SAAS, *args)
    assert result.exit_code == code
    assert message in result.stderr


# --------------------------------------------------------------------------- diff


def test_diff_of_identical_policies(cli: Run) -> None:
    result = cli("policy", "diff", SAAS, SAAS)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "no differences"


def test_diff_lists_changes_by_path(cli: Run, tmp_path: Path, saas_text: str) -> None:
    text = edit(saas_text, "T1: {first_response: 1h,", "T1: {first_response: 30m,")
    text = edit(
        text,
        "  qa_reviewer:\n    label: Quality reviewer\n    rank: 15\n"
        "    permissions: [case.read_all, report.read]\n",
        "",
    )
    text = edit(
        text,
        "  - id: everything_else\n",
        "  - id: how_to_self_service\n    contact_types: [how_to]\n"
        "    route_to: {tier: T1}\n  - id: everything_else\n",
    )
    new = write(tmp_path, "new.yaml", text)
    result = cli("policy", "diff", SAAS, new)
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    assert out[0].startswith(f"{SAAS} (pv-") and f"→ {new} (pv-" in out[0]
    assert "~ severities.S2.targets.T1.first_response.duration: 1h → 30m" in out
    assert any(line.startswith("- roles.qa_reviewer: {") for line in out)
    assert any(line.startswith("+ routing[how_to_self_service]: {") for line in out)
    assert out[-1] == "3 changes"
    data = json.loads(cli("policy", "diff", SAAS, new, "--json").stdout)
    assert {c["kind"] for c in data["changes"]} == {"changed", "removed", "added"}


def test_diff_reports_a_reordered_routing_matrix(cli: Run, tmp_path: Path, saas_text: str) -> None:
    rows = (
        "  - id: data_exports\n    contact_types: [data_export]\n"
        "    route_to: {team: product_specialists}\n"
    )
    moved = edit(saas_text, rows, "")
    moved = edit(moved, "  - id: manager_requests\n", rows + "  - id: manager_requests\n")
    result = cli("policy", "diff", SAAS, write(tmp_path, "moved.yaml", moved))
    (change,) = [line for line in result.stdout.splitlines() if line.startswith("~ ")]
    assert change.startswith('~ routing: ["security_incidents"')
    assert (
        '"data_exports", "cancellations"' in change and '"cancellations", "data_exports"' in change
    )


def test_diff_of_an_invalid_policy_fails(cli: Run, tmp_path: Path) -> None:
    result = cli("policy", "diff", SAAS, write(tmp_path, "bad.yaml", "name: [\n"))
    assert result.exit_code == 1 and "YAML syntax error" in result.stderr


# --------------------------------------------------------------------------- the installed command


def test_tierline_check_from_the_repository_root() -> None:
    files = sorted(str(p.relative_to(REPO)) for p in (REPO / "examples").glob("*.yaml"))
    assert files == ["examples/retail_bank.yaml", "examples/saas_support.yaml"]
    done = subprocess.run(
        [sys.executable, "-m", "tierline.cli.main", "policy", "check", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == files
