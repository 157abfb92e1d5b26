"""Questions asked again in other words, joined into "also asked as" groups.

The link graph groups the same question first (equal or near-identical text, the same
words asked); then `join_asked_again` joins the groups of questions asked again in
other words (`ordinary.asked_again`), closest pairs first, a group taking a question
only when it is asked again with every member: small additions never chain two
questions that ask different things into one group.

The part of each pair's verdict that reads only the two entries (`Verdicts`) is kept
between rebuilds: an edit asks it again only of the pairs it touches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from .answers import MIN_TERMS
from .ordinary import Rarity, Wording, close_enough, may_be_asked_again, share_said
from .similar import Bag, Unit, cosine
from .unionfind import UnionFind

# pair of entry ids -> (what the verdict read: both wordings and both answers' bags, the verdict)
Verdicts = dict[tuple[str, str], tuple[Wording, Wording, Bag, Bag, bool]]


@dataclass(frozen=True)
class Answers:
    """The entries' answers as the graph compares them: bags and unit vectors (answers.py)."""

    bags: tuple[Bag, ...]
    units: tuple[Unit, ...]

    def alike(self, i: int, j: int) -> float | None:
        """How alike the answers of entries i and j are (None when one is too short to tell)."""
        return answers_alike(self.units[min(i, j)], self.units[max(i, j)])


def answers_alike(a: Unit, b: Unit, b_values: Mapping[str, float] | None = None) -> float | None:
    """The cosine of two answers' unit vectors, None when one is too short to tell."""
    return cosine(a, b, b_values) if min(len(a.terms), len(b.terms)) >= MIN_TERMS else None


def may_be_asked(ids: Sequence[str], wordings: Sequence[Wording], bags: Sequence[Bag],
                 known: Mapping[tuple[str, str], tuple], verdicts: Verdicts) -> Callable[[int, int], bool]:
    """`may_be_asked_again` of the entries at two positions (lower first), the previous
    build's verdict (`known`) when it read these very wordings and answers; `verdicts`
    gets each verdict asked."""

    def may_be(i: int, j: int) -> bool:
        key, wi, wj, bi, bj = (ids[i], ids[j]), wordings[i], wordings[j], bags[i], bags[j]
        kept = known.get(key)
        # Asked for many pairs at each rebuild: spelled out, not a generator.
        if kept is None or kept[0] is not wi or kept[1] is not wj or kept[2] is not bi or kept[3] is not bj:
            kept = (wi, wj, bi, bj, may_be_asked_again(wi, wj, bi, bj))
        verdicts[key] = kept
        return kept[4]
    return may_be


def join_asked_again(candidates: Iterable[tuple[int, int]], uf: UnionFind, groups_by_root: dict[int, list[int]],
                     wordings: Sequence[Wording], weights: Rarity, answers: Answers,
                     may_be: Callable[[int, int], bool]) -> None:
    """Join the groups (`groups_by_root` and `uf`, updated) of questions asked again, among
    the `candidates`: the neighbour pairs (positions, lower first) that `may_be` (made by
    `may_be_asked`; the others cannot join)."""
    first_root = {i: uf.find(i) for i in range(len(wordings))}
    found: dict[tuple[int, int], bool] = {}

    def again(i: int, j: int) -> bool:
        i, j = min(i, j), max(i, j)
        if (i, j) not in found:
            found[(i, j)] = may_be(i, j) and close_enough(wordings[i], wordings[j], weights,
                                                          lambda: answers.alike(i, j))
        return found[(i, j)]

    def closeness(i: int, j: int) -> float:
        return min(share_said(wordings[i], wordings[j], weights), share_said(wordings[j], wordings[i], weights))

    closest = sorted(((closeness(i, j), i, j) for i, j in candidates if first_root[i] != first_root[j] and again(i, j)),
                     key=lambda sij: (-sij[0], sij[1], sij[2]))
    for _, i, j in closest:
        a, b = uf.find(i), uf.find(j)
        if a == b or not all(first_root[x] == first_root[y] or again(x, y)
                             for x in groups_by_root[a] for y in groups_by_root[b]):
            continue
        members = groups_by_root.pop(a) + groups_by_root.pop(b)
        uf.union(a, b)
        groups_by_root[uf.find(a)] = members
