"""Resolution with closure (R-COMM-3): is a resolution message complete before it goes out?

A resolution message must say what was done, acknowledge the impact, explain the root cause in
plain language, say whether and how recurrence is prevented, and apologise where the
organisation was at fault. Each part is a structured field; the check refuses a draft with a
part missing and flags what a reader would notice in the text: technical jargon in the root
cause, a bare "this has been resolved", a text that does not carry the structured parts, an
apology owed but absent from the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: What each part must answer (shown in forms and refusals).
PART_QUESTIONS: dict[str, str] = {
    "what_was_done": "what was done to resolve it",
    "impact_acknowledged": "an acknowledgement of the impact on the customer",
    "root_cause": "the root cause, in plain language",
    "recurrence_prevention": "whether and how recurrence is prevented",
    "apology": "an apology, because the organisation was at fault",
}
_MIN_CHARS = 15
_PLACEHOLDERS = {"n/a", "na", "none", "-", "tbd", "todo", "see above", "fixed", "resolved", "done"}
_APOLOGY = re.compile(r"\b(sorry|apologi[sz]e|apologies|regret)\b", re.IGNORECASE)
_JARGON = re.compile(
    r"\b\w*(?:exception|nullpointer)\w*\b|\bnull ?pointer\b|\b(?:npe|stack ?trace|segfault|"
    r"http [45]\d\d|[45]\d\d error|regression|hotfix|deploy(?:ment|ed)?|rollback|race condition|"
    r"deadlock|sql|api gateway|k8s|kubernetes|pod|cache invalidation|config drift|jira-\d+|"
    r"inc\d{5,}|v\d+\.\d+\.\d+|traceback)\b|\b\w+\.(?:py|java|js|go|rb|ts)\b",
    re.IGNORECASE,
)
_BARE = re.compile(
    r"^\W*(this|it|your (case|issue|ticket)) (has been|is|was) (now )?(resolved|fixed|"
    r"closed)\W*$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[a-zA-Z]{4,}")


@dataclass(frozen=True)
class ResolutionCheck:
    missing: tuple[str, ...]  # required parts absent or filler: the draft is refused
    flags: tuple[str, ...]  # what a careful reader would fix; shown, not refused
    apology_required: bool

    @property
    def complete(self) -> bool:
        return not self.missing

    def details(self) -> list[dict[str, str]]:
        return [{"part": p, "expected": PART_QUESTIONS.get(p, p)} for p in self.missing]


def _filled(value: Any) -> bool:
    text = str(value or "").strip()
    return len(text) >= _MIN_CHARS and text.lower() not in _PLACEHOLDERS


def _carried(part_text: str, text: str) -> bool:
    """Whether the message text carries a part: a third of the part's words appear in it."""
    words = {w.lower() for w in _WORDS.findall(part_text)}
    if not words:
        return True
    present = {w.lower() for w in _WORDS.findall(text)}
    return len(words & present) * 3 >= len(words)


def check_resolution(
    required: Sequence[str],
    fields: Mapping[str, Any],
    text: str | None,
    *,
    at_fault: bool | None,
) -> ResolutionCheck:
    """``at_fault``: from the root-cause category (None when the case has none yet)."""
    apology_required = bool(at_fault)
    missing: list[str] = []
    flags: list[str] = []
    for part in required:
        if part == "apology" and not apology_required:
            continue
        if not _filled(fields.get(part)):
            missing.append(part)
    if at_fault is None and "apology" in required:
        flags.append("no root-cause category yet: whether an apology is owed cannot be decided")
    root = str(fields.get("root_cause") or "")
    jargon = sorted({m.group(0).lower() for m in _JARGON.finditer(root)})
    if jargon:
        flags.append(
            f"root_cause uses technical terms ({', '.join(jargon)}); explain it in the "
            "customer's language"
        )
    if text is not None:
        body = text.strip()
        if _BARE.match(body) or len(body) < 60:
            flags.append("the message says little more than 'resolved': resolution without closure")
        for part in required:
            value = str(fields.get(part) or "")
            if part == "apology":
                if apology_required and not _APOLOGY.search(body):
                    flags.append(
                        "the text does not apologise although the organisation was at fault"
                    )
            elif value and not _carried(value, body):
                flags.append(f"the text does not carry the {part.replace('_', ' ')}")
    return ResolutionCheck(tuple(missing), tuple(flags), apology_required)
