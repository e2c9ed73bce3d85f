"""What changed between two policies, key path by key path (``tierline policy diff``).

Both sides are validated, normalised documents, so formatting and spelling differences
(``24h`` / ``1d``) never show up: only changes of meaning do. Lists of entries with an ``id``
(tiers, routing rows, triggers) are compared by id, so inserting a routing row reads as one
added row rather than every later row changed; a change of their order is reported on its own,
because in the routing matrix order decides which row wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed", "changed" or "reordered"
    path: str
    old: Any = None
    new: Any = None

    def format(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {show(self.new)}"
        if self.kind == "removed":
            return f"- {self.path}: {show(self.old)}"
        return f"~ {self.path}: {show(self.old)} → {show(self.new)}"

    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "old": self.old, "new": self.new}


def show(value: Any) -> str:
    if isinstance(value, str):
        return (
            value if value and value.strip() == value and "\n" not in value else json.dumps(value)
        )
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_documents(old: Any, new: Any) -> list[Change]:
    """Every difference between two normalised policy documents."""
    out: list[Change] = []
    _diff(old, new, "", out)
    return out


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _diff(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            a, b = old.get(key, _MISSING), new.get(key, _MISSING)
            where = _join(path, str(key))
            if a is _MISSING:
                out.append(Change("added", where, None, b))
            elif b is _MISSING:
                out.append(Change("removed", where, a, None))
            else:
                _diff(a, b, where, out)
        return
    if _by_id(old) and _by_id(new):
        _diff_entries(old, new, path, out)
        return
    if old != new:
        out.append(Change("changed", path, old, new))


def _by_id(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    ids = [item.get("id") if isinstance(item, dict) else None for item in value]
    return all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def _diff_entries(old: list[Any], new: list[Any], path: str, out: list[Change]) -> None:
    a = {item["id"]: item for item in old}
    b = {item["id"]: item for item in new}
    for key in [*a, *(k for k in b if k not in a)]:
        where = f"{path}[{key}]"
        if key not in b:
            out.append(Change("removed", where, a[key], None))
        elif key not in a:
            out.append(Change("added", where, None, b[key]))
        else:
            _diff(a[key], b[key], where, out)
    kept_old = [k for k in a if k in b]
    kept_new = [k for k in b if k in a]
    if kept_old != kept_new:
        out.append(Change("reordered", path, kept_old, kept_new))
