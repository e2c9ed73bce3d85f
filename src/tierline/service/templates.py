"""Customer message templates: the policy's own (per kind and language), else built-in ones.

Templates are Jinja2, rendered in a sandbox because they come from a policy file that an
administrator uploads. The first line of a template is the subject (``Subject: ...``); the rest
is the body. Missing variables render as empty strings rather than failing a send at 2 a.m.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import ChainableUndefined
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(
    undefined=ChainableUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)

DEFAULTS: dict[str, str] = {
    "acknowledgement": """Subject: We hear you, and we are on it
Dear {{ customer.name or "customer" }},

{{ message or "Thank you for telling us plainly how this has gone so far. You asked for someone more senior to take this on, and that is what will happen." }}

{% if commitment %}{{ commitment.by_name }} will contact you by {{ commitment.due }}.{% endif %}
If you have not heard from us by then, reply to this e-mail and it will reach the escalation desk directly.

{{ org }}
""",
    "escalation_notice": """Subject: Your case is now with {{ owner.team_label }}
Dear {{ customer.name or "customer" }},

We have passed your case "{{ case.subject }}" to {{ owner.team_label }}{% if owner.name %} ({{ owner.name }}){% endif %}, who now own it and have everything you already told us.
{% if message %}

{{ message }}
{% endif %}

You will hear from us again by {{ next_contact }}.
If you have not heard from us by then, simply reply to this e-mail; the reply goes straight to your case.

{{ org }}
""",
    "daily_update": """Subject: Update on your case
Dear {{ customer.name or "customer" }},

{{ message or "We are still working on your case. There is nothing new to report today, but it has not been forgotten: " ~ owner.team_label ~ " is on it." }}

Your next update will come by {{ next_contact }}.

{{ org }}
""",
    "resolution": """Subject: Your case is resolved
Dear {{ customer.name or "customer" }},

{{ fields.what_was_done }}

{{ fields.impact_acknowledged }}

What caused it: {{ fields.root_cause }}

{{ fields.recurrence_prevention }}
{% if fields.apology %}

{{ fields.apology }}
{% endif %}

{% if links.confirm %}If this solves it for you, please confirm: {{ links.confirm }}
If it does not, reopen your case here: {{ links.reopen }}
{% endif %}
{{ org }}
""",
    "follow_up": """Subject: Is everything still working?
Dear {{ customer.name or "customer" }},

A few days ago we resolved your case "{{ case.subject }}". We would like to make sure the fix has held and that nothing new has come up.
{% if message %}

{{ message }}
{% endif %}

{% if links.reopen %}If the problem is back, reopen your case with one click: {{ links.reopen }}
{% endif %}{% if links.rate %}How did we handle this escalation? Tell us in one click: {{ links.rate }}
{% endif %}
{{ org }}
""",
    "incident_update": """Subject: {{ incident.title }}
Dear {{ customer.name or "customer" }},

{{ message }}

Your case "{{ case.subject }}" is linked to this incident; we will keep you informed.

{{ org }}
""",
}


def template_for(templates: Mapping[str, Mapping[str, str]], kind: str, language: str) -> str:
    by_lang = templates.get(kind) or {}
    return (
        by_lang.get(language) or by_lang.get("en") or DEFAULTS.get(kind) or DEFAULTS["daily_update"]
    )


def render(source: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of a template; the subject line is optional."""
    text = _ENV.from_string(source).render(**context).strip("\n")
    subject = ""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        subject, text = first.split(":", 1)[1].strip(), rest.lstrip("\n")
    # Collapse the blank lines left by empty optional blocks.
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return subject, "\n".join(lines).strip() + "\n"
