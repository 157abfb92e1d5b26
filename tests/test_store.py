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


class Text(str):
    """A string that notes when it is hashed."""

    hashed: set[str] = set()

    def __hash__(self) -> int:
        Text.hashed.add(str(self))
        return str.__hash__(self)


def joined(a: str, b: str, sep: str) -> str:
    CALLS.append(1)
    return a + sep + b


def test_each_row_is_the_memo_of_its_values_and_an_unchanged_row_is_not_hashed_again(monkeypatch):
    monkeypatch.setattr(store_module, "SWEEP_MIN", 4)
    store = Store(verify=False)
    left = [Text(f"a{i}") for i in range(6)]
    right = [Text(f"b{i}") for i in range(6)]
    CALLS.clear()
    assert store.each(joined, left, right, shared=("-",)) == tuple(f"a{i}-b{i}" for i in range(6))
    assert len(CALLS) == 6
    for _ in range(3):  # rebuilds with nothing changed: the stores' sweeps keep what each row used
        store.end_build()
        Text.hashed, CALLS[:] = set(), []
        assert store.each(joined, list(left), list(right), shared=("-",)) == tuple(f"a{i}-b{i}" for i in range(6))
        assert (Text.hashed, CALLS) == (set(), [])
    monkeypatch.setattr(store_module, "SWEEP_GROWTH", 1)
    store.memo(square, 99)
    store.end_build()  # swept: what this build asked for stays, the rows' values with it
    assert len(store) == 7
    # one row edited in place: only its values are hashed
    left[4] = Text("once")
    Text.hashed, CALLS[:] = set(), []
    assert store.each(joined, left, right, shared=("-",))[4] == "once-b4"
    assert (Text.hashed, len(CALLS)) == ({"once", "b4"}, 1)
    # one row edited and one added in the middle (moving the rows after it): only those two are new
    left2, right2 = list(left), list(right)
    left2[1] = Text("edited")
    left2.insert(3, Text("new"))
    right2.insert(3, Text("row"))
    store.end_build()
    Text.hashed, CALLS[:] = set(), []
    expected = tuple(a + "-" + b for a, b in zip(left2, right2))
    assert store.each(joined, left2, right2, shared=("-",)) == expected
    assert len(CALLS) == 2 and Text.hashed == {"edited", "b1", "new", "row"}  # only the two new rows' values
    # another shared input: every row is asked again (the values still come from memo)
    CALLS.clear()
    assert store.each(joined, left2, right2, shared=("+",)) == tuple(a + "+" + b for a, b in zip(left2, right2))
    assert len(CALLS) == 7
    # equal values (not the same objects) are the memo's: nothing computed again
    CALLS.clear()
    assert store.each(joined, [str(x) for x in left2], [str(x) for x in right2], shared=("+",)) == \
        tuple(a + "+" + b for a, b in zip(left2, right2))
    assert CALLS == []


def test_each_in_verify_mode_computes_every_row_again():
    store = Store(verify=True)
    box = ["x"]

    def read(key: str) -> str:
        return key + box[0]

    read.__qualname__ = "read"  # stands for a module-level function whose result depends on a hidden input
    keys = ["k1", "k2"]
    assert store.each(read, keys) == ("k1x", "k2x")
    box[0] = "y"
    with pytest.raises(StaleValue):
        store.each(read, keys)


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


def grow(previous, n: int) -> list[int]:
    return list(range(n))


def test_what_a_forked_process_derived_is_saved_unread_and_read_back_with_the_store():
    """`kb build`'s index child hands back what it derived: the parent takes only its marks
    (what the child used and derived), the values are saved after the parent's store and
    merged when read back.  The store read back answers everything both processes derived,
    the child's newer derived value wins over the parent's older one, and nothing is computed
    again."""
    import copy
    import pickle

    parent = Store(verify=False)
    parent.memo(square, 2)
    parent.derive(grow, 3, slot="a")  # the child derives "a" anew
    parent.derive(grow, 1, slot="b")  # the child uses "b" as it is
    parent.derive(grow, 5, slot="c")  # the parent derives "c" again after the fork
    parent.end_build()
    child = copy.deepcopy(parent)  # as fork gives it
    mark = child.mark()
    child.memo(square, 2)  # used, not computed
    child.memo(square, 7)  # computed
    child.derive(grow, 4, slot="a")
    child.derive(grow, 1, slot="b")
    marks, values = store_module.split(child.since(mark))
    values = pickle.loads(pickle.dumps(values))  # it goes through a file, unread by the parent
    parent.derive(grow, 6, slot="c")
    parent.take_marks(pickle.loads(pickle.dumps(marks)))
    parent.end_build()
    restored = pickle.loads(pickle.dumps(parent))
    restored.merge_saved(values)
    CALLS.clear()
    assert restored.memo(square, 7) == 49 and restored.memo(square, 2) == 4 and CALLS == []
    assert restored.derive(grow, 4, slot="a") == [0, 1, 2, 3]  # the child's, not the parent's older
    assert restored.derive(grow, 1, slot="b") == [0]
    assert restored.derive(grow, 6, slot="c") == list(range(6))  # the parent's own, newer
    assert restored.hits == 5 and restored.misses == 0


def test_a_forked_process_forgets_what_it_handed_back_and_keeps_what_it_had():
    store = Store(verify=False)
    store.memo(square, 2)
    store.derive(grow, 1, slot="kept")
    mark = store.mark()
    store.memo(square, 3)
    store.derive(grow, 2, slot="new")
    handed = store.since(mark)
    store.forget_since(mark)
    assert set(handed["values"]) == {(f"{__name__}.square", (3,))} and len(store) == 1
    CALLS.clear()
    assert store.memo(square, 2) == 4 and store.memo(square, 3) == 9 and CALLS == [3]
    assert store.derive(grow, 1, slot="kept") == [0] and store.hits == 2


def test_a_file_is_remembered_by_the_digest_of_its_bytes_not_by_the_bytes(tmp_path, monkeypatch):
    """A session (and so `kb build`'s cache) keeps what a file parsed to, keyed by a digest:
    bytes the entry does not show (a YAML comment here) are nowhere in the pickled store."""
    import pickle

    from kb_builder import pipeline
    from kb_builder.session import Session

    parsed: list[str] = []
    real = pipeline.parse_bytes
    monkeypatch.setattr(pipeline, "parse_bytes", lambda data, rel, *a: parsed.append(rel) or real(data, rel, *a))
    content = tmp_path / "content"
    content.mkdir()
    marker = "only-in-the-file-" * 40
    (content / "a.md").write_text(f"---\nid: a\ntitle: A question\n# {marker}\n---\n\nThe answer.\n",
                                  encoding="utf-8")
    (content / "b.md").write_text("---\nid: b\ntitle: Another question\n---\n\nAnother answer.\n", encoding="utf-8")
    session = Session()
    settings = pipeline.Settings(content_dir=content)
    first = pipeline.gather(settings, session=session)
    assert sorted(parsed) == ["a.md", "b.md"]
    assert marker.encode() not in pickle.dumps(session.store)
    session.store.end_build()
    again = pipeline.gather(pipeline.Settings(content_dir=content), session=session)
    assert again.corpus.entries == first.corpus.entries and len(parsed) == 2  # the same bytes: nothing parsed
    (content / "a.md").write_text(f"---\nid: a\ntitle: A question, edited\n# {marker}\n---\n\nThe answer.\n",
                                  encoding="utf-8")
    edited = pipeline.gather(settings, session=session)
    assert parsed[2:] == ["a.md"] and edited.corpus.entries[0].title == "A question, edited"
    restored = pickle.loads(pickle.dumps(session.store))
    assert restored.memo(pipeline._parse_file, pipeline.FileBytes((content / "b.md").read_bytes()), "b.md",
                         settings.max_tags, settings.max_keywords).entry == again.corpus.entries[1]
    assert parsed[3:] == []  # answered by the restored store, from the digest alone
