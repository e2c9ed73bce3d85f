"""Bulk import of other help desks' exports and real event logs (R-CASE-4).

A log is read through a *mapping* (YAML, see docs/import.md): ``load_mapping`` validates it,
``read_cases`` turns the log's rows into Tierline case histories (``SourceCase``), and
``import_events`` writes them to the store, idempotent and resumable. Replay
(:mod:`tierline.replay`) reads logs the same way without a database.
"""

from __future__ import annotations

from tierline.importer.log import LogContents, RowIssue, read_cases
from tierline.importer.mapping import Mapping
from tierline.importer.mapping_load import (
    LoadedMapping,
    MappingError,
    load_mapping,
    load_mapping_text,
)
from tierline.importer.readers import LogError
from tierline.importer.translate import SourceCase

__all__ = [
    "LoadedMapping",
    "LogContents",
    "LogError",
    "Mapping",
    "MappingError",
    "RowIssue",
    "SourceCase",
    "load_mapping",
    "load_mapping_text",
    "read_cases",
]
