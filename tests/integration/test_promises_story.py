"""A customer asks for a manager by e-mail, and Tierline holds the team to every promise.

Thursday 26 November 2026, 10:00 in Berlin. Hank writes to support: the export is broken
again and he wants a manager. The mail opens a case at the front line and flags his request;
nothing moves until he is acknowledged. Ten minutes later his agent acknowledges him and
commits that Cora, the escalation coordinator, will call within two hours; the
customer-initiated escalation then proceeds and Tierline sends the escalation notice itself.
Cora accepts, calls back in time, and sends a daily update on Friday. The weekend owes nothing;
Monday's update is forgotten, so Cora, who owns the next communication, is alerted after close
of business. Tuesday's update goes out, then the resolution: first refused because it says
neither how recurrence is prevented nor sorry (the root cause was our defect), then sent
complete. Thursday at the same hour the follow-up goes out by itself with a survey link; Hank
rates the escalation and confirms the resolution. Every message is a real e-mail received by a
local SMTP server, exactly once, threaded into his original mail.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tierline.mail.ingest import ingest
from tierline.store.tables import alerts, surveys
from tierline.worker.runner import Worker

from .conftest import make_env
from .mailserver import smtp_server

THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Berlin

FIRST_MAIL = b"""From: Hank Scorpio <hank@globex.example>
To: support@acme-cloud.example
Subject: Export broken AGAIN
Message-ID: <first-1@globex.example>
Date: Thu, 26 Nov 2026 10:00:00 +0100

Our monthly export stops at 10,000 rows, for the third time this quarter.
I want to speak to a manager about this.

Hank
"""


def test_a_customer_initiated_escalation_keeps_every_promise(engine) -> None:  # type: ignore[no-untyped-def]
    env = make_env(engine, start=THURSDAY)
    with smtp_server() as box:
        env.rt.settings = replace(
            env.rt.settings,
            smtp_host=box.host,
            smtp_port=box.port,
            mail_from="support@acme-cloud.example",
            secret_key="story-secret-0123456789abcdef",
            public_url="https://support.acme-cloud.example",
        )
        worker = Worker(env.rt)

        def at(hours: float) -> None:
            env.clock.set(THURSDAY + timedelta(hours=hours))
            worker.tick()

        def to_hank() -> list:  # type: ignore[type-arg]
            """Mail the customer received (staff alerts go to staff addresses)."""
            return [m for m in box.received if "hank@globex.example" in m.rcpt_tos]

        def comms() -> dict[str, str]:
            rows = env.get("cora", f"/api/cases/{cid}/communications").json()["communications"]
            return {r["clock_key"].split("#")[0]: r["status"] for r in rows}

        # Thursday 10:00: the mail opens a case; the request is flagged, nothing moves yet.
        result = ingest(env.rt, FIRST_MAIL, source="test")
        assert result.action == "opened"
        cid = result.case_id
        case = env.get("max", f"/api/cases/{cid}").json()
        assert case["team"] == "frontline" and case["state"]["pending_transfer"] is None
        owner = case["owner"]
        at(0.1)
        assert to_hank() == []

        # 10:10: acknowledged, with a commitment: Cora will call by 12:10.
        r = env.post(
            owner,
            f"/api/cases/{cid}/acknowledge",
            {
                "message": "I understand this is the third time, and I am sorry we let it happen.",
                "commitment": {
                    "by": "cora",
                    "due_at": (THURSDAY + timedelta(hours=2.17)).isoformat(),
                },
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["state"]["pending_transfer"]  # the escalation proceeds now
        at(0.2)
        subjects = [m.message["Subject"] for m in to_hank()]
        assert len(subjects) == 2  # the acknowledgement and the escalation notice
        assert all(s.startswith(f"[TL-{cid}]") for s in subjects)
        notice = to_hank()[1].message
        assert (
            "Escalations desk" in str(notice["Subject"])
            or "escalations" in str(notice["Subject"]).lower()
        )
        assert notice["In-Reply-To"] == "<first-1@globex.example>"  # threaded into his mail
        assert "reply to this e-mail" in notice.get_content()

        # 10:30: Cora accepts; 11:30 she calls back (within the commitment).
        env.clock.set(THURSDAY + timedelta(hours=0.5))
        assert env.post("cora", f"/api/cases/{cid}/accept", {}).status_code == 200
        env.clock.set(THURSDAY + timedelta(hours=1.5))
        assert (
            env.post(
                "cora",
                f"/api/cases/{cid}/communications",
                {
                    "kind": "general",
                    "subject": "Following up as promised",
                    "text": "As promised: the export job has a row limit, and we are on it.",
                },
            ).status_code
            == 201
        )
        # Friday 14:00 Berlin: the daily update.
        env.clock.set(THURSDAY + timedelta(days=1, hours=4))
        assert (
            env.post(
                "cora",
                f"/api/cases/{cid}/communications",
                {
                    "kind": "daily_update",
                    "text": "We reproduced the cut-off and are testing a fix.",
                },
            ).status_code
            == 201
        )
        at(24 + 4.1)
        assert len(to_hank()) == 4
        got = comms()
        assert got["acknowledgement"] == "met" and got["commitment"] == "met"
        assert got[f"escalation_notice:E{cid}-1"] == "met"
        assert got["daily_update:2026-11-27"] == "met"

        # The weekend owes nothing. Monday noon the case has outstayed the escalation desk's
        # time-in-tier limit: the policy moves it to engineering and Tierline sends the notice
        # itself, which is Monday's update too.
        for hour in range(0, 24 * 3 + 6, 2):  # to Monday 14:00 Berlin in two-hour steps
            at(24 + 4.1 + hour)
        got = comms()
        assert "daily_update:2026-11-28" not in got and "daily_update:2026-11-29" not in got
        assert got[f"escalation_notice:E{cid}-2"] == "met"
        assert got["daily_update:2026-11-30"] == "met"
        assert len(to_hank()) == 5
        env.clock.set(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))
        assert env.post("eli", f"/api/cases/{cid}/accept", {}).status_code == 200

        # Tuesday passes without an update: after close of business Cora, who owns the next
        # communication, is alerted.
        for hour in range(0, 30, 2):  # Monday 14:00 to Tuesday 20:00 Berlin
            env.clock.set(datetime(2026, 11, 30, 13, 0, tzinfo=UTC) + timedelta(hours=hour))
            worker.tick()
        assert comms()["daily_update:2026-12-01"] == "missed"
        with env.rt.uow(readonly=True) as uow:
            missed = uow.conn.execute(
                select(alerts.c.recipient, alerts.c.kind).where(
                    alerts.c.case_id == cid, alerts.c.kind == "communication_missed"
                )
            ).all()
        assert ("cora", "communication_missed") in [tuple(r) for r in missed]

        # Wednesday 10:00 Berlin: the resolution, first refused for missing parts.
        env.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
        parts = {
            "what_was_done": "We removed the 10,000-row limit from monthly exports.",
            "impact_acknowledged": "Your monthly reports were incomplete three times this quarter.",
            "root_cause": "An old safety limit on export size was never lifted when we grew.",
        }
        r = env.post(
            "eli",
            f"/api/cases/{cid}/resolve",
            {"summary": "Export limit removed", "root_cause": "product_defect", "message": parts},
        )
        assert r.status_code == 422
        assert [d["part"] for d in r.json()["details"] if "part" in d] == [
            "recurrence_prevention",
            "apology",
        ]
        r = env.post(
            "eli",
            f"/api/cases/{cid}/resolve",
            {
                "summary": "Export limit removed",
                "root_cause": "product_defect",
                "message": {
                    **parts,
                    "recurrence_prevention": "Exports are now tested with a million rows before "
                    "every release.",
                    "apology": "We are sorry: this was our defect, and you should not have had to "
                    "chase us three times.",
                },
            },
        )
        assert r.status_code == 200, r.text
        env.clock.set(datetime(2026, 12, 2, 9, 6, tzinfo=UTC))
        worker.tick()
        resolution = to_hank()[-1].message
        assert "resolved" in str(resolution["Subject"]).lower()
        assert "sorry" in resolution.get_content()

        # Friday 4 December 10:00 (48 h later): the follow-up goes out by itself.
        env.clock.set(datetime(2026, 12, 4, 8, 59, tzinfo=UTC))
        worker.tick()
        before = len(to_hank())
        env.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
        worker.tick()
        assert len(to_hank()) == before + 1
        follow_up = to_hank()[-1].message.get_content()
        assert comms()[next(k for k in comms() if k.startswith("follow_up"))] == "met"
        rate = re.search(
            r"https://support\.acme-cloud\.example(/c/\S+)", follow_up.split("How did we handle")[1]
        ).group(1)

        # Hank rates the escalation from the link, and it is stored apart from any overall CSAT.
        page = env.client.get(rate)
        assert page.status_code == 200
        r = env.client.post(
            rate,
            content=b"rating=5&comment=Cora+saved+the+day",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200
        with env.rt.uow(readonly=True) as uow:
            rows = uow.conn.execute(
                select(surveys.c.rating, surveys.c.kind).where(surveys.c.case_id == cid)
            ).all()
        assert [tuple(x) for x in rows] == [(5, "post_escalation")]
        assert env.client.post(
            rate, content=b"rating=1", headers={"content-type": "application/x-www-form-urlencoded"}
        ).status_code in (409, 410)  # single use

        ids = box.message_ids()
        assert len(ids) == len(set(ids)), "an e-mail was sent twice"
        # acknowledgement, notice, call-back, Friday's update, the second notice, resolution,
        # follow-up
        assert len(to_hank()) == 7
