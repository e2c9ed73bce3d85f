"""Loading a mapping file with every problem located, in the policy file's format::

    FILE:LINE:COL: key.path: what is wrong; what is expected

The YAML is composed by the policy layer's located parser (duplicate keys refused, alias bombs
stopped), validated by the Pydantic models of :mod:`tierline.importer.mapping`, and each
Pydantic error is translated into the product's words with the place it refers to.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tierline.importer.mapping import Mapping
from tierline.policy.errors import FILE, Problem, ProblemList, format_path, one_of
from tierline.policy.locations import parse_yaml
from tierline.policy.sourcemap import SourceMap
from tierline.policy.validate import translate

MAX_BYTES = 1024 * 1024


class MappingError(ValueError):
    """A mapping that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0].format() if self.problems else "invalid mapping"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problems)" if more > 0 else ""))

    def format(self) -> str:
        return "\n".join(p.format() for p in self.problems)


@dataclass(frozen=True)
class LoadedMapping:
    mapping: Mapping
    text: str
    filename: str

    @property
    def digest(self) -> str:
        """Identifies the mapping's text (an import run is resumed only with the same one)."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


def load_mapping(path: str | os.PathLike[str]) -> LoadedMapping:
    filename = str(path)
    p = Path(filename)

    def fail(message: str, expected: str) -> MappingError:
        return MappingError([Problem(filename, 1, 1, FILE, message, expected)])

    try:
        if p.is_dir():
            raise fail("this is a directory", "expected a YAML mapping file")
        if p.stat().st_size > MAX_BYTES:
            raise fail("the file is too large", f"expected a mapping under {MAX_BYTES} bytes")
        data = p.read_bytes()
    except FileNotFoundError:
        raise fail("no such file", "expected the path of a YAML mapping file") from None
    except OSError as exc:
        raise fail(
            f"cannot read the file: {exc.strerror or exc}", "expected a readable file"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("the file is not UTF-8 text", "expected a UTF-8 YAML file") from None
    return load_mapping_text(text, filename)


def load_mapping_text(text: str, filename: str = "<mapping>") -> LoadedMapping:
    """Validate mapping text; raises :class:`MappingError` listing every problem."""
    parsed = parse_yaml(text, filename)
    if parsed.problems:
        raise MappingError(sorted(parsed.problems))
    if parsed.empty or not isinstance(parsed.data, dict):
        raise MappingError(
            [
                Problem(
                    filename,
                    1,
                    1,
                    format_path(()),
                    "the file holds no mapping",
                    "expected a mapping with name, case, timestamp and status",
                )
            ]
        )
    sink = ProblemList(filename, parsed.source_map.locate)
    try:
        mapping = Mapping.model_validate(parsed.data)
    except ValidationError as exc:
        _report(exc, sink, parsed.source_map)
        raise MappingError(sink.sorted()) from None
    for path, message in mapping.cross_problems():
        sink.add_text(path, message)
    if sink:
        raise MappingError(sink.sorted())
    return LoadedMapping(mapping, text, filename)


def _report(exc: ValidationError, sink: ProblemList, smap: SourceMap) -> None:
    for err in exc.errors(include_url=False):
        path = smap.normalise(err["loc"])
        if err["type"] == "extra_forbidden":
            last = str(path[-1]) if path else ""
            model = _model_at(path[:-1])
            allowed = list(model.model_fields) if model else []
            sink.add(path, f"unknown key '{last}'", one_of(allowed, last), at="key")
            continue
        message, expected = translate(err, path)
        if err["type"] != "missing":
            while path and smap.place(path) is None:
                path = path[:-1]  # a shorthand ("team: column") has no nested keys
        sink.add(path, message, expected)


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    tp: Any = Mapping
    for item in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(item))
            if info is None:
                return None
            tp = info.annotation
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    for _ in range(5):
        args = [a for a in get_args(tp) if a is not type(None)]
        origin = get_origin(tp)
        if origin in (dict, list) or not args:
            return tp
        tp = args[0]
    return tp
