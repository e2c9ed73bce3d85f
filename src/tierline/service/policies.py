"""Installing and activating policy versions (R-POL-2, R-POL-3).

A new version is validated completely before anything is stored; an invalid document is refused
with every located problem and the active version stays as it was. Activation is one transaction
that flips the active flag, and every process picks the new version up within a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.policy import PolicyError, load_policy_text
from tierline.service.actors import Actor
from tierline.service.errors import Invalid
from tierline.service.runtime import Tierline


def install_policy(
    rt: Tierline,
    source_text: str,
    filename: str,
    actor: Actor,
    *,
    activate: bool = True,
    now: datetime | None = None,
) -> dict[str, Any]:
    actor.require("policy.write", "change the policy")
    try:
        loaded = load_policy_text(source_text, filename)
    except PolicyError as exc:
        raise Invalid(
            f"the policy has {len(exc.problems)} problem(s) and was not activated",
            [p.to_data() if hasattr(p, "to_data") else str(p) for p in exc.problems],
        ) from None
    policy = loaded.policy
    when = now or rt.now()
    with rt.uow() as uow:
        previous = uow.policies.active_version()
        uow.policies.add(
            {
                "version": policy.version,
                "name": policy.name,
                "label": policy.label,
                "filename": filename,
                "source_text": source_text,
                "document": loaded.document,
                "created_at": when,
                "created_by": actor.handle,
                "active": False,
            }
        )
        if activate:
            uow.policies.activate(policy.version, when)
        uow.commit()
    rt.invalidate_policy()
    return {
        "version": policy.version,
        "name": policy.name,
        "label": policy.label,
        "active": activate,
        "previous_version": previous,
        "changed": previous != policy.version,
    }
