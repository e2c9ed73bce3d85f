"""Helpers shared by the policy tests (plain functions; fixtures are in conftest.py)."""

from __future__ import annotations

from tierline.policy import PolicyError, load_policy_text


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace ``old`` (which must be present) by ``new``."""
    assert old in text, f"the example no longer contains {old!r}"
    return text.replace(old, new, count)


def problems(text: str | bytes, filename: str = "p.yaml") -> list[str]:
    """The formatted problems of a policy text (the test fails if it loads)."""
    try:
        load_policy_text(text, filename)
    except PolicyError as exc:
        return [p.format() for p in exc.problems]
    raise AssertionError("the policy loaded; expected it to be refused")


def position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the first ``needle`` in ``text``, plus ``offset`` columns."""
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1 + offset
    return line, col
