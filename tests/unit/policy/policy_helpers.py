"""Helpers shared by the policy tests (plain functions; fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Broken:
    """A broken variant of an example, for the ``test_policy_problems_*`` files.

    Each case edits the example text, names where the problem must be reported (a needle whose
    first character is the expected line and column in the edited text), the key path and the
    start of the message. The format is ``FILE:LINE:COL: key.path: what is wrong; what is
    expected``.
    """

    id: str
    old: str
    new: str
    at: str  # needle in the edited text: its first character is the reported position
    path: str
    message: str  # the start of "what is wrong; what is expected"
    policy: str = "saas"


def refused_at_the_right_place(case: Broken, saas_text: str, bank_text: str) -> None:
    """Assert the edited example is refused with the case's problem at the case's position."""
    text = edit(saas_text if case.policy == "saas" else bank_text, case.old, case.new)
    line, col = position(text, case.at)
    found = problems(text)
    prefix = f"p.yaml:{line}:{col}: {case.path}: {case.message}"
    assert any(p.startswith(prefix) for p in found), "\n".join([prefix, "-- got:", *found])
