"""Outputs: the text table, CSV rows, the what-if difference and its SVG chart."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from tierline.replay.chart import workload_svg
from tierline.replay.render import report_csv, report_text, simulate_text
from tierline.replay.runner import replay_policy, simulate

from .helpers import log_of, policy, row

ROWS = [
    row("A", "New", "1/3/2016 09:00", 0),
    row("A", "Resolved", "4/3/2016 09:00", 1),
    row("B", "New", "2/3/2016 09:00", 0, group="L2 net", opened="2/3/2016 09:00"),
    row("B", "Resolved", "5/3/2016 09:00", 1, group="L2 net", opened="2/3/2016 09:00"),
]


def test_the_text_report_names_every_section(tmp_path: Path) -> None:
    _, report = replay_policy(policy(), log_of(tmp_path, ROWS))
    text = report_text(report)
    for heading in (
        "The record",
        "What the policy would have done",
        "Workload",
        "escalations 3 in 2 cases",
    ):
        assert heading in text, heading


def test_csv_holds_every_figure_and_the_daily_series(tmp_path: Path) -> None:
    _, report = replay_policy(policy(), log_of(tmp_path, ROWS))
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0] == ["section", "name", "key", "value"]
    assert ["escalations", "total", "", "3"] in rows
    assert ["escalations.by_tier", "L2", "", "2"] in rows
    series = [r for r in rows if r[0] == "workload.policy.by_tier"]
    assert ["workload.policy.by_tier", "L3", "2016-03-02", "1"] in series


def test_what_if_difference_and_chart(tmp_path: Path) -> None:
    baseline = policy()
    candidate = policy(**{"max_time_in_tier: 4h": "max_time_in_tier: 30d"})  # no early moves
    out = simulate(baseline, candidate, log_of(tmp_path, ROWS))
    diff = out["difference"]
    assert diff["escalations_by_type"]["tier"] == {
        "baseline": 1,
        "candidate": 0,
        "change": -1,
        "change_percent": -100.0,
    }
    assert diff["breaches"]["change"] == 0  # the same targets
    text = simulate_text(out)
    assert "escalations_by_type" in text and "baseline" in text
    svg = workload_svg(out["baseline"], out["candidate"], "A & B")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert len(lines) >= 3  # L2 and L3 for the baseline, L2 for the candidate at least
    for line in lines:
        for point in line.attrib["points"].split():
            x, y = (float(v) for v in point.split(","))
            assert 0 <= x <= 960 and 0 <= y <= 420
    assert "A &amp; B" in svg
