"""The first step of the duplicate groups, kept between rebuilds (same_question.py): after
any edit of keys, wordings, answers or neighbour lists it equals the step computed afresh,
its groups and the pairs that may be asked again alike."""
from __future__ import annotations

import random

import pytest

from kb_builder.same_question import same_question


def _groups(step) -> list[int]:
    uf = step.groups.copy()
    return [uf.find(i) for i in range(len(step.ids))]


def _near(rng: random.Random, n: int, i: int) -> list[tuple[float, int]]:
    return sorted(((round(rng.random(), 3), j) for j in rng.sample(range(n), 4) if j != i), reverse=True)


@pytest.mark.parametrize("seed", range(40))
def test_the_kept_step_equals_a_fresh_one_after_each_edit(seed):
    rng = random.Random(seed)
    n = 30
    ids = tuple(f"e{i}" for i in range(n))
    keys = [rng.choice(["", "a", "b", "c", f"k{i}"]) for i in range(n)]
    wordings = [rng.randrange(12) for _ in range(n)]
    answers = [rng.randrange(5) for _ in range(n)]
    neighbours = [_near(rng, n, i) for i in range(n)]
    asked: list[tuple[int, int]] = []
    asked_again: list[tuple[int, int]] = []

    def alike(i: int, j: int) -> bool:  # what the texts say: here, a function of the wordings
        asked.append((i, j))
        return wordings[i] % 6 == wordings[j] % 6

    def may_be(i: int, j: int) -> bool:  # reads the wordings and the answers
        asked_again.append((i, j))
        return (wordings[i] + wordings[j] + answers[i] * answers[j]) % 3 == 0

    def step_after(before):
        return same_question(ids, tuple(keys), tuple(wordings), list(neighbours), alike, before, tuple(answers), may_be)

    step = step_after(None)
    for _ in range(8):
        for i in rng.sample(range(n), rng.randrange(1, 3)):  # an edit reaches one or two entries
            kind = rng.randrange(4)
            if kind == 0:
                keys[i] = rng.choice(["", "a", "b", f"k{i}", f"x{rng.randrange(99)}"])
            elif kind == 1:
                wordings[i] = rng.randrange(12)
            elif kind == 2:
                answers[i] = rng.randrange(5)
            else:
                neighbours[i] = _near(rng, n, i)
        asked.clear(), asked_again.clear()
        kept = step_after(step)
        compared, compared_again = len(asked), len(asked_again)
        fresh = step_after(None)
        assert kept.pairs == fresh.pairs and kept.edges == fresh.edges and kept.maybe == fresh.maybe
        assert _groups(kept) == _groups(fresh)
        # the kept step compared fewer pairs than a fresh one
        assert compared < len(asked) and compared_again < len(asked_again)
        step = kept


def test_an_unchanged_step_is_the_previous_one():
    ids, keys, wordings = ("a", "b"), ("k", "k"), (1, 2)
    neighbours = [[(0.9, 1)], [(0.9, 0)]]
    step = same_question(ids, keys, wordings, neighbours, lambda i, j: False, None)
    assert same_question(ids, keys, wordings, neighbours, lambda i, j: True, step) is step
    assert _groups(step) == [0, 0]  # equal keys are one group


@pytest.mark.parametrize("seed", range(30))
def test_entries_added_and_removed_are_matched_by_id(seed):
    """An entry added or removed moves the positions after it: the kept step is matched by id
    and still equals a fresh one (neighbour lists renumbered as `similar` renumbers them)."""
    rng = random.Random(seed)
    order = [f"e{i}" for i in range(40)]
    key = {e: rng.choice(["", "a", "b", f"k{e}"]) for e in order}
    wording = {e: rng.randrange(12) for e in order}
    near = {e: [(round(rng.random(), 3), o) for o in rng.sample(order, 4) if o != e] for e in order}
    asked: list[tuple[int, int]] = []
    step, made = None, {}
    for round_ in range(10):
        if round_:
            if rng.random() < 0.5 and len(order) > 30:
                gone = order.pop(rng.randrange(len(order)))
                for e in order:  # a list that held it finds another neighbour
                    if any(o == gone for _, o in near[e]):
                        near[e] = [(s, o) for s, o in near[e] if o != gone] + [(0.01, rng.choice(order))]
            else:
                new = f"n{round_}"
                order.insert(rng.randrange(len(order) + 1), new)
                key[new], wording[new] = rng.choice(["", "a", f"k{new}"]), rng.randrange(12)
                near[new] = [(0.5, o) for o in rng.sample(order, 3) if o != new]
                near[rng.choice(order)] = [(0.6, new)]
        ids = tuple(order)
        at = {e: i for i, e in enumerate(order)}
        # a list object is kept while its entry's neighbours and every position are as they were
        lists = []
        for e in order:
            value = [(s, at[o]) for s, o in near[e] if o in at and o != e]
            old = made.get(e)
            lists.append(old if old is not None and old == value else value)
        made = dict(zip(order, lists))
        keys, wordings = tuple(key[e] for e in order), tuple(wording[e] for e in order)

        def alike(i: int, j: int) -> bool:
            asked.append((i, j))
            return wordings[i] % 5 == wordings[j] % 5

        def may_be(i: int, j: int) -> bool:
            return (wordings[i] + wordings[j]) % 3 == 0

        asked.clear()
        kept = same_question(ids, keys, wordings, lists, alike, step, (), may_be)
        compared = len(asked)
        fresh = same_question(ids, keys, wordings, lists, alike, None, (), may_be)
        assert kept.pairs == fresh.pairs and kept.edges == fresh.edges and kept.maybe == fresh.maybe
        assert _groups(kept) == _groups(fresh)
        if step is not None:
            assert compared < len(asked)
        step = kept
