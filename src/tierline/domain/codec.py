"""Frozen dataclasses to JSON-ready data and back, driven by their type hints.

Plans are stored with cases and read back years later; a generic codec keeps that round trip
exact for every field without a hand-written serializer per class that could fall out of step.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")


def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_data(k)): to_data(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted((to_data(v) for v in value), key=str)
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from :func:`to_data` output."""
    if data is None:
        return None
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        last: Exception | None = None
        for option in options:
            try:
                return from_data(option, data)
            except (TypeError, ValueError, KeyError) as exc:
                last = exc
        raise ValueError(f"no type of {tp} fits {data!r}") from last
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = _hints(tp)
        kwargs = {
            f.name: from_data(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.init and f.name in data
        }
        return tp(**kwargs)
    if origin in (tuple,):
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], v) for v in data)
        return tuple(from_data(a, v) for a, v in zip(args, data, strict=True))
    if origin in (frozenset, set):
        (arg,) = get_args(tp)
        return frozenset(from_data(arg, v) for v in data)
    if origin in (list,):
        (arg,) = get_args(tp)
        return [from_data(arg, v) for v in data]
    if origin in (dict, Mapping):
        kt, vt = get_args(tp)
        return {from_data(kt, k): from_data(vt, v) for k, v in data.items()}
    if tp is Any or tp is object:
        return data
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return tp(data)
        if tp is timedelta:
            return timedelta(seconds=float(data))
        if tp is Decimal:
            return Decimal(str(data))
        if tp is datetime:
            return datetime.fromisoformat(data)
        if tp is date:
            return date.fromisoformat(data)
        if tp in (int, float, str, bool):
            if tp is float and isinstance(data, int | float):
                return float(data)
            if not isinstance(data, tp):
                raise TypeError(f"expected {tp.__name__}, got {data!r}")
            return data
    raise TypeError(f"cannot decode {tp!r}")
