"""The first step of the duplicate groups (link.py): the same question asked again in
the same words.  Among neighbour pairs, entries of equal duplicate keys, or whose
question texts are near-identical or ask about the same words (`alike`), are one group.

The step keeps what it compared: given the previous build's step, an edit compares again
only the pairs it reaches (a changed neighbour list, a changed key or wording, an entry
added; entries are matched by id), and a clean build is the same code without one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .ordinary import Wording
from .unionfind import UnionFind


@dataclass
class SameQuestion:
    """The first step of `_duplicates` (the same question: equal keys, near-identical text,
    the same words asked), which reads the keys and wordings of the neighbour pairs only."""

    ids: tuple[str, ...]
    keys: tuple[str, ...]
    wordings: tuple[Wording, ...]
    neighbours: Sequence[Sequence[tuple[float, int]]]
    pairs: set[tuple[int, int]]  # each pair of neighbours once, (lower, higher) position
    edges: set[tuple[int, int]]  # the pairs of unequal keys found the same question
    groups: UnionFind  # of positions (roots are the least positions): copy it to join further


def _pair_set(neighbours: Sequence[Sequence[tuple[float, int]]]) -> set[tuple[int, int]]:
    return {(i, j) if i < j else (j, i) for i, near in enumerate(neighbours) for _, j in near if i != j}


def _list_pairs(i: int, near: Sequence[tuple[float, int]]) -> set[tuple[int, int]]:
    return {(i, j) if i < j else (j, i) for _, j in near if j != i}


def same_question(ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
                  neighbours: Sequence[Sequence[tuple[float, int]]], alike: Callable[[int, int], bool],
                  before: SameQuestion | None) -> SameQuestion:
    """The groups of the same question.  Given the previous build's step, only the pairs an
    edit reaches are compared: those of a neighbour list that changed, and those of an entry
    whose key or wording changed or that was added.  Entries are matched by id: an entry
    added or removed moves the positions after it, not what was found of them."""
    n = len(ids)
    if before is not None and before.ids == ids and neighbours is before.neighbours \
            and keys == before.keys and wordings == before.wordings:
        return before
    if before is not None and len(set(ids)) == n:
        kept = _kept(before, ids, keys, wordings, neighbours, alike)
        if kept is not None:
            return kept
    pairs = _pair_set(neighbours)
    # Every pair is compared (not only those not yet joined), so that the next build can
    # tell which joins an edit undoes.
    return _same_question_step(ids, keys, wordings, neighbours, pairs, _edges(pairs, keys, alike))


def _edges(pairs: Iterable[tuple[int, int]], keys: tuple[str, ...],
           alike: Callable[[int, int], bool]) -> set[tuple[int, int]]:
    """The pairs of unequal keys whose texts are alike (equal keys are joined by their keys)."""
    return {p for p in pairs if not (keys[p[0]] and keys[p[0]] == keys[p[1]]) and alike(*p)}


def _kept(before: SameQuestion, ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
          neighbours: Sequence[Sequence[tuple[float, int]]],
          alike: Callable[[int, int], bool]) -> SameQuestion | None:
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
    if len(changed) + len(dirty) > n // 10:
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
    edges = {p for p in renumbered(before.edges) if p in pairs and p not in asked}
    edges |= _edges(asked, keys, alike)
    return _same_question_step(ids, keys, wordings, neighbours, pairs, edges)


def _same_question_step(ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
                        neighbours: Sequence[Sequence[tuple[float, int]]], pairs: set[tuple[int, int]],
                        edges: set[tuple[int, int]]) -> SameQuestion:
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
    return SameQuestion(ids, keys, wordings, neighbours, pairs, edges, uf)
