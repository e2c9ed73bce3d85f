"""Shape validation, section by section and entry by entry, with every error located.

The document is not validated in one piece: each top-level section, and each entry of a keyed
section (``teams.frontline``) or list section (``routing[3]``), is validated on its own. One bad
team then hides neither the other teams nor the reference checks that need them, and the file's
author sees every problem in one run (R-POL-2).

Pydantic errors are translated into the policy's own words: "unknown key 'tierr'; did you mean
'tier'?" rather than "Extra inputs are not permitted".
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from tierline.policy.errors import Path, PathItem, ProblemList, one_of, split_message
from tierline.policy.schema import KEYED_SECTIONS, LIST_SECTIONS, PolicyDocument
from tierline.policy.sourcemap import SourceMap


@dataclass
class Sections:
    """What validated, by section, plus the names the file defines (valid or not).

    Keyed sections hold ``{name: model}`` of the entries that validated, list sections
    ``{index: model}``. ``names`` lets reference checks tell "unknown team" from "a team that
    exists but has its own problems" (only the latter is already reported).
    """

    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    names: dict[str, set[str] | None] = field(default_factory=dict)

    def get(self, section: str) -> Any:
        return self.values.get(section)

    def raw_at(self, path: Path) -> Any:
        """The value at ``path`` as the file wrote it (None when absent)."""
        node: Any = self.raw
        for item in path:
            if isinstance(node, dict):
                node = node.get(item)
            elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
                node = node[item]
            else:
                return None
        return node

    def item_path(self, path: Path, value: object) -> Path:
        """The path of ``value`` in the raw list at ``path`` (validated lists may be sorted)."""
        raw = self.raw_at(path)
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                if str(item) == str(value):
                    return (*path, i)
        return path

    def known(self, section: str) -> set[str] | None:
        """Names defined in ``section``; None when the section is unusable (already reported)."""
        return self.names.get(section, set())


def validate_sections(data: Any, sink: ProblemList, source_map: SourceMap) -> Sections | None:
    if not isinstance(data, dict):
        sink.add(
            (),
            f"the top level is {_describe(data)}",
            "expected a mapping of policy sections (name, calendars, tiers, teams, ...)",
        )
        return None
    sections = Sections(raw=data)
    fields = PolicyDocument.model_fields
    for key in data:
        if key not in fields:
            sink.add((key,), f"unknown section '{key}'", one_of(fields, key), at="key")
    for name, info in fields.items():
        if name not in data:
            if info.is_required():
                sections.names[name] = None  # reported once here, not at every reference
                sink.add(
                    (name,), f"missing required section '{name}'", "expected it at the top level"
                )
            else:
                sections.values[name] = info.get_default(call_default_factory=True)
            continue
        raw = data[name]
        if name in KEYED_SECTIONS:
            _keyed(name, raw, sections, sink, source_map)
        elif name in LIST_SECTIONS:
            _listed(name, raw, sections, sink, source_map)
        else:
            ok, value = _run(_adapter(name), raw, (name,), sink, source_map)
            if ok:
                sections.values[name] = value
    return sections


def _keyed(name: str, raw: Any, sections: Sections, sink: ProblemList, smap: SourceMap) -> None:
    if not isinstance(raw, dict):
        sink.add((name,), f"'{name}' is {_describe(raw)}", "expected a mapping of names to entries")
        sections.names[name] = None
        return
    key_adapter, value_adapter = _entry_adapters(name)
    sections.names[name] = {str(k) for k in raw}
    good: dict[str, Any] = {}
    for key, value in raw.items():
        key_ok, _ = _run(key_adapter, key, (name, key, "[key]"), sink, smap)
        ok, model = _run(value_adapter, value, (name, key), sink, smap)
        if key_ok and ok:
            good[str(key)] = model
    sections.values[name] = good


def _listed(name: str, raw: Any, sections: Sections, sink: ProblemList, smap: SourceMap) -> None:
    if not isinstance(raw, list):
        sink.add((name,), f"'{name}' is {_describe(raw)}", "expected a list of entries")
        sections.names[name] = None
        return
    _, item_adapter = _entry_adapters(name)
    sections.names[name] = {
        str(item["id"])
        for item in raw
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    good: dict[int, Any] = {}
    for index, item in enumerate(raw):
        ok, model = _run(item_adapter, item, (name, index), sink, smap)
        if ok:
            good[index] = model
    sections.values[name] = good


def _run(
    adapter: TypeAdapter[Any], value: Any, prefix: Path, sink: ProblemList, smap: SourceMap
) -> tuple[bool, Any]:
    try:
        return True, adapter.validate_python(value)
    except ValidationError as exc:
        report(exc, prefix, sink, smap)
        return False, None
    except RecursionError:
        sink.add(prefix, "the value is nested too deeply", "expected a plain policy value")
        return False, None


@cache
def _adapter(section: str) -> TypeAdapter[Any]:
    info = PolicyDocument.model_fields[section]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


@cache
def _entry_adapters(section: str) -> tuple[TypeAdapter[Any], TypeAdapter[Any]]:
    annotation = PolicyDocument.model_fields[section].annotation
    args = get_args(annotation)
    if get_origin(annotation) is dict:
        return TypeAdapter(args[0]), TypeAdapter(args[1])
    return TypeAdapter(str), TypeAdapter(args[0])


# --------------------------------------------------------------------------- translating errors


def report(exc: ValidationError, prefix: Path, sink: ProblemList, smap: SourceMap) -> None:
    for err in exc.errors(include_url=False):
        loc = (*prefix, *err["loc"])
        at_key = "[key]" in loc or err["type"] == "extra_forbidden"
        path = smap.normalise(loc)
        message, expected = translate(err, path)
        if err["type"] not in ("missing", "extra_forbidden"):
            path = _written(path, smap)
        sink.add(path, message, expected, at="key" if at_key else "value")


def _written(path: Path, smap: SourceMap) -> Path:
    """Drop trailing keys the file does not have (a target written ``"4h"`` has no ``duration``)."""
    while path and smap.place(path) is None and smap.place(path[:-1]) is not None:
        if smap.places[path[:-1]].kind == "map":
            break
        path = path[:-1]
    return path


def translate(err: Any, path: Path) -> tuple[str, str]:
    """(what is wrong, what is expected) for one Pydantic error."""
    kind: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    last = str(path[-1]) if path else ""
    shown = _describe(value)
    if kind == "missing":
        return f"missing required key '{last}'", "expected it in this mapping"
    if kind == "extra_forbidden":
        model = model_at(path[:-1])
        allowed = list(model.model_fields) if model else []
        return f"unknown key '{last}'", one_of(allowed, last)
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error", err["msg"]))
        return split_message(text)
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        word = str(value) if isinstance(value, str) else None
        return f"{shown} is not allowed here", one_of(choices, word)
    if kind == "string_type":
        hint = ""
        if isinstance(value, bool):
            hint = " (YAML reads yes/no/on/off as true/false: quote it, e.g. 'NO')"
        return f"{shown} is not text", "expected a string" + hint
    if kind.startswith("int_"):
        return f"{shown} is not a whole number", "expected an integer such as 3"
    if kind.startswith("float_") or kind == "finite_number":
        return f"{shown} is not a finite number", "expected a number such as 0.75"
    if kind.startswith("bool_"):
        return f"{shown} is not a boolean", "expected true or false"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f"{shown} is not a mapping", "expected keys with values"
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"{shown} is not a list", "expected a list such as [a, b]"
    if kind.startswith(("date_", "datetime_")):
        return f"{shown} is not a date", "expected a date such as 2026-12-24"
    bounds = {
        "greater_than": ("gt", "greater than"),
        "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "less than"),
        "less_than_equal": ("le", "at most"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return f"{shown} is out of range", f"expected a number {words} {ctx.get(key)}"
    if kind == "string_pattern_mismatch":
        return f"{shown} has the wrong form", _pattern_hint(last, str(ctx.get("pattern", "")))
    if kind in ("string_too_short", "string_too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        size = f"at least {lo}" if lo is not None else f"at most {hi}"
        return f"{shown} has the wrong length", f"expected {size} characters"
    return str(err.get("msg", "invalid value")), ""


def _pattern_hint(key: str, pattern: str) -> str:
    if key == "currency":
        return "expected a three-letter ISO 4217 code such as EUR or GBP"
    if "[a-z]{2}" in pattern:
        return "expected a language code such as en or en-GB"
    return f"expected text matching {pattern}"


def _describe(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    return f"'{text[:60]}...'" if len(text) > 60 else f"'{text}'"


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in get_args(tp) if a is not type(None)]
            if len(rest) != 1:
                return tp
            tp = rest[0]
        else:
            return tp


def model_at(path: tuple[PathItem, ...]) -> type[BaseModel] | None:
    """The schema model that describes the mapping at ``path`` (for "did you mean")."""
    tp: Any = PolicyDocument
    for item in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(item))
            if info is None:
                return None
            tp = info.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None
