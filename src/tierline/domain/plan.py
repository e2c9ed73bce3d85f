"""Frozen plans: the part of the policy that governs a running case, copied with its version.

When a case enters escalation, the service freezes a plan from the active policy and stores it
with the case. Clocks and escalation levels are computed from the plan, never from the live
policy, so activating a new policy version (or deleting the old one) cannot move a running case's
deadlines or change who gets paged at its breach. This is Grafana OnCall's escalation snapshot.

The plan keeps: targets for every severity and tier (a case can change severity and tier), the
tiers, teams and calendars those targets refer to, pause statuses, warning fractions, escalation
levels, escalation-type defaults, regulatory obligations, communication standards and the
ownership model. It leaves out what only decides whether an escalation *starts* (routing rows,
trigger rules, authority limits), which keep following the active policy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from tierline.domain.codec import from_data, to_data
from tierline.domain.policy import CommunicationStandards, Policy


@dataclass(frozen=True)
class EscalationPlan:
    policy_version: str
    frozen_at: datetime
    governing: Policy  # the policy with routing, triggers and roles removed

    @cached_property
    def digest(self) -> str:
        """A hash of the plan's content, to show two cases run on identical plans (computed
        once: a plan never changes)."""
        blob = json.dumps(to_data(self.governing), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_data(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "frozen_at": self.frozen_at.isoformat(),
            "governing": to_data(self.governing),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> EscalationPlan:
        return cls(
            policy_version=str(data["policy_version"]),
            frozen_at=datetime.fromisoformat(data["frozen_at"]),
            governing=from_data(Policy, data["governing"]),
        )


def freeze_plan(policy: Policy, now: datetime) -> EscalationPlan:
    """Copy the governing part of ``policy``; message templates stay with the live policy."""
    comm: CommunicationStandards = replace(policy.communication, templates={})
    governing = replace(
        policy,
        routing=(),
        triggers=(),
        roles={},
        contact_types={},
        situations={},
        root_causes={},
        frustration_terms=(),
        communication=comm,
    )
    return EscalationPlan(policy.version, now, governing)
