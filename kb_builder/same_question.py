"""The first step of the duplicate groups (link.py): the same question asked again in
the same words.  Among neighbour pairs, entries of equal duplicate keys, or whose
question texts are near-identical or ask about the same words (`alike`), are one group.
The step also finds the pairs that may be the same question asked in other words
(`may_be`, which reads the wordings and the answers): also_asked.py joins groups
among them only.

The step keeps what it compared: given the previous build's step, an edit compares again
only the pairs it reaches (a changed neighbour list, a changed key, wording or answer, an
entry added; entries are matched by id), and a clean build is the same code without one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .ordinary import Wording
from .unionfind import UnionFind


@dataclass
class SameQuestion:
    """The first step of `_duplicates` (the same question: equal keys, near-identical text,
    the same words asked), which reads the keys and wordings of the neighbour pairs only."""

    ids: tuple[str, ...]
    keys: tuple[str, ...]
    wordings: tuple[Wording, ...]
    answers: tuple[Any, ...]  # what `may_be` reads of each entry besides its wording
    neighbours: Sequence[Sequence[tuple[float, int]]]
    pairs: set[tuple[int, int]]  # each pair of neighbours once, (lower, higher) position
    edges: set[tuple[int, int]]  # the pairs of unequal keys found the same question
    maybe: set[tuple[int, int]]  # the pairs of unequal keys that `may_be` asked again
    groups: UnionFind  # of positions (roots are the least positions): copy it to join further


def _pair_set(neighbours: Sequence[Sequence[tuple[float, int]]]) -> set[tuple[int, int]]:
    return {(i, j) if i < j else (j, i) for i, near in enumerate(neighbours) for _, j in near if i != j}


def _list_pairs(i: int, near: Sequence[tuple[float, int]]) -> set[tuple[int, int]]:
    return {(i, j) if i < j else (j, i) for _, j in near if j != i}


def same_question(ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
                  neighbours: Sequence[Sequence[tuple[float, int]]], alike: Callable[[int, int], bool],
                  before: SameQuestion | None, answers: tuple[Any, ...] = (),
                  may_be: Callable[[int, int], bool] | None = None) -> SameQuestion:
    """The groups of the same question, and the pairs that `may_be` the same question
    asked in other words (none without `may_be`; `answers`: what it reads besides the
    wordings, one value per entry).  Given the previous build's step, only the pairs an
    edit reaches are compared: those of a neighbour list that changed, and those of an
    entry whose key, wording or answer changed or that was added.  Entries are matched by
    id: an entry added or removed moves the positions after it, not what was found of them."""
    n = len(ids)
    answers = answers or (None,) * n
    if before is not None and before.ids == ids and neighbours is before.neighbours \
            and keys == before.keys and wordings == before.wordings and answers == before.answers:
        return before
    if before is not None and len(set(ids)) == n:
        kept = _kept(before, ids, keys, wordings, answers, neighbours, alike, may_be)
        if kept is not None:
            return kept
    pairs = _pair_set(neighbours)
    # Every pair is compared (not only those not yet joined), so that the next build can
    # tell which joins an edit undoes.
    return _same_question_step(ids, keys, wordings, answers, neighbours, pairs, _found(pairs, keys, alike),
                               _found(pairs, keys, may_be))


def _found(pairs: Iterable[tuple[int, int]], keys: tuple[str, ...],
           ask: Callable[[int, int], bool] | None) -> set[tuple[int, int]]:
    """The pairs of unequal keys for which `ask` holds (equal keys are one group by their
    keys already): `alike` gives the edges, `may_be` the pairs that may be asked again."""
    if ask is None:
        return set()
    return {p for p in pairs if not (keys[p[0]] and keys[p[0]] == keys[p[1]]) and ask(*p)}


def _kept(before: SameQuestion, ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
          answers: tuple[Any, ...], neighbours: Sequence[Sequence[tuple[float, int]]],
          alike: Callable[[int, int], bool], may_be: Callable[[int, int], bool] | None) -> SameQuestion | None:
    """The previous step brought up to date, or None when an edit reaches too many entries
    (comparing every pair again is then as quick)."""
    n = len(ids)
    same_positions = ids == before.ids
    if same_positions:
        was: list[int | None] = list(range(n))
        now_at: dict[int, int] = {}
    else:
        old_at = {eid: k for k, eid in enumerate(before.ids)}
        was = [old_at.get(eid) for eid in ids]
        now_at = {k: i for i, k in enumerate(was) if k is not None}

    def previous_list(i: int) -> Sequence[tuple[float, int]]:
        k = was[i]
        if k is None:
            return ()
        if same_positions:
            return before.neighbours[k]
        return [(score, now_at[j]) for score, j in before.neighbours[k] if j in now_at]

    def renumbered(found: set[tuple[int, int]]) -> set[tuple[int, int]]:
        if same_positions:
            return set(found)
        return {(x, y) if x < y else (y, x) for a, b in found if a in now_at and b in now_at
                for x, y in ((now_at[a], now_at[b]),)}

    changed = [i for i in range(n) if was[i] is None or (neighbours[i] is not before.neighbours[was[i]] and (
        same_positions or neighbours[i] != previous_list(i)))]
    dirty = {i for i in range(n) if was[i] is None or keys[i] != before.keys[was[i]]
             or (wordings[i] is not before.wordings[was[i]] and wordings[i] != before.wordings[was[i]])}
    # an answer changed: `may_be` is asked again of its pairs, `alike` is not
    reanswered = {i for i in range(n) if i not in dirty and answers[i] is not before.answers[was[i]]
                  and answers[i] != before.answers[was[i]]}
    if len(changed) + len(dirty) + len(reanswered) > max(n // 10, 1):
        return None
    pairs = renumbered(before.pairs)
    asked: set[tuple[int, int]] = set()
    for i in changed:
        old, new = _list_pairs(i, previous_list(i)), _list_pairs(i, neighbours[i])
        for a, b in old - new:  # gone unless the other entry's list still holds it
            other = b if a == i else a
            if not any(j == i for _, j in neighbours[other]):
                pairs.discard((a, b))
        asked |= new - pairs
        pairs |= new
    if dirty:
        asked.update(p for p in pairs if p[0] in dirty or p[1] in dirty)
    asked_again = asked | {p for p in pairs if p[0] in reanswered or p[1] in reanswered} if reanswered else asked
    edges = {p for p in renumbered(before.edges) if p in pairs and p not in asked}
    edges |= _found(asked, keys, alike)
    maybe = {p for p in renumbered(before.maybe) if p in pairs and p not in asked_again}
    maybe |= _found(asked_again, keys, may_be)
    return _same_question_step(ids, keys, wordings, answers, neighbours, pairs, edges, maybe)


def _same_question_step(ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
                        answers: tuple[Any, ...], neighbours: Sequence[Sequence[tuple[float, int]]],
                        pairs: set[tuple[int, int]], edges: set[tuple[int, int]],
                        maybe: set[tuple[int, int]]) -> SameQuestion:
    uf = UnionFind(range(len(ids)))
    first_by_key: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key:
            if key in first_by_key:
                uf.union(first_by_key[key], i)
            else:
                first_by_key[key] = i
    for i, j in edges:
        uf.union(i, j)
    return SameQuestion(ids, keys, wordings, answers, neighbours, pairs, edges, maybe, uf)
