"""Where each key and value of a policy file is: line and column by key path.

Filled by ``locations.parse_yaml`` while it walks the YAML node tree, then asked by every check
"where is ``teams.frontline.calendar``?", including for paths the file does not have (a missing
key is reported at the key of the mapping that lacks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tierline.policy.errors import DOCUMENT, Path, PathItem, format_path


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based


@dataclass(frozen=True)
class Place:
    """Where one value sits: its key (None for list items and the root) and the value itself."""

    key: Mark | None
    value: Mark
    kind: str  # "map", "seq" or "scalar"


@dataclass
class SourceMap:
    """Positions by key path; answers "where is this?" for any path, even one not in the file."""

    places: dict[Path, Place] = field(default_factory=dict)

    def place(self, path: Sequence[PathItem]) -> Place | None:
        return self.places.get(tuple(path))

    def line_of(self, path: Sequence[PathItem]) -> int:
        place = self._nearest(tuple(path))[1]
        return place.key.line if place and place.key else (place.value.line if place else 1)

    def normalise(self, loc: Sequence[Any]) -> Path:
        """A Pydantic ``loc`` as a key path of the file.

        Pydantic adds elements that are not keys (``"[key]"``, ``"function-after[...]"``); they are
        dropped unless they name something present in the file. Mapping keys become strings, list
        positions stay integers.
        """
        path: list[PathItem] = []
        for item in loc:
            here = self.places.get(tuple(path))
            if here is not None and here.kind == "seq" and isinstance(item, int):
                path.append(item)
                continue
            key = str(item)
            if (*path, key) in self.places or not _is_pydantic_tag(key):
                path.append(key)
        return tuple(path)

    def locate(self, path: Sequence[PathItem], at: str = "value") -> tuple[int, int, str]:
        """(line, col, shown path) for a problem at ``path``.

        ``at="key"`` points at the key (unknown or misspelt keys); ``at="value"`` at the value. A
        path absent from the file (a missing key) points at the enclosing mapping's key.
        """
        full = tuple(path)
        found, place = self._nearest(full)
        shown = format_path(full) if full else DOCUMENT
        if place is None:
            return (1, 1, shown)
        if found == full:
            mark = place.key if at == "key" and place.key else place.value
        else:
            mark = place.key or place.value
        return (mark.line, mark.col, shown)

    def _nearest(self, path: Path) -> tuple[Path, Place | None]:
        for n in range(len(path), -1, -1):
            place = self.places.get(path[:n])
            if place is not None:
                return path[:n], place
        return (), None


def _is_pydantic_tag(item: str) -> bool:
    return item == "[key]" or "[" in item or item.startswith(("function-", "lax-", "strict-"))
