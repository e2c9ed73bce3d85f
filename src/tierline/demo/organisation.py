"""The demo organisation: people of the SaaS example policy's teams, and their customers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from tierline.domain.case import Account
from tierline.domain.vocabulary import AccountValue, Segment

#: handle, name, role, team, skills — the users the demo prints tokens for come first.
PEOPLE: list[tuple[str, str, str, str | None, tuple[str, ...]]] = [
    ("ana", "Ana Lindqvist", "agent", "frontline", ("general", "billing_basics")),
    ("ben", "Ben Okafor", "senior_agent", "product_specialists", ("integrations", "reporting")),
    ("sue", "Sue Marchetti", "supervisor", "frontline", ()),
    ("fay", "Fay Nakamura", "senior_agent", "billing", ("invoicing", "refunds")),
    ("cora", "Cora Jansen", "coordinator", "escalations_desk", ("de_escalation",)),
    ("max", "Max Brenner", "support_manager", "escalations_desk", ()),
    ("tom", "Tom Becker", "agent", "frontline", ("general", "german")),
    ("ida", "Ida Rossi", "agent", "frontline", ("general", "billing_basics")),
    ("lou", "Lou Garcia", "agent", "frontline_americas", ("general", "spanish")),
    ("kim", "Kim Park", "agent", "frontline_americas", ("general",)),
    ("raj", "Raj Mehta", "supervisor", "frontline_americas", ()),
    ("pia", "Pia Schulz", "senior_agent", "product_specialists", ("sso", "api")),
    ("olu", "Olu Adeyemi", "senior_agent", "product_specialists", ("reporting",)),
    ("eli", "Eli Novak", "engineer", "engineering", ("backend",)),
    ("zoe", "Zoe Laurent", "engineer", "engineering", ("frontend", "data")),
    ("gus", "Gus Lind", "engineering_manager", "engineering", ()),
    ("sam", "Sam Ito", "engineer", "on_call_engineering", ("incident_command",)),
    ("val", "Val Moreau", "security_analyst", "security", ("incident_response",)),
    ("nia", "Nia Clarke", "account_manager", "customer_success", ("renewals",)),
    ("dan", "Dan Weiss", "coordinator", "escalations_desk", ("executive_communication",)),
    ("pat", "Pat Kowalski", "senior_agent", "privacy_office", ("gdpr",)),
    ("quinn", "Quinn Harper", "qa_reviewer", None, ()),
    ("dora", "Dora Steiner", "director", None, ()),
]

_NAMES = (
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Analytics",
    "Hooli",
    "Vandelay Imports",
    "Soylent Foods",
    "Tyrell Systems",
    "Cyberdyne",
    "Wonka Retail",
    "Acme Freight",
    "Massive Dynamic",
    "Gringotts Finance",
    "Oscorp Labs",
    "Nakatomi Trading",
    "Pied Piper",
    "Aperture Science",
    "Black Mesa",
    "Monarch Media",
    "Prestige Worldwide",
    "Sterling Cooper",
    "Dunder Mifflin",
    "Bluth Homes",
    "Krusty Foods",
    "Blue Sun",
    "Zorg Industries",
    "Virtucon",
    "Gekko Partners",
    "Duff Beverages",
    "Ollivanders",
    "Spacely Sprockets",
    "Cogswell Cogs",
    "Buy n Large",
    "InGen",
    "Rekall",
    "Omni Consumer",
    "Weyland Yutani",
    "Strickland Propane",
    "Los Pollos",
    "Mooby Foods",
    "Paper Street",
    "Sabini Arts",
)


def accounts(rng: random.Random, today: date) -> list[Account]:
    out = []
    for name in _NAMES:
        segment = rng.choices([Segment.SMB, Segment.MID_MARKET, Segment.ENTERPRISE], [5, 3, 2])[0]
        value = AccountValue.STANDARD
        if segment is Segment.ENTERPRISE:
            value = rng.choice([AccountValue.VIP, AccountValue.STRATEGIC, AccountValue.STANDARD])
        elif rng.random() < 0.1:
            value = AccountValue.VIP
        since = today - timedelta(days=rng.choice([30, 60, 75, 200, 400, 800, 1500]))
        out.append(
            Account(
                id=name.lower().replace(" ", "-"),
                name=name,
                segment=segment,
                value=value,
                industry=rng.choice(
                    ["retail", "logistics", "health", "finance", "media", "software"]
                ),
                region=rng.choice(["EMEA", "EMEA", "AMER"]),
                customer_since=since,
                renewal_date=today + timedelta(days=rng.randint(10, 360)),
                account_manager="nia" if value is not AccountValue.STANDARD else None,
            )
        )
    return out
