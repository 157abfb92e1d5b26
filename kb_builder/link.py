"""The entry graph, built from all entries before anything is rendered.

* related questions: TF-IDF cosine over title, question, tags and keywords, using
  the shared analyzer (`analyze.terms`), candidates from an inverted index;
* duplicate groups ("Also asked as"): near-identical questions;
* references: `专家经验：<title>` bare titles and relative `.md` links resolved to
  entries (normalised title, then fuzzy), external links kept, the rest reported;
* backlinks ("Referenced by");
* symptom hubs from a replaceable rules file (kb_builder/data/hubs.yml);
* an error-message index (see errors.py);
* a JSON-serialisable summary.
"""
from __future__ import annotations

import math
import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import unquote, urlsplit

import yaml

from .analyze import fold, terms
from .errors import SignatureIndex, extract_signatures
from .model import EntryLinks, NormalizedEntry, Reference, Related

DEFAULT_HUBS = Path(__file__).parent / "data" / "hubs.yml"
DEFAULT_MIN_SCORE = 0.12
FUZZY_TITLE_RATIO = 0.8
MAX_POSTINGS = 400  # terms in more entries than this do not generate candidates

# "专家经验：Nacos 介绍" → "Nacos 介绍"
_REF_PREFIX = re.compile(
    r"^\s*(?:专家经验|專家經驗|专家解答|相关问题|相關問題|相关|参考|參考|参见|參見|见|see also|see|related|expert experience)"
    r"\s*[:：]\s*",
    re.I,
)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
_MD_BODY_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_VERSION = re.compile(r"\d+(?:\.\d+)*")


# --------------------------------------------------------------------------- hubs

@dataclass(frozen=True)
class HubGroup:
    slug: str
    title: dict
    entry_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hub:
    slug: str
    title: dict
    description: dict
    groups: tuple[HubGroup, ...] = ()

    @property
    def entry_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for group in self.groups:
            for entry_id in group.entry_ids:
                seen.setdefault(entry_id)
        return tuple(seen)


@dataclass(frozen=True)
class Rule:
    """Matching rule: any canonical tag, any keyword (in title/question/tags) or any pattern."""

    tags: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern, ...] = ()
    exclude: tuple[re.Pattern, ...] = ()
    keyword_pattern: re.Pattern | None = None  # all keywords as one regex over the folded text

    def matches(self, doc: "_HubDoc") -> bool:
        if any(p.search(doc.text) for p in self.exclude):
            return False
        if self.tags & doc.tags:
            return True
        if self.keywords and (not doc.term_set.isdisjoint(self.keywords) or not doc.tags.isdisjoint(self.keywords)):
            return True
        if self.keyword_pattern is not None and self.keyword_pattern.search(doc.text):
            return True
        return any(p.search(doc.text) for p in self.patterns)

    @property
    def empty(self) -> bool:
        return not (self.tags or self.keywords or self.patterns)


@dataclass(frozen=True)
class GroupRule:
    slug: str
    title: dict
    rule: Rule


@dataclass(frozen=True)
class HubRule:
    slug: str
    title: dict
    description: dict
    rule: Rule
    groups: tuple[GroupRule, ...]
    other_title: dict


@dataclass(frozen=True)
class HubRules:
    hubs: tuple[HubRule, ...]
    other_title: dict = field(default_factory=lambda: {"zh": "其他", "en": "Other"})


class HubRulesError(ValueError):
    pass


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _texts(value, where: str) -> dict:
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) for v in value.values()):
        raise HubRulesError(f"{where}: expected a text or a mapping of language to text")
    return {str(k): v for k, v in value.items()}


def _str_list(value, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise HubRulesError(f"{where}: expected a list of texts")
    return [str(v) for v in value]


def _compile(patterns: list[str], where: str) -> tuple[re.Pattern, ...]:
    out = []
    for pattern in patterns:
        try:
            out.append(re.compile(pattern, re.I))
        except re.error as exc:
            raise HubRulesError(f"{where}: invalid regular expression {pattern!r}: {exc}") from None
    return tuple(out)


def _keyword_regex(keywords: Sequence[str]) -> re.Pattern | None:
    """Latin keywords as whole words, Chinese ones as substrings."""
    parts = []
    for keyword in sorted(set(keywords), key=len, reverse=True):
        if keyword.isascii():
            parts.append(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])")
        else:
            parts.append(re.escape(keyword))
    return re.compile("|".join(parts)) if parts else None


def _rule(data: dict, where: str) -> Rule:
    if not isinstance(data, dict):
        raise HubRulesError(f"{where}: expected a mapping")
    keywords = tuple(fold(k).strip() for k in _str_list(data.get("keywords"), f"{where}.keywords") if k.strip())
    return Rule(
        tags=frozenset(fold(t).strip() for t in _str_list(data.get("tags"), f"{where}.tags")),
        keywords=keywords,
        keyword_pattern=_keyword_regex(keywords),
        patterns=_compile(_str_list(data.get("patterns"), f"{where}.patterns"), f"{where}.patterns"),
        exclude=_compile(_str_list(data.get("exclude"), f"{where}.exclude"), f"{where}.exclude"),
    )


def load_hub_rules(path: str | Path | None = None) -> HubRules:
    """Read hub rules (YAML); the default is the shipped kb_builder/data/hubs.yml."""
    path = Path(path) if path is not None else DEFAULT_HUBS
    try:
        st = path.stat()
    except OSError:
        return _load_hub_rules(path, None)
    # The same unchanged file gives the same rules object (rebuilds reuse hub placements).
    return _load_hub_rules(path.resolve(), (st.st_mtime_ns, st.st_size))


@lru_cache(maxsize=8)
def _load_hub_rules(path: Path, stamp) -> HubRules:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise HubRulesError(f"{path}: invalid YAML: {exc}") from None
    return parse_hub_rules(data, str(path))


def parse_hub_rules(data, where: str = "hubs") -> HubRules:
    if not isinstance(data, dict) or not isinstance(data.get("hubs"), list):
        raise HubRulesError(f"{where}: expected a mapping with a 'hubs' list")
    other = _texts(data.get("other", {"zh": "其他", "en": "Other"}), f"{where}.other")
    hubs = []
    slugs: set[str] = set()
    for i, hub in enumerate(data["hubs"]):
        at = f"{where}.hubs[{i}]"
        if not isinstance(hub, dict):
            raise HubRulesError(f"{at}: expected a mapping")
        slug = str(hub.get("slug", ""))
        if not _SLUG.match(slug) or slug in slugs:
            raise HubRulesError(f"{at}: 'slug' must be unique lowercase ascii words joined by '-'")
        slugs.add(slug)
        groups = []
        group_slugs: set[str] = set()
        for j, group in enumerate(hub.get("groups") or []):
            gat = f"{at}.groups[{j}]"
            if not isinstance(group, dict):
                raise HubRulesError(f"{gat}: expected a mapping")
            gslug = str(group.get("slug", ""))
            if not _SLUG.match(gslug) or gslug in group_slugs or gslug == "other":
                raise HubRulesError(f"{gat}: 'slug' must be unique lowercase ascii words joined by '-' (not 'other')")
            group_slugs.add(gslug)
            groups.append(GroupRule(gslug, _texts(group.get("title", gslug), f"{gat}.title"),
                                    _rule(group.get("match", {}), f"{gat}.match")))
        hubs.append(HubRule(
            slug=slug,
            title=_texts(hub.get("title", slug), f"{at}.title"),
            description=_texts(hub.get("description", ""), f"{at}.description") if hub.get("description") else {},
            rule=_rule(hub.get("match", {}), f"{at}.match"),
            groups=tuple(groups),
            other_title=_texts(hub["other"], f"{at}.other") if hub.get("other") else other,
        ))
    return HubRules(tuple(hubs), other)


@dataclass
class _HubDoc:
    text: str  # folded title + question + tag labels
    tags: frozenset[str]
    term_set: frozenset[str]


def _placements(doc: _HubDoc, rules: HubRules) -> tuple[tuple[int, str], ...]:
    """(hub index, group slug) for every hub the document belongs to."""
    out = []
    for k, hub_rule in enumerate(rules.hubs):
        # The hub rule decides membership (when it has one); groups only sort members.
        if hub_rule.rule.empty:
            if any(p.search(doc.text) for p in hub_rule.rule.exclude):
                continue
        elif not hub_rule.rule.matches(doc):
            continue
        group_slug = next((g.slug for g in hub_rule.groups if not g.rule.empty and g.rule.matches(doc)), None)
        if group_slug is None:
            if hub_rule.rule.empty:
                continue
            group_slug = "other"
        out.append((k, group_slug))
    return tuple(out)


# Placements of the last corpus, for the rules object they were computed with: a
# rebuild (kb serve) matches only the entries whose text or tags changed.
_PLACED: dict = {"rules": None, "by_doc": {}}


def assign_hubs(docs: Mapping[str, _HubDoc], rules: HubRules) -> tuple[Hub, ...]:
    known = _PLACED["by_doc"] if _PLACED["rules"] is rules else {}
    placed: dict = {}
    members_of: list[dict[str, list[str]]] = [defaultdict(list) for _ in rules.hubs]
    for entry_id, doc in docs.items():
        key = (doc.text, doc.tags, doc.term_set)
        found = known.get(key)
        if found is None:
            found = _placements(doc, rules)
        placed[key] = found
        for k, group_slug in found:
            members_of[k][group_slug].append(entry_id)
    _PLACED["rules"], _PLACED["by_doc"] = rules, placed
    hubs = []
    for hub_rule, members in zip(rules.hubs, members_of):
        groups = [HubGroup(g.slug, g.title, tuple(members[g.slug])) for g in hub_rule.groups if members.get(g.slug)]
        if members.get("other"):
            groups.append(HubGroup("other", hub_rule.other_title, tuple(members["other"])))
        hubs.append(Hub(hub_rule.slug, hub_rule.title, hub_rule.description, tuple(groups)))
    return tuple(hubs)


# --------------------------------------------------------------------------- text keys

@lru_cache(maxsize=65536)
def title_key(text: str) -> str:
    """Normalised title for exact matching: folded, '#'/punctuation/spaces removed."""
    text = fold(_REF_PREFIX.sub("", text))
    return re.sub(r"[\W_]+", "", text)


_FILLERS = re.compile(r"是什么|什么|怎么办|怎么样|怎么|如何|为什么|请问|问题|一下|吗|呢|么|的|了")


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
    """Two normalised questions that differ by at most a couple of characters (no number changes)."""
    if not a or not b or min(len(a), len(b)) < min_len or _numbers(a) != _numbers(b):
        return False
    if a == b:
        return True
    longest = max(len(a), len(b))
    budget = max(2, int(0.08 * longest))
    if abs(len(a) - len(b)) > budget:
        return False
    unmatched, _ = _unmatched(a, b)
    return unmatched <= budget


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


# --------------------------------------------------------------------------- vectors

@dataclass
class _Doc:
    id: str
    weights: dict[str, float]  # raw weighted term frequencies
    vector: dict[str, float] = field(default_factory=dict)
    key: str = ""  # normalised question for duplicate detection


def _entry_texts(n: NormalizedEntry) -> tuple[str, str]:
    """(title, question) with a truncated title dropped when the question repeats it."""
    title, question = n.entry.title.strip(), (n.entry.question or "").strip()
    tkey, qkey = title_key(title), title_key(question)
    if qkey and (qkey == tkey or (tkey and qkey.startswith(tkey))):
        return "", question
    return title, question


@lru_cache(maxsize=200_000)
def _terms(text: str) -> tuple[str, ...]:
    """analyze.terms, memoised for one build (cleared by build_graph: the analyzer may learn words)."""
    return tuple(terms(text))


def _weighted_terms(n: NormalizedEntry) -> dict[str, float]:
    title, question = _entry_texts(n)
    weights: Counter = Counter()
    # A long question pasted from a log gets less weight per term than a short title.
    for text, weight in ((title, 2.0), (question, 2.0 if not title else 1.0)):
        toks = _terms(text[:2000])
        if not toks:
            continue
        scale = weight * min(1.0, 12.0 / len(toks)) ** 0.5
        for t in toks:
            weights[t] += scale
    tag_terms = set()
    for tag in n.tags:
        tag_terms.update(_terms(tag.label))
        tag_terms.add(fold(tag.label).strip())
    keywords = n.keywords or n.entry.keywords
    kw_terms = set()
    for kw in keywords:
        kw_terms.update(_terms(kw))
    for t in tag_terms:
        if t:
            weights[t] += 1.0
    for t in kw_terms - tag_terms:
        if t:
            weights[t] += 0.5
    return dict(weights)


def _vectors(docs: list[_Doc]) -> dict[str, float]:
    df: Counter = Counter()
    for doc in docs:
        df.update(doc.weights.keys())
    n = len(docs)
    idf = {t: math.log(1 + n / c) for t, c in df.items()}
    for doc in docs:
        vec = {t: (1 + math.log(w)) * idf[t] if w >= 1 else w * idf[t] for t, w in doc.weights.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        doc.vector = {t: v / norm for t, v in vec.items()}
    return idf


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _neighbours(docs: list[_Doc], limit: int, max_postings: int) -> list[list[tuple[float, int]]]:
    """For each doc, the best `limit` other docs by cosine (exact), candidates from rare terms."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, doc in enumerate(docs):
        for t, v in doc.vector.items():
            postings[t].append((i, v))
    out = []
    for i, doc in enumerate(docs):
        acc: dict[int, float] = defaultdict(float)
        for t, v in doc.vector.items():
            plist = postings[t]
            if len(plist) > max_postings:
                continue
            for j, w in plist:
                if j != i:
                    acc[j] += v * w
        top = sorted(acc.items(), key=lambda kv: -kv[1])[: limit * 3]
        scored = sorted(((_cosine(doc.vector, docs[j].vector), j) for j, _ in top), key=lambda sj: (-sj[0], sj[1]))
        out.append(scored[:limit])
    return out


# --------------------------------------------------------------------------- links

def build_link_maps(entries: Iterable[NormalizedEntry]) -> tuple[dict[str, str], dict[str, str]]:
    """(by_path, by_id) for `resolve_link`: source path → id and id → id."""
    by_path: dict[str, str] = {}
    by_id: dict[str, str] = {}
    for n in entries:
        by_path.setdefault(n.entry.source_path, n.entry.id)
        by_id.setdefault(n.entry.id, n.entry.id)
    return by_path, by_id


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


_SUFFIX_CACHE: dict[tuple[int, int, int, int], dict[str, list[str]]] = {}


def _suffix_index(by_path: Mapping[str, str], by_id: Mapping[str, str]) -> dict[str, list[str]]:
    """alnum stem → ids, for links whose file names differ from ours by a prefix."""
    cache_key = (id(by_path), len(by_path), id(by_id), len(by_id))
    index = _SUFFIX_CACHE.get(cache_key)
    if index is None:
        index = defaultdict(list)
        for path, entry_id in by_path.items():
            stem = posixpath.splitext(posixpath.basename(path))[0]
            index[_alnum(stem)].append(entry_id)
        for key, entry_id in by_id.items():
            index[_alnum(key)].append(entry_id)
        if len(_SUFFIX_CACHE) > 8:
            _SUFFIX_CACHE.clear()
        _SUFFIX_CACHE[cache_key] = index
    return index


def resolve_link(target: str, by_path: Mapping[str, str], by_id: Mapping[str, str],
                 source: str | None = None) -> str | None:
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
    index = _suffix_index(by_path, by_id)
    if want in index and len(set(index[want])) == 1:
        return index[want][0]
    if not re.search(r"\d", want):
        return None  # suffix matches only for numbered names, where they are unambiguous
    found = {eid for key, ids in index.items() if len(key) >= 6 and (key.endswith(want) or want.endswith(key))
             for eid in ids}
    return found.pop() if len(found) == 1 else None


class _TitleResolver:
    def __init__(self, docs: list[_Doc], entries: Sequence[NormalizedEntry], postings_cap: int):
        self.exact: dict[str, str] = {}
        for n in entries:
            self.exact.setdefault(title_key(n.entry.title), n.entry.id)
        for n in entries:
            if n.entry.question:
                self.exact.setdefault(title_key(n.entry.question[:300]), n.entry.id)
        self.exact.pop("", None)
        self.loose: dict[str, str] = {}
        for key, entry_id in self.exact.items():
            self.loose.setdefault(loose_key(key), entry_id)
        self.loose.pop("", None)
        self.docs = docs
        self.keys = [title_key(n.entry.title) for n in entries]
        self.qkeys = [title_key((n.entry.question or "")[:300]) for n in entries]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for t in doc.vector:
                self.postings[t].append(i)
        self.cap = postings_cap
        self.cache: dict[str, str | None] = {}

    def resolve(self, text: str) -> tuple[str | None, str]:
        """(entry id, how: 'exact' | 'fuzzy' | '')."""
        key = title_key(text)
        if not key:
            return None, ""
        if key in self.exact:
            return self.exact[key], "exact"
        if len(loose_key(key)) >= 4 and loose_key(key) in self.loose:
            return self.loose[loose_key(key)], "fuzzy"
        if key in self.cache:
            found = self.cache[key]
            return found, "fuzzy" if found else ""
        counts: Counter = Counter()
        for t in set(terms(_REF_PREFIX.sub("", text))):
            plist = self.postings.get(t, ())
            if len(plist) <= self.cap:
                counts.update(plist)
        best, best_ratio = None, 0.0
        for i, _ in counts.most_common(20):
            for candidate in (self.keys[i], self.qkeys[i]):
                if title_matches(key, candidate):
                    ratio = _unmatched(key, candidate)[1]
                    if ratio > best_ratio:
                        best, best_ratio = self.docs[i].id, ratio
        self.cache[key] = best
        return best, "fuzzy" if best else ""


# --------------------------------------------------------------------------- graph

@dataclass(frozen=True)
class Graph:
    links: Mapping[str, EntryLinks]
    duplicate_groups: tuple[tuple[str, ...], ...]
    hubs: tuple[Hub, ...]
    error_index: Mapping[str, tuple[str, ...]]
    unresolved: tuple[tuple[str, Reference], ...]
    stats: dict


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _products(entries: Sequence[NormalizedEntry]) -> tuple[str, ...]:
    """Words so common in titles that they name the product (e.g. 'nacos'): stripped from messages."""
    counts: Counter = Counter()
    for n in entries:
        counts.update({t for t in re.findall(r"[a-z][a-z0-9-]{2,}", fold(n.entry.title))})
    limit = max(3, len(entries) * 0.2)
    return tuple(sorted(w for w, c in counts.items() if c >= limit))


def _dup_key(text: str, products: tuple[str, ...]) -> str:
    """Question key for duplicates: title_key without product names and polite fillers."""
    key = title_key(text[:500])
    for product in products:
        key = key.replace(product, "")
    return re.sub(r"^(?:请问|请教|你好|您好|大佬|各位)+", "", key)


def _hub_doc(n: NormalizedEntry) -> _HubDoc:
    title, question = _entry_texts(n)
    labels = [t.label for t in n.tags]
    text = fold("\n".join([title, question[:2000], " ".join(labels)]))
    tag_keys = frozenset(fold(t.slug) for t in n.tags) | frozenset(fold(l).strip() for l in labels)
    return _HubDoc(text=text, tags=tag_keys, term_set=frozenset(_terms(title[:2000]) + _terms(question[:2000])))


def build_graph(entries: Sequence[NormalizedEntry], hub_rules: HubRules | str | Path | None = None,
                related_limit: int = 5, min_score: float = DEFAULT_MIN_SCORE,
                max_postings: int = MAX_POSTINGS) -> Graph:
    entries = list(entries)
    _terms.cache_clear()
    title_key.cache_clear()
    ids = [n.entry.id for n in entries]
    if not isinstance(hub_rules, HubRules):
        hub_rules = load_hub_rules(hub_rules)
    cap = max(max_postings, 50)

    # --- vectors and neighbours
    docs = [_Doc(n.entry.id, _weighted_terms(n)) for n in entries]
    _vectors(docs)
    products = _products(entries)
    for doc, n in zip(docs, entries):
        title, question = _entry_texts(n)
        doc.key = _dup_key(question or title, products)
    neighbours = _neighbours(docs, max(related_limit, 1) + 10, cap)

    # --- duplicates: same normalised question, or near-identical text among close neighbours
    uf = _UnionFind(len(docs))
    first_by_key: dict[str, int] = {}
    for i, doc in enumerate(docs):
        if doc.key:
            if doc.key in first_by_key:
                uf.union(first_by_key[doc.key], i)
            else:
                first_by_key[doc.key] = i
    for i, near in enumerate(neighbours):
        for score, j in near:
            # The text comparison decides; the similarity score only picks the candidates
            # (it depends on segmentation, which user dictionaries can shift).
            if j > i and uf.find(i) != uf.find(j) and near_identical(docs[i].key, docs[j].key):
                uf.union(i, j)
    groups_by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        groups_by_root[uf.find(i)].append(i)
    duplicate_groups = tuple(sorted(
        (tuple(sorted(ids[i] for i in members)) for members in groups_by_root.values() if len(members) > 1)))
    group_of = {eid: group for group in duplicate_groups for eid in group}

    # --- related
    related: dict[str, tuple[Related, ...]] = {}
    for i, near in enumerate(neighbours):
        own = set(group_of.get(ids[i], ()))
        picked: list[Related] = []
        seen_groups: set[tuple[str, ...]] = set()
        for score, j in near:
            if score < min_score or len(picked) >= related_limit:
                break
            if ids[j] in own or ids[j] == ids[i]:
                continue
            group = group_of.get(ids[j])
            if group:  # one representative per duplicate group
                if group in seen_groups:
                    continue
                seen_groups.add(group)
            picked.append(Related(ids[j], round(score, 4)))
        related[ids[i]] = tuple(picked)

    # --- references
    by_path, by_id = build_link_maps(entries)
    resolver = _TitleResolver(docs, entries, cap)
    references: dict[str, list[tuple[Reference, str | None]]] = {}
    referenced_by: dict[str, dict[str, None]] = defaultdict(dict)
    unresolved: list[tuple[str, Reference]] = []
    ref_stats = Counter()
    unresolved_texts: Counter = Counter()
    for n in entries:
        out = []
        for ref in n.entry.references:
            target_id, how = None, ""
            if ref.target and (_EXTERNAL.match(ref.target) or ref.target.startswith("#")):
                ref_stats["external"] += 1
            else:
                if ref.target:
                    target_id = resolve_link(ref.target, by_path, by_id, n.entry.source_path)
                    how = "link" if target_id else ""
                if target_id is None:
                    target_id, how = resolver.resolve(ref.text)
                if target_id == n.entry.id:
                    target_id, how = None, "self"
                if target_id:
                    ref_stats["resolved"] += 1
                    ref_stats[f"resolved_{how}"] += 1
                    referenced_by[target_id].setdefault(n.entry.id)
                elif how == "self":
                    ref_stats["self"] += 1
                else:
                    ref_stats["unresolved"] += 1
                    unresolved.append((n.entry.id, ref))
                    unresolved_texts[ref.target or _REF_PREFIX.sub("", ref.text).strip()] += 1
            out.append((ref, target_id))
        references[n.entry.id] = out
        # relative links in the answer body count as references for backlinks
        for match in _MD_BODY_LINK.finditer(n.entry.answer or ""):
            target = match.group(1)
            if _EXTERNAL.match(target) or target.startswith("#") or ".md" not in target.lower():
                continue
            target_id = resolve_link(target, by_path, by_id, n.entry.source_path)
            if target_id and target_id != n.entry.id:
                ref_stats["body_links_resolved"] += 1
                referenced_by[target_id].setdefault(n.entry.id)
            else:
                ref_stats["body_links_unresolved"] += 1

    # --- hubs
    hub_docs = {n.entry.id: _hub_doc(n) for n in entries}
    hubs = assign_hubs(hub_docs, hub_rules)
    hubs_of: dict[str, list[str]] = defaultdict(list)
    for hub in hubs:
        for entry_id in hub.entry_ids:
            hubs_of[entry_id].append(hub.slug)

    # --- error signatures
    sig_index = SignatureIndex()
    sig_keys_of: dict[str, list[str]] = {}
    for n in entries:
        title, question = _entry_texts(n)
        sigs = extract_signatures(question, products)
        if title:
            sigs += [s for s in extract_signatures(title, products) if s.key not in {x.key for x in sigs}]
        sig_index.add(n.entry.id, sigs)
        sig_keys_of[n.entry.id] = list(dict.fromkeys(s.key for s in sigs))
    error_index = sig_index.as_mapping()
    display_of = {sig_index_key: sig_index.display(sig_index_key) for keys in sig_keys_of.values()
                  for sig_index_key in keys}

    # --- assemble
    links = {}
    for n in entries:
        eid = n.entry.id
        also = tuple(x for x in group_of.get(eid, ()) if x != eid)
        links[eid] = EntryLinks(
            related=related[eid],
            also_asked=also,
            references=tuple(references[eid]),
            referenced_by=tuple(sorted(referenced_by.get(eid, {}))),
            errors=tuple(display_of[k] for k in sig_keys_of[eid]),
            hubs=tuple(hubs_of.get(eid, ())),
        )

    total = len(entries) or 1
    in_hub = sum(1 for eid in ids if hubs_of.get(eid))
    stats = {
        "entries": len(entries),
        "related_links": sum(len(r) for r in related.values()),
        "entries_with_related": sum(1 for r in related.values() if r),
        "related_coverage": round(sum(1 for r in related.values() if r) / total, 4),
        "duplicate_groups": len(duplicate_groups),
        "entries_in_duplicate_groups": sum(len(g) for g in duplicate_groups),
        "references": {
            "total": sum(len(n.entry.references) for n in entries),
            "external": ref_stats["external"],
            "resolved": ref_stats["resolved"],
            "resolved_exact": ref_stats["resolved_exact"],
            "resolved_fuzzy": ref_stats["resolved_fuzzy"],
            "resolved_link": ref_stats["resolved_link"],
            "self": ref_stats["self"],
            "unresolved": ref_stats["unresolved"],
            "unresolved_distinct": len(unresolved_texts),
            "unresolved_top": [[text, count] for text, count in
                               sorted(unresolved_texts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]],
            "body_links_resolved": ref_stats["body_links_resolved"],
            "body_links_unresolved": ref_stats["body_links_unresolved"],
        },
        "backlinked_entries": sum(1 for v in referenced_by.values() if v),
        "hubs": {hub.slug: len(hub.entry_ids) for hub in hubs},
        "hub_groups": {hub.slug: {g.slug: len(g.entry_ids) for g in hub.groups} for hub in hubs},
        "entries_in_hubs": in_hub,
        "entries_in_no_hub": len(entries) - in_hub,
        "hub_coverage": round(in_hub / total, 4),
        "error_signatures": len(error_index),
        "entries_with_errors": sum(1 for k in sig_keys_of.values() if k),
    }
    return Graph(links=links, duplicate_groups=duplicate_groups, hubs=hubs, error_index=error_index,
                 unresolved=tuple(unresolved), stats=stats)


def format_summary(stats: dict) -> str:
    """A few terminal lines summarising the graph."""
    entries = stats.get("entries", 0)
    refs = stats.get("references", {})
    lines = [
        f"links: {stats.get('related_links', 0)} related links; "
        f"{stats.get('entries_with_related', 0)}/{entries} entries have related questions "
        f"({stats.get('related_coverage', 0):.0%})",
        f"duplicates: {stats.get('duplicate_groups', 0)} groups of near-identical questions "
        f"({stats.get('entries_in_duplicate_groups', 0)} entries)",
        f"references: {refs.get('resolved', 0)} resolved "
        f"({refs.get('resolved_exact', 0)} by title, {refs.get('resolved_fuzzy', 0)} fuzzy, "
        f"{refs.get('resolved_link', 0)} by link), {refs.get('external', 0)} external, "
        f"{refs.get('unresolved', 0)} unresolved ({refs.get('unresolved_distinct', 0)} distinct)",
        f"hubs: {stats.get('entries_in_hubs', 0)}/{entries} entries in a hub "
        f"({stats.get('hub_coverage', 0):.0%}), {stats.get('entries_in_no_hub', 0)} in none",
    ]
    hubs = stats.get("hubs", {})
    if hubs:
        lines.append("  " + ", ".join(f"{slug} {count}" for slug, count in hubs.items()))
    lines.append(f"errors: {stats.get('error_signatures', 0)} error signatures from "
                 f"{stats.get('entries_with_errors', 0)} entries")
    top = refs.get("unresolved_top") or []
    if top:
        lines.append("warning: unresolved references (most cited first):")
        lines.extend(f"  {count:>4} x {text}" for text, count in top[:10])
    return "\n".join(lines)
