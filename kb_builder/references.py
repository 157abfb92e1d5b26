"""References between entries: title keys, relative links, cited titles, backlinks.

* `title_key` / `near_identical` / `title_matches`: normalised question text and
  how close two of them are;
* `LinkMaps` + `resolve_link`: a relative link (as written in an entry) to the
  entry it points at;
* `TitleResolver`: a cited title (`专家经验：<title>`) to the entry with that
  title or question, exactly, without question words, or fuzzily;
* `entry_references` / `combine_references`: each entry's references resolved, and the backlinks.
"""
from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property, lru_cache
from typing import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from .analyze import Analyzer, fold
from .model import NormalizedEntry, Reference, hash_once

FUZZY_TITLE_RATIO = 0.8

# "专家经验：Nacos 介绍" → "Nacos 介绍"
_REF_PREFIX = re.compile(
    r"^\s*(?:专家经验|專家經驗|专家解答|相关问题|相關問題|相关|参考|參考|参见|參見|见|see also|see|related|expert experience)"
    r"\s*[:：]\s*",
    re.I,
)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
# No bracket in the label and no parenthesis in the target: either let a match be
# tried from every bracket of "[[[…" or "[](…" and read on to the end (quadratic).
_MD_BODY_LINK = re.compile(r"\[[^\[\]]*\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_VERSION = re.compile(r"\d+(?:\.\d+)*")


# --------------------------------------------------------------------------- text keys

@lru_cache(maxsize=65536)
def title_key(text: str) -> str:
    """Normalised title for exact matching: folded, '#'/punctuation/spaces removed."""
    text = fold(_REF_PREFIX.sub("", text))
    return re.sub(r"[\W_]+", "", text)


_FILLERS = re.compile(r"是什么|什么|怎么办|怎么样|怎么|如何|为什么|请问|问题|一下|吗|呢|么|的|了")


@lru_cache(maxsize=1 << 16)  # every rebuild of the resolver asks again for each title
def loose_key(key: str) -> str:
    """A title key without question words and particles, for matching cited titles."""
    return _FILLERS.sub("", key)


def _numbers(key: str) -> tuple[str, ...]:
    return tuple(sorted(_VERSION.findall(key)))


def _unmatched(a: str, b: str) -> tuple[int, float]:
    """(characters not in a common block, similarity ratio) of two keys."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return len(a) + len(b) - 2 * matched, (2.0 * matched / (len(a) + len(b)) if a or b else 1.0)


def near_identical(a: str, b: str, min_len: int = 4) -> bool:
    """Two normalised questions that differ by at most a couple of characters (no number
    changes), none of them a word one adds: two or more characters in a row on one side
    only ('配置数据源', '配置达梦数据源') ask about something more, where a typo changes
    characters on both sides or drops a single one."""
    if not a or not b or min(len(a), len(b)) < min_len or _numbers(a) != _numbers(b):
        return False
    if a == b:
        return True
    longest = max(len(a), len(b))
    budget = max(2, int(0.08 * longest))
    if abs(len(a) - len(b)) > budget:
        return False
    unmatched, _ = _unmatched(a, b)
    if unmatched > budget:
        return False
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return not any(tag in ("insert", "delete") and max(i2 - i1, j2 - j1) >= 2 for tag, i1, i2, j1, j2 in opcodes)


def title_matches(ref_key: str, candidate: str) -> bool:
    """A cited title and an entry's title/question: same text give or take a few characters,
    or one is a long enough part of the other (titles are often truncated or prefixed)."""
    if not ref_key or not candidate:
        return False
    if ref_key == candidate:
        return True
    if len(ref_key) < 10:
        return False  # short titles ("Nacos 介绍") only match exactly
    short, long_ = sorted((ref_key, candidate), key=len)
    if len(short) >= 10 and short in long_ and len(short) >= 0.6 * len(long_):
        return set(_numbers(short)) <= set(_numbers(long_))
    if len(short) < 14 or _numbers(ref_key) != _numbers(candidate):
        return False
    unmatched, ratio = _unmatched(ref_key, candidate)
    return ratio >= FUZZY_TITLE_RATIO and unmatched <= max(3, int(0.2 * len(long_)))


# --------------------------------------------------------------------------- links

@hash_once  # a key of every entry's remembered references: hashed once, not per entry
@dataclass(frozen=True)
class LinkMaps:
    """Where relative links can point: every entry's (source path, id), in corpus order."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, entries: Iterable[NormalizedEntry]) -> "LinkMaps":
        return cls(tuple((n.entry.source_path, n.entry.id) for n in entries))

    @cached_property
    def by_path(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for path, entry_id in self.pairs:
            out.setdefault(path, entry_id)
        return out

    @cached_property
    def by_id(self) -> dict[str, str]:
        return {entry_id: entry_id for _, entry_id in self.pairs}

    @cached_property
    def suffixes(self) -> dict[str, list[str]]:
        """alnum stem → ids, for links whose file names differ from ours by a prefix."""
        index: dict[str, list[str]] = defaultdict(list)
        for path, entry_id in self.by_path.items():
            index[_alnum(posixpath.splitext(posixpath.basename(path))[0])].append(entry_id)
        for key, entry_id in self.by_id.items():
            index[_alnum(key)].append(entry_id)
        return index


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def resolve_link(target: str, maps: LinkMaps, source: str | None = None) -> str | None:
    """The entry id a relative link points to, or None (external links, anchors, missing files).

    With `source` (the linking entry's path in the content dir), the link is first
    read relative to that entry's folder, as a browser or editor would.

    Matches the path as written (without ./ and fragments), the file name with or
    without .md, the entry id, and finally a unique file name or id that ends with
    (or is ended by) the linked name, e.g. ./user-question-history11440.md →
    NACOS-user-question-history11440.md.
    """
    if not target or _EXTERNAL.match(target.strip()) or target.strip().startswith("#"):
        return None
    by_path, by_id = maps.by_path, maps.by_id
    path = unquote(urlsplit(target.strip()).path)
    if not path:
        return None
    folder = posixpath.dirname(source) if source else ""
    if folder:
        beside = posixpath.normpath(posixpath.join(folder, path.replace("\\", "/")))
        if beside in by_path:
            return by_path[beside]
    path = posixpath.normpath(path.replace("\\", "/"))
    while path.startswith("../"):
        path = path[3:]
    path = path.lstrip("/")
    if path.startswith("./"):
        path = path[2:]
    base = posixpath.basename(path)
    stem, ext = posixpath.splitext(base)
    if ext.lower() not in ("", ".md", ".markdown", ".html", ".htm"):
        return None
    for key in (path, base, stem + ".md", stem + ".markdown", stem):
        if key in by_path:
            return by_path[key]
    for key in (stem, base):
        if key in by_id:
            return by_id[key]
    want = _alnum(stem)
    if len(want) < 4:
        return None
    index = maps.suffixes
    if want in index and len(set(index[want])) == 1:
        return index[want][0]
    if not re.search(r"\d", want):
        return None  # suffix matches only for numbered names, where they are unambiguous
    found = {eid for key, ids in index.items() if len(key) >= 6 and (key.endswith(want) or want.endswith(key))
             for eid in ids}
    return found.pop() if len(found) == 1 else None


def _cited(text: str) -> str:
    """The title a reference cites, without its prefix: the text fuzzy matching segments."""
    return _REF_PREFIX.sub("", text)


@dataclass(frozen=True)
class ResolverInput:
    """What cited titles are matched against: every entry's id, title, question and terms."""

    ids: tuple[str, ...]
    titles: tuple[tuple[str, str], ...]  # (title, question) per entry
    terms: tuple[frozenset[str], ...]  # the terms of each entry's vector
    cap: int  # terms in more entries than this pick no candidates


class TitleResolver:
    """Cited titles to entries: exact title or question, without question words, then fuzzy
    among the entries sharing the title's rarer terms."""

    def __init__(self, given: ResolverInput, analyzer: Analyzer, previous: "TitleResolver | None" = None):
        self.given, self.analyzer = given, analyzer
        self.exact: dict[str, str] = {}
        for entry_id, (title, _) in zip(given.ids, given.titles):
            self.exact.setdefault(title_key(title), entry_id)
        for entry_id, (_, question) in zip(given.ids, given.titles):
            if question:
                self.exact.setdefault(title_key(question[:300]), entry_id)
        self.exact.pop("", None)
        self.loose: dict[str, str] = {}
        for key, entry_id in self.exact.items():
            self.loose.setdefault(loose_key(key), entry_id)
        self.loose.pop("", None)
        self.keys = [title_key(title) for title, _ in given.titles]
        self.qkeys = [title_key((question or "")[:300]) for _, question in given.titles]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, terms in enumerate(given.terms):
            for t in sorted(terms):
                self.postings[t].append(i)
        # cited text -> (entry id or None, the terms that picked the candidates)
        self.cache: dict[str, tuple[str | None, frozenset[str]]] = self._kept(previous)
        self.asked: set[str] = set()  # texts matched fuzzily: the next resolver keeps only these

    def _kept(self, previous: "TitleResolver | None") -> dict:
        """The previous resolver's fuzzy answers that cannot have changed.

        A fuzzy answer reads the cited text's terms, and only the entries sharing one of
        them (their title keys and term lists) and those terms' document counts; every
        such input of a changed entry is one of its old or new terms."""
        if previous is None or previous.given.cap != self.given.cap:
            return {}
        ids, old_ids = self.given.ids, previous.given.ids
        touched: set[str] = set()
        if old_ids == ids:
            pairs: Iterable[tuple[int, int]] = ((i, i) for i in range(len(ids)))
        else:
            # An entry added or removed: the others keep their answers if they kept their order
            # (candidates tied on count are taken in corpus order).
            now, before = set(ids), set(old_ids)
            if [i for i in old_ids if i in now] != [i for i in ids if i in before]:
                return {}
            old_at = {eid: k for k, eid in enumerate(old_ids)}
            for i, eid in enumerate(ids):
                if eid not in before:
                    touched.update(self.given.terms[i])
            for k, eid in enumerate(old_ids):
                if eid not in now:
                    touched.update(previous.given.terms[k])
            pairs = ((old_at[eid], i) for i, eid in enumerate(ids) if eid in before)
        for k, i in pairs:
            old, new = previous.given.terms[k], self.given.terms[i]
            if old != new or previous.keys[k] != self.keys[i] or previous.qkeys[k] != self.qkeys[i]:
                touched.update(old, new)
        # A term in more entries than the cap picks no candidates (`_fuzzy`): one that was and
        # is in that many cannot change an answer.
        cap, now_in, then_in = self.given.cap, self.postings, previous.postings
        touched = {t for t in touched if len(now_in.get(t, ())) <= cap or len(then_in.get(t, ())) <= cap}
        analyzer, before = self.analyzer, previous.analyzer
        return {text: found for text in previous.asked if (found := previous.cache.get(text)) is not None
                and touched.isdisjoint(found[1]) and analyzer.cuts_alike((_cited(text),), before)}

    def resolve(self, text: str) -> tuple[str | None, str]:
        """(entry id, how: 'exact' | 'fuzzy' | '')."""
        key = title_key(text)
        if not key:
            return None, ""
        if key in self.exact:
            return self.exact[key], "exact"
        if len(loose_key(key)) >= 4 and loose_key(key) in self.loose:
            return self.loose[loose_key(key)], "fuzzy"
        self.asked.add(text)
        hit = self.cache.get(text)
        if hit is None:
            hit = self.cache[text] = self._fuzzy(key, text)
        return hit[0], "fuzzy" if hit[0] else ""

    def _fuzzy(self, key: str, text: str) -> tuple[str | None, frozenset[str]]:
        counts: Counter = Counter()
        words = frozenset(self.analyzer.terms(_cited(text)))
        for t in sorted(words):  # candidates counted in one order in every process (ties)
            plist = self.postings.get(t, ())
            if len(plist) <= self.given.cap:
                counts.update(plist)
        best, best_ratio = None, 0.0
        for i, _ in counts.most_common(20):
            for candidate in (self.keys[i], self.qkeys[i]):
                if title_matches(key, candidate):
                    ratio = _unmatched(key, candidate)[1]
                    if ratio > best_ratio:
                        best, best_ratio = self.given.ids[i], ratio
        return best, words


@dataclass
class References:
    targets: dict[str, list[tuple[Reference, str | None]]]
    referenced_by: dict[str, dict[str, None]]
    unresolved: list[tuple[str, Reference]]
    stats: Counter
    unresolved_texts: Counter


@dataclass(frozen=True)
class EntryReferences:
    """One entry's references resolved (what `entry_references` finds)."""

    found: tuple[tuple[Reference, str | None], ...]
    cites: tuple[str, ...]  # entries it cites, in the order met: references, then links in the answer
    stats: tuple[tuple[str, int], ...]
    unresolved: tuple[tuple[Reference, str], ...]  # each with the text `unresolved_texts` counts


def _leaves_the_site(ref: Reference) -> bool:
    return bool(ref.target) and bool(_EXTERNAL.match(ref.target) or ref.target.startswith("#"))


def looks_up_entries(references: tuple[Reference, ...], links_in_answer: tuple[str, ...]) -> bool:
    """Whether resolving an entry's references reads the other entries (`entry_references`'s
    resolver and maps): not when it has no links in its answer and every reference leaves
    the site, so adding an entry does not resolve every entry's references again."""
    return bool(links_in_answer) or not all(map(_leaves_the_site, references))


def entry_references(entry_id: str, source: str, references: tuple[Reference, ...], links_in_answer: tuple[str, ...],
                     resolver: TitleResolver | None, maps: LinkMaps | None) -> EntryReferences:
    """One entry's references resolved to entries, and the links in its answer that count
    as references for backlinks (remembered per entry: an edit resolves its own only).
    `resolver` and `maps` may be None when `looks_up_entries` says they are not read."""
    found, cites, stats, unresolved = [], [], Counter(), []
    for ref in references:
        target_id, how = None, ""
        if _leaves_the_site(ref):
            stats["external"] += 1
        else:
            assert resolver is not None and maps is not None, "looks_up_entries said otherwise"
            if ref.target:
                target_id = resolve_link(ref.target, maps, source)
                how = "link" if target_id else ""
            if target_id is None:
                target_id, how = resolver.resolve(ref.text)
            if target_id == entry_id:
                target_id, how = None, "self"
            if target_id:
                stats["resolved"] += 1
                stats[f"resolved_{how}"] += 1
                cites.append(target_id)
            elif how == "self":
                stats["self"] += 1
            else:
                stats["unresolved"] += 1
                unresolved.append((ref, ref.target or _REF_PREFIX.sub("", ref.text).strip()))
        found.append((ref, target_id))
    for target in links_in_answer:
        assert maps is not None, "looks_up_entries said otherwise"
        target_id = resolve_link(target, maps, source)
        if target_id and target_id != entry_id:
            stats["body_links_resolved"] += 1
            cites.append(target_id)
        else:
            stats["body_links_unresolved"] += 1
    return EntryReferences(tuple(found), tuple(cites), tuple(stats.items()), tuple(unresolved))


def combine_references(ids: Sequence[str], each: Sequence[EntryReferences]) -> References:
    """Every entry's references, and the backlinks, from each entry's (in corpus order)."""
    out = References({}, defaultdict(dict), [], Counter(), Counter())
    for entry_id, refs in zip(ids, each):
        out.targets[entry_id] = list(refs.found)
        for target_id in refs.cites:
            out.referenced_by[target_id].setdefault(entry_id)
        out.stats.update(dict(refs.stats))
        for ref, text in refs.unresolved:
            out.unresolved.append((entry_id, ref))
            out.unresolved_texts[text] += 1
    return out


def body_links(answer: str) -> tuple[str, ...]:
    """Relative .md links in an answer (candidates for backlinks)."""
    out = []
    for match in _MD_BODY_LINK.finditer(answer):
        target = match.group(1)
        if _EXTERNAL.match(target) or target.startswith("#") or ".md" not in target.lower():
            continue
        out.append(target)
    return tuple(out)
