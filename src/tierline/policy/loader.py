"""Loading a policy file: bytes → YAML → validated document → domain ``Policy`` with a version.

All or nothing (R-POL-2): either every step succeeds and the caller gets a ``LoadedPolicy``, or
it gets a ``PolicyError`` listing every problem found, sorted by position. Whatever the file holds
(nothing, binary, a list, an alias bomb), the result is one of those two, never another exception.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from tierline.domain.calendar import CalendarBook
from tierline.domain.policy import Policy
from tierline.policy.checks import run_checks
from tierline.policy.convert import to_policy
from tierline.policy.errors import FILE, PolicyError, Problem, ProblemList, format_path
from tierline.policy.holidays import holiday_source
from tierline.policy.locations import parse_yaml
from tierline.policy.references import check_references
from tierline.policy.schema import PolicyDocument
from tierline.policy.validate import report, validate_sections
from tierline.policy.version import policy_version

#: A policy is a few hundred lines; megabytes mean the wrong file.
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy ready to use, with the document it came from (for diffs, storage and display)."""

    policy: Policy
    document: dict[str, Any]
    source_text: str
    filename: str

    @property
    def version(self) -> str:
        return self.policy.version


def load_policy(path: str | os.PathLike[str]) -> LoadedPolicy:
    """Read and validate a policy file; raises ``PolicyError`` with every problem."""
    filename = str(path)
    return load_policy_text(_read(filename), filename)


def load_policy_text(text: str | bytes, filename: str = "<policy>") -> LoadedPolicy:
    """Validate policy text; ``filename`` is only used to label problems."""
    problems, loaded = _analyse(text, filename)
    if loaded is None:
        raise PolicyError(problems)
    return loaded


def check_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of a policy file; empty when it is valid."""
    try:
        load_policy(path)
    except PolicyError as exc:
        return list(exc.problems)
    return []


def calendar_book(policy: Policy) -> CalendarBook:
    """The policy's calendars with public holidays from the ``holidays`` package."""
    return CalendarBook(policy.calendars, holiday_source)


def _read(filename: str) -> bytes:
    def fail(message: str, expected: str) -> PolicyError:
        return PolicyError([Problem(filename, 1, 1, FILE, message, expected)])

    path = FsPath(filename)
    try:
        if path.is_dir():
            raise fail("this is a directory", "expected a YAML policy file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(f"the file is {size} bytes", f"expected a policy under {MAX_BYTES} bytes")
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise fail("no such file", "expected the path of a YAML policy file") from None
    except OSError as exc:
        raise fail(
            f"cannot read the file: {exc.strerror or exc}", "expected a readable file"
        ) from None


def _decode(data: str | bytes, filename: str) -> tuple[str | None, Problem | None]:
    if isinstance(data, str):
        return data, None
    if len(data) > MAX_BYTES:
        return None, Problem(
            filename,
            1,
            1,
            FILE,
            f"the text is over {MAX_BYTES} bytes",
            "expected a policy of reasonable size",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        what = f"byte 0x{data[exc.start]:02x} is not UTF-8 text (binary file?)"
        return None, Problem(filename, line, col, FILE, what, "expected a UTF-8 encoded YAML file")


def _analyse(data: str | bytes, filename: str) -> tuple[list[Problem], LoadedPolicy | None]:
    text, bad = _decode(data, filename)
    if text is None:
        return [bad] if bad else [], None
    parsed = parse_yaml(text, filename)
    if parsed.empty:
        return [
            Problem(
                filename,
                1,
                1,
                format_path(()),
                "the file holds no policy (it is empty)",
                "expected a mapping with name, calendars, tiers, teams, roles, "
                "contact_types and severities",
            )
        ], None
    sink = ProblemList(filename, parsed.source_map.locate, list(parsed.problems))
    sink.muted.update(format_path(p) for p in parsed.unreadable)
    if parsed.data is None and parsed.problems:
        return sink.sorted(), None
    sections = validate_sections(parsed.data, sink, parsed.source_map)
    if sections is not None:
        run_checks(sections, sink)
        check_references(sections, sink)
    if sink:
        return sink.sorted(), None
    try:
        document = PolicyDocument.model_validate(parsed.data)
    except ValidationError as exc:  # defensive: the sections validated one by one
        report(exc, (), sink, parsed.source_map)
        return sink.sorted(), None
    normalised = document.model_dump(mode="json")
    version = policy_version(normalised)
    policy = to_policy(document, version, parsed.source_map)
    return [], LoadedPolicy(policy, normalised, text, filename)
