"""A policy's version is the hash of what it means, not of how it is written.

The version is computed from the validated, normalised document (defaults filled in, durations
and amounts in one spelling, set-like lists sorted), serialised as canonical JSON. Comments,
key order, quoting and ``24h`` versus ``1d`` therefore keep the version; changing any target,
limit or rule changes it. Cases record this version with every decision (R-POL-3), so two
servers that loaded the same policy agree on its name without coordinating.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

PREFIX = "pv-"


def canonical_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def policy_version(document: Mapping[str, Any]) -> str:
    """``"pv-"`` and the first 16 hex digits of the SHA-256 of the canonical JSON."""
    digest = hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
    return PREFIX + digest[:16]
