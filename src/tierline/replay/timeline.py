"""A log's events in the order a replay meets them: by instant, ties in (case, event) order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tierline.domain.events import CaseEvent
from tierline.importer.translate import SourceCase


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every event of every case, flat, with its instant (epoch seconds) and its case's index;
    ``order`` lists their positions in time order."""

    times: list[float]
    cases: list[int]
    events: list[CaseEvent]
    order: list[int]


def timeline(cases: Sequence[SourceCase]) -> Timeline:
    """Why flat lists and a sort of positions by instant alone: sorting one tuple (instant,
    case, event) per event costs more, and a stable sort of a list built case by case already
    keeps ties in (case, event) order."""
    times = [t for case in cases for t in _times(case)]
    owners = [ci for ci, case in enumerate(cases) for _ in case.events]
    events = [ev for case in cases for ev in case.events]
    return Timeline(times, owners, events, sorted(range(len(times)), key=times.__getitem__))


def _times(case: SourceCase) -> list[float]:
    """The case's instants as its translation kept them (any other maker of a case may not)."""
    if len(case.times) == len(case.events):
        return case.times
    return [ev.at.timestamp() for ev in case.events]
