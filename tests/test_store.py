"""The store of derived values: memoised by input value, verified on demand, swept as it grows."""
from __future__ import annotations

import pytest

from kb_builder import store as store_module
from kb_builder.store import StaleValue, Store

CALLS: list[int] = []


def square(n: int) -> int:
    CALLS.append(n)
    return n * n


def test_a_value_is_computed_once_per_distinct_input():
    CALLS.clear()
    store = Store(verify=False)
    assert [store.memo(square, n) for n in (2, 3, 2, 3)] == [4, 9, 4, 9]
    assert CALLS == [2, 3]


def test_verify_mode_fails_on_a_value_its_function_no_longer_gives():
    store = Store(verify=True)
    box = [1]

    def read(_key: str) -> int:
        return box[0]

    read.__qualname__ = "read"  # stands for a module-level function whose result depends on a hidden input
    store.memo(read, "k")
    box[0] = 2
    with pytest.raises(StaleValue):
        store.memo(read, "k")


def test_a_value_an_edit_skipped_for_a_build_is_still_there_after_it():
    """A small store is not swept after every build: a value one build did not ask for is not recomputed
    by the next build that does (sweeping every build walked every value to drop a few)."""
    CALLS.clear()
    store = Store(verify=False)
    store.memo(square, 7)
    store.end_build()
    store.memo(square, 8)  # this build does not ask for 7
    store.end_build()
    store.memo(square, 7)
    assert CALLS == [7, 8]


def test_the_store_forgets_what_builds_stopped_asking_for(monkeypatch):
    monkeypatch.setattr(store_module, "SWEEP_MIN", 10)
    store = Store(verify=False)
    for build in range(50):
        for n in range(5):  # each build asks for 5 values no other build asks for
            store.memo(square, build * 100 + n)
        store.end_build()
        assert len(store) <= 2 * 10 + 5
    CALLS.clear()
    store.memo(square, 0)  # asked for by the first build only: long forgotten
    assert CALLS == [0]


def test_a_restored_store_forgets_what_the_next_builds_no_longer_ask_for(monkeypatch):
    """A store carried from one `kb build` to the next (the build cache) keeps only what
    builds still ask for: an edited entry's old values do not pile up from run to run."""
    import pickle

    monkeypatch.setattr(store_module, "SWEEP_MIN", 2)
    first = Store(verify=False)
    for n in range(10):
        first.memo(square, n)
    first.end_build()
    restored = pickle.loads(pickle.dumps(first))
    for n in range(5):  # the next build asks for half of them
        restored.memo(square, n)
    restored.end_build()
    CALLS.clear()
    restored.memo(square, 9)
    assert len(restored) == 6 and CALLS == [9]
