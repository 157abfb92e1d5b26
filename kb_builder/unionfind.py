"""Disjoint sets: items joined pairwise into groups (duplicate questions, variants of an error)."""
from __future__ import annotations

from typing import Hashable, Iterable


class UnionFind:
    def __init__(self, items: Iterable[Hashable]):
        self.parent = {item: item for item in items}

    def copy(self) -> "UnionFind":
        """The same groups, joined further without changing these."""
        other = UnionFind(())
        other.parent = dict(self.parent)
        return other

    def find(self, item: Hashable) -> Hashable:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller root stays: the same groups, with the same roots, whatever the order of the unions
            self.parent[max(ra, rb)] = min(ra, rb)
