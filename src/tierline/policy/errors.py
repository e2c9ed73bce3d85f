"""Problems found in a policy file, each with its place in the file and what was expected.

R-POL-2 asks that an invalid policy is refused with *every* problem listed by location. A problem
is therefore a value (not an exception): the loader collects them all and raises one
:class:`PolicyError` at the end. The text form is the one editors and CI logs understand::

    FILE:LINE:COL: key.path: what is wrong; what is expected
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Path element of a key path: mapping keys are strings, list positions are integers.
PathItem = str | int
Path = tuple[PathItem, ...]

#: Shown instead of a key path for problems with the file as a whole.
DOCUMENT = "(document)"
FILE = "(file)"


_PLAIN_KEY = re.compile(r"^[\w\-/+]+$")


def format_path(path: Sequence[PathItem]) -> str:
    """``("routing", 3, "route_to")`` → ``"routing[3].route_to"``; empty → ``"(document)"``.

    Keys that are not plain names (spaces, dots, line breaks) are quoted, so a path is always one
    unambiguous line.
    """
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            key = item if _PLAIN_KEY.match(item) else json.dumps(item, ensure_ascii=False)
            out += f".{key}" if out else key
    return out or DOCUMENT


def one_line(text: str) -> str:
    """Line breaks and tabs escaped, so each problem stays on one line of output."""
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a policy file. Lines and columns are 1-based."""

    file: str
    line: int
    col: int
    path: str
    message: str
    expected: str = ""

    def format(self) -> str:
        tail = f"; {self.expected}" if self.expected else ""
        return one_line(f"{self.file}:{self.line}:{self.col}: {self.path}: {self.message}{tail}")

    def __str__(self) -> str:
        return self.format()

    def to_data(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "path": self.path,
            "message": self.message,
            "expected": self.expected,
        }


class PolicyError(ValueError):
    """A policy that cannot be used; ``problems`` lists everything that is wrong with it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0].format() if self.problems else "invalid policy"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problems)" if more > 0 else ""))

    def format(self) -> str:
        return "\n".join(p.format() for p in self.problems)


def split_message(text: str) -> tuple[str, str]:
    """Split ``"what is wrong; what is expected"`` at the first ``"; "``."""
    wrong, sep, expected = text.partition("; ")
    return (wrong, expected) if sep else (text, "")


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, for "did you mean 'X'?"."""
    matches = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def one_of(choices: Iterable[str], word: str | None = None, limit: int = 12) -> str:
    """``"did you mean 'tier'?"`` when a close name exists, else the list of what is allowed."""
    names = sorted(set(choices))
    close = suggest(word, names) if word is not None else None
    if close is not None:
        return f"did you mean '{close}'?"
    if not names:
        return "expected none (nothing is defined)"
    shown = ", ".join(names[:limit]) + (
        f", ... ({len(names)} in all)" if len(names) > limit else ""
    )
    return f"expected one of: {shown}"


@dataclass
class ProblemList:
    """Collects problems for one file; the position of each is looked up by key path."""

    file: str
    locate: Any  # a callable (path, at) -> (line, col, shown path); see locations.SourceMap
    problems: list[Problem] = field(default_factory=list)
    #: Key paths already reported as unreadable YAML: later problems there would only repeat them.
    muted: set[str] = field(default_factory=set)

    def add(self, path: Path, message: str, expected: str = "", at: str = "value") -> None:
        line, col, shown = self.locate(path, at)
        if shown in self.muted:
            return
        self.problems.append(Problem(self.file, line, col, shown, message, expected))

    def add_text(self, path: Path, text: str, at: str = "value") -> None:
        """Add a problem from one ``"wrong; expected"`` sentence (the domain's message style)."""
        wrong, expected = split_message(text)
        self.add(path, wrong, expected, at)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def sorted(self) -> list[Problem]:
        seen: set[Problem] = set()
        out = []
        for p in sorted(self.problems, key=lambda p: (p.line, p.col, p.path, p.message)):
            if p not in seen:
                seen.add(p)
                out.append(p)
        return out
