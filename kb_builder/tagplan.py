"""Which tags get a page, which are merged into another, and what each tag page links to.

A tag page earns its place by gathering entries: a tag carried by fewer than
`min_entries` entries gets no page (the entry links to a search for it instead).
Tags that are one another's compound (心跳 / 心跳检测) are one topic when the entries
back it and the shorter one is not a broad word the compound narrows (数据库 / 达梦数据库:
linked instead; see `plan_tags`).  Pure: entry ids and tag slugs in, a frozen plan out.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Mapping, Sequence

from .tags import has_cjk

MIN_ENTRIES = 2  # default `tag_min_entries`
RELATED_TAGS = 6  # related tags shown on a tag page
OWN_TOPIC = 10  # a compound with this many entries is a topic of its own: linked, never merged
BROAD_SHARE = 1 / 30  # a tag on this share of the entries (and on OWN_TOPIC) is a broad word: nothing merges into it
NEIGHBOURS_ALIKE = 0.3  # cosine of two tags' neighbour counts that says they are used alike
MAX_PART = 40  # longest tag part looked up (tags are short; a hostile one must not cost more)
_PARTS = re.compile(r"[-_.\s/]+")


def cosine(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    """Cosine of two count vectors (0 when either is empty)."""
    dot = sum(n * b.get(k, 0) for k, n in a.items())
    norm = math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))
    return dot / norm if norm else 0.0


def is_compound_of(short: str, long: str) -> bool:
    """Whether `long` is `short` with more added: 心跳 in 心跳检测, config in config-center;
    never a Latin fragment of a word (node is not in nodejs) nor one CJK character."""
    if len(short) >= len(long):
        return False
    if has_cjk(short):
        return len(short) >= 2 and short in long
    parts, sub = _PARTS.split(long), _PARTS.split(short)
    return any(parts[i:i + len(sub)] == sub for i in range(len(parts) - len(sub) + 1))


@dataclass(frozen=True)
class TagPlan:
    """`members`: the entry ids of each tag that has a page (merged tags' entries included);
    `merged`: variant -> the tag whose page holds its entries; `related` and `see_also`:
    the tags each page links to."""

    members: Mapping[str, tuple[str, ...]]
    merged: Mapping[str, str]
    related: Mapping[str, tuple[str, ...]]
    see_also: Mapping[str, tuple[str, ...]]

    def page_of(self, slug: str) -> str | None:
        """The tag whose page lists this tag's entries, or None (no page: a search for it)."""
        home = self.merged.get(slug, slug)
        return home if home in self.members else None

    @cached_property
    def variants(self) -> Mapping[str, tuple[str, ...]]:
        """The tags merged into each tag (tag -> its variants)."""
        out: dict[str, list[str]] = defaultdict(list)
        for variant, home in self.merged.items():
            out[home].append(variant)
        return {home: tuple(found) for home, found in out.items()}


def plan_tags(tagged: Iterable[tuple[str, Sequence[str]]], labels: Mapping[str, str] | None = None,
              texts: Mapping[str, str] | None = None, min_entries: int = MIN_ENTRIES,
              found: Mapping[str, frozenset[tuple[str, str]]] | None = None,
              compounds: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> TagPlan:
    """The plan for entries given as (entry id, tag slugs), the tags' labels and the entries' texts.
    Instead of the texts, `found` may say what the plan asks of them: for each entry of
    `text_queries`, which of its queries `written_forms` found (a text edit that changes no
    answer then leaves the plan's inputs as they were).  `compounds`: `compound_tags` of
    these tags, when the caller has it.

    A Chinese compound (心跳检测) is merged into its shorter tag (心跳, as the slug or the
    label) when the tags say they are one topic (the two come with the same other tags, or
    half the entries of one carry the other) and the shorter tag is at least as common: its
    page is the broader one and every entry of the compound belongs on it, and the compound
    has few entries (a large one is a topic of its own: 配置中心 beside 配置).  A compound
    naming a more specific thing is not folded into a generic word either: not into a broad
    tag (on `BROAD_SHARE` of the entries, and on `OWN_TOPIC` at least: 启动报错 beside 报错,
    服务中心 beside 服务), nor into a shorter tag carried beside it on half its entries when it could have a
    page of its own (达梦数据库 with 数据库: whoever tagged them used both, for two things; a
    compound too small for a page is listed there anyway).  Otherwise the two pages only link to
    each other, also when the compound's entries merely write the shorter word: text shares
    words across topics too easily to merge on, and Latin compounds are usually names of
    their own (spring-boot is not spring).
    """
    labels, texts = labels or {}, texts or {}
    members: dict[str, list[str]] = defaultdict(list)
    neighbours: dict[str, Counter] = defaultdict(Counter)
    entries = 0
    for entry_id, slugs in tagged:
        entries += 1
        slugs = list(dict.fromkeys(slugs))
        for slug in slugs:
            members[slug].append(entry_id)
            near = neighbours[slug]
            for other in slugs:  # counted one by one: Counter.update costs more per call than a few adds
                if other != slug:
                    near[other] += 1
    count = {slug: len(ids) for slug, ids in members.items()}
    if compounds is None:
        compounds = compound_tags(members, labels)

    lowered: dict[str, str] = {}

    def text(entry_id: str) -> str:
        if entry_id not in lowered:
            lowered[entry_id] = texts.get(entry_id, "").lower()
        return lowered[entry_id]

    def shared(short: str, long: str) -> bool:
        """The tags say they are one topic: half the entries of one carry the other too (a single
        shared entry of two large tags is chance), or the same other tags come with each."""
        return neighbours[long][short] * 2 >= min(count[short], count[long]) or cosine(_without(neighbours[long], short),
                                                       _without(neighbours[short], long)) >= NEIGHBOURS_ALIKE

    def writes(entry_id: str, outside: str, form: str) -> bool:
        if found is not None:
            return (outside, form) in found.get(entry_id, ())
        return _writes_outside(text(entry_id), outside, form)

    def written(short: str, long: str, form: str) -> bool:
        """Most of the compound's entries write the shorter word on its own, too."""
        outside = labels.get(long, long).lower()
        hits = sum(writes(i, outside, form) for i in members[long])
        return hits * 2 >= len(members[long]) > 0

    broad = max(OWN_TOPIC, BROAD_SHARE * entries)

    def folded(short: str, long: str) -> bool:
        """Merging would fold a narrower tag into a broader one: the shorter tag is a broad
        word (on many entries: 服务, 报错), or the compound could have a page and its entries
        carry the shorter tag beside it (达梦数据库 with 数据库: the tags name two things)."""
        return count[short] >= broad or (count[long] >= min_entries and neighbours[long][short] * 2 >= count[long])

    merged: dict[str, str] = {}
    linked: dict[str, set[str]] = defaultdict(set)
    for long in members:
        pairs = compounds.get(long, [])
        broader = [s for s, form in pairs if has_cjk(form) and count[s] >= count[long] < OWN_TOPIC
                   and shared(s, long) and not folded(s, long)]
        if broader:
            # the tag sharing most entries, then the most common, then the shortest
            merged[long] = max(broader, key=lambda s: (neighbours[long][s], count[s], -len(s), s))
        for short, form in pairs:
            if short not in broader and (shared(short, long) or written(short, long, form)):
                linked[short].add(long)
                linked[long].add(short)
    merged = {slug: _root(slug, merged) for slug in merged}
    pooled: dict[str, list[str]] = defaultdict(list)
    for slug, ids in members.items():
        pooled[merged.get(slug, slug)].extend(ids)
    pages = {slug: tuple(dict.fromkeys(ids)) for slug, ids in pooled.items() if len(set(ids)) >= min_entries}
    see_also = {slug: tuple(sorted({merged.get(o, o) for o in others} & pages.keys() - {slug}))
                for slug, others in linked.items() if slug in pages}
    return TagPlan(pages, merged, _related(pages, tagged_ids(members, merged)),
                   {k: v for k, v in see_also.items() if v})


def compound_tags(members: Iterable[str], labels: Mapping[str, str]) -> dict[str, list[tuple[str, str]]]:
    """For each tag that is a compound of others, those tags, each with its form written
    inside the compound (found by looking up every part of the compound's slug and label,
    not by trying every tag)."""
    forms = {slug: {slug, labels.get(slug, slug).lower()} for slug in members}
    by_form: dict[str, set[str]] = defaultdict(set)
    for slug, slug_forms in forms.items():
        for form in slug_forms:
            by_form[form].add(slug)
    out: dict[str, list[tuple[str, str]]] = {}
    for long, long_forms in forms.items():
        found: dict[str, str] = {}
        for lg in sorted(long_forms):
            for start in range(len(lg)):
                for end in range(start + 1, min(len(lg), start + MAX_PART) + 1):
                    for short in sorted(by_form.get(lg[start:end], ())):
                        if short != long and short not in found and is_compound_of(lg[start:end], lg):
                            found[short] = lg[start:end]
        if found:
            out[long] = list(found.items())
    return out


def text_queries(tagged: Iterable[tuple[str, Sequence[str]]], labels: Mapping[str, str],
                 compounds: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> dict[str, tuple[tuple[str, str], ...]]:
    """What `plan_tags` may ask of each entry's text: for each compound tag it carries,
    whether each shorter tag's form is written outside the compound's label."""
    members: dict[str, list[str]] = defaultdict(list)
    for entry_id, slugs in tagged:
        for slug in dict.fromkeys(slugs):
            members[slug].append(entry_id)
    asked: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)
    for long, pairs in (compounds if compounds is not None else compound_tags(members, labels)).items():
        outside = labels.get(long, long).lower()
        for entry_id in members[long]:
            asked[entry_id].update(((outside, form), None) for _, form in pairs)
    return {entry_id: tuple(queries) for entry_id, queries in asked.items()}


def written_forms(text: str, queries: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    """The queries (outside, form) whose form `text` writes outside `outside` (case folded)."""
    lowered = text.lower()
    return frozenset((outside, form) for outside, form in queries if _writes_outside(lowered, outside, form))


def _writes_outside(lowered: str, outside: str, form: str) -> bool:
    """Whether a (lower-cased) text writes a shorter tag's `form` other than inside the
    compound's label `outside` (the one rule `plan_tags` asks of texts)."""
    return form in lowered.replace(outside, " ")


# The plan in steps a build's store remembers: inputs are tuples (hashable).

Compounds = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # `compound_tags`, as a key


def tag_compounds(labels: tuple[tuple[str, str], ...]) -> Compounds:
    """`compound_tags` of the tags (slug, label), as a key of the plan's other steps."""
    return tuple((long, tuple(pairs)) for long, pairs in compound_tags(dict(labels), dict(labels)).items())


def plan_queries(tagged: tuple[tuple[str, tuple[str, ...]], ...], labels: tuple[tuple[str, str], ...],
                 compounds: Compounds) -> dict[str, tuple[tuple[str, str], ...]]:
    """`text_queries`, its inputs as keys (a build's store remembers it)."""
    return text_queries(tagged, dict(labels), dict(compounds))


def tag_plan(tagged: tuple[tuple[str, tuple[str, ...]], ...], labels: tuple[tuple[str, str], ...],
             found: tuple[tuple[str, frozenset[tuple[str, str]]], ...], min_entries: int,
             compounds: Compounds) -> TagPlan:
    """`plan_tags` from what `written_forms` found for each entry `plan_queries` names."""
    return plan_tags(tagged, dict(labels), None, min_entries, found=dict(found), compounds=dict(compounds))


def _without(counts: Counter, key: str) -> Counter:
    return Counter({k: v for k, v in counts.items() if k != key})


def _root(slug: str, merged: Mapping[str, str]) -> str:
    seen = {slug}
    while slug in merged and merged[slug] not in seen:  # a merge goes to a shorter form: no cycles
        slug = merged[slug]
        seen.add(slug)
    return slug


def tagged_ids(members: Mapping[str, Sequence[str]], merged: Mapping[str, str]) -> dict[str, set[str]]:
    """Each entry's tags after merging (entry id -> tags)."""
    out: dict[str, set[str]] = defaultdict(set)
    for slug, ids in members.items():
        for entry_id in ids:
            out[entry_id].add(merged.get(slug, slug))
    return out


def _related(pages: Mapping[str, tuple[str, ...]], by_entry: Mapping[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """For each page, the tags with pages that co-occur most with it, by the Ochiai
    coefficient (shared entries / sqrt(entries of one x entries of the other)), which does
    not favour the commonest tags the way a raw count does."""
    shared: dict[str, Counter] = defaultdict(Counter)
    for slugs in by_entry.values():
        slugs = [s for s in slugs if s in pages]
        for s in slugs:
            co = shared[s]
            for o in slugs:
                if o != s:
                    co[o] += 1
    related = {}
    for slug, co in shared.items():
        ranked = sorted(co, key=lambda o: (-co[o] / math.sqrt(len(pages[slug]) * len(pages[o])), -co[o], o))
        related[slug] = tuple(ranked[:RELATED_TAGS])
    return related


def initial(label: str) -> str:
    """The letter a tag is filed under in the tag index: its first Latin letter, or the
    pinyin initial of its first Chinese character; '#' for anything else."""
    first = label.strip()[:1]
    if first.isascii() and first.isalpha():
        return first.upper()
    if has_cjk(first):
        try:
            from pypinyin import Style, pinyin
        except ImportError:  # pragma: no cover - pypinyin is a dependency
            return "#"
        letter = pinyin(first, style=Style.FIRST_LETTER, errors="ignore")
        if letter and letter[0] and letter[0][0][:1].isascii() and letter[0][0][:1].isalpha():
            return letter[0][0][:1].upper()
    return "#"
