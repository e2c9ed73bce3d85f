"""Garbage collection around reading a log: paused, then back on, with what was read left to
the oldest generation instead of walked by the next young-generation pass."""

from __future__ import annotations

import gc

import pytest

from tierline.importer.log import collector_paused


def _young() -> set[int]:
    return {id(o) for o in gc.get_objects(generation=0)}


def test_what_was_made_goes_to_the_oldest_generation_and_collection_resumes() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(2000)]
    assert gc.isenabled()
    young = _young()
    assert not any(id(x) in young for x in kept)
    assert any(x is kept for x in gc.get_objects(generation=2))


def test_collection_resumes_after_failed_work_and_a_paused_collector_stays_paused() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a bad log")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
