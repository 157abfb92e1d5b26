"""The first step of the duplicate groups (link.py): the same question asked again in
the same words.  Among neighbour pairs, entries of equal duplicate keys, or whose
question texts are near-identical or ask about the same words (`alike`), are one group.

The step keeps what it compared: given the previous build's step for the same entries,
an edit compares again only the pairs it reaches (a changed neighbour list, a changed key
or wording), and a clean build is the same code without one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

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
    parent: dict  # the union-find's parents after this step (roots are the least positions)


def _pair_set(neighbours: Sequence[Sequence[tuple[float, int]]]) -> set[tuple[int, int]]:
    return {(i, j) if i < j else (j, i) for i, near in enumerate(neighbours) for _, j in near if i != j}


def _list_pairs(i: int, near: Sequence[tuple[float, int]]) -> set[tuple[int, int]]:
    return {(i, j) if i < j else (j, i) for _, j in near if j != i}


def same_question(ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
                  neighbours: Sequence[Sequence[tuple[float, int]]], alike: Callable[[int, int], bool],
                  before: SameQuestion | None) -> SameQuestion:
    """The groups of the same question.  Given the previous build's step for the same
    entries, only the pairs an edit reaches are compared: those of a neighbour list that
    changed, and those of an entry whose key or wording changed."""
    n = len(ids)
    if before is not None and before.ids == ids:
        if neighbours is before.neighbours and keys == before.keys and wordings == before.wordings:
            return before
        changed = [i for i in range(n) if neighbours[i] is not before.neighbours[i]]
        dirty = {i for i in range(n) if keys[i] != before.keys[i]
                 or (wordings[i] is not before.wordings[i] and wordings[i] != before.wordings[i])}
        if len(changed) + len(dirty) <= n // 10:
            pairs = set(before.pairs)
            asked: set[tuple[int, int]] = set()
            for i in changed:
                old, new = _list_pairs(i, before.neighbours[i]), _list_pairs(i, neighbours[i])
                for a, b in old - new:  # gone unless the other entry's list still holds it
                    other = b if a == i else a
                    if not any(j == i for _, j in neighbours[other]):
                        pairs.discard((a, b))
                asked |= new - pairs
                pairs |= new
            if dirty:
                asked.update(p for p in pairs if p[0] in dirty or p[1] in dirty)
            edges = {p for p in before.edges if p in pairs and p not in asked}
            edges.update(p for p in asked if not (keys[p[0]] and keys[p[0]] == keys[p[1]]) and alike(*p))
            return _same_question_step(ids, keys, wordings, neighbours, pairs, edges)
    pairs = _pair_set(neighbours)
    # Every pair is compared (not only those not yet joined), so that the next build can
    # tell which joins an edit undoes; pairs of equal keys are joined by their keys.
    edges = {p for p in pairs if not (keys[p[0]] and keys[p[0]] == keys[p[1]]) and alike(*p)}
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
    return SameQuestion(ids, keys, wordings, neighbours, pairs, edges, uf.parent)
