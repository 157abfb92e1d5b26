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

import heapq
import math
import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import repeat
from operator import itemgetter, mul
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import unquote, urlsplit

import yaml

from . import analyze
from .analyze import fold, terms
from .errors import Signature, SignatureIndex, extract_signatures
from .model import EntryLinks, NormalizedEntry, Reference, Related
from .terminal import clean_lines

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
    """Latin keywords as whole words, Chinese ones as substrings.

    The Latin ones share one pair of word-boundary checks around their alternation (the
    same matches as a pair per keyword, about five times faster to search: every hub
    rule is searched in every entry before the graph is done)."""
    ordered = sorted(set(keywords), key=len, reverse=True)
    latin = [re.escape(k) for k in ordered if k.isascii()]
    parts = [rf"(?<![a-z0-9])(?:{'|'.join(latin)})(?![a-z0-9])"] if latin else []
    parts += [re.escape(k) for k in ordered if not k.isascii()]
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
# rebuild (kb serve) matches only the entries whose text or tags changed, and returns
# the last hubs when every document is the same object as last time.
_PLACED: dict = {"rules": None, "by_doc": {}, "docs": None, "hubs": ()}


def assign_hubs(docs: Mapping[str, _HubDoc], rules: HubRules) -> tuple[Hub, ...]:
    if _PLACED["rules"] is rules and _same_docs(_PLACED["docs"], docs):
        return _PLACED["hubs"]
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
    hubs = []
    for hub_rule, members in zip(rules.hubs, members_of):
        groups = [HubGroup(g.slug, g.title, tuple(members[g.slug])) for g in hub_rule.groups if members.get(g.slug)]
        if members.get("other"):
            groups.append(HubGroup("other", hub_rule.other_title, tuple(members["other"])))
        hubs.append(Hub(hub_rule.slug, hub_rule.title, hub_rule.description, tuple(groups)))
    _PLACED.update(rules=rules, by_doc=placed, docs=(tuple(docs), tuple(docs.values())), hubs=tuple(hubs))
    return _PLACED["hubs"]


def _same_docs(last: tuple | None, docs: Mapping[str, _HubDoc]) -> bool:
    """The same ids in the same order, each with the very document object of last time."""
    return (last is not None and len(last[0]) == len(docs) and last[0] == tuple(docs)
            and all(a is b for a, b in zip(last[1], docs.values())))


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


def _weighted_terms(n: NormalizedEntry, title: str, question: str) -> dict[str, float]:
    """Term weights from `_entry_texts(n)` (title, question), tags and keywords."""
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
    # Sorted: a set's order follows the process's string hashes, and the weights' order is
    # the order scores are summed in (and ties broken in), so every build gets the same.
    for t in sorted(tag_terms):
        if t:
            weights[t] += 1.0
    for t in sorted(kw_terms - tag_terms):
        if t:
            weights[t] += 0.5
    return dict(weights)


@lru_cache(maxsize=65536)
def _df_step(d: int) -> float:
    """A document frequency as idf sees it: exact up to 8, above that rounded to steps of
    2**(1/8) (about 9 %), so that one edited entry rarely changes the idf of a common
    term and with it the vector of every entry holding that term (`_similar`)."""
    return d if d <= 8 else 2 ** (round(math.log2(d) * 8) / 8)


def _vector(weights: Mapping[str, float], df: Mapping[str, int], n: int) -> dict[str, float]:
    """One document's unit TF-IDF vector (log-scaled weights)."""
    vec = {}
    for t, w in weights.items():
        idf = math.log(1 + n / _df_step(df[t]))
        vec[t] = (1 + math.log(w)) * idf if w >= 1 else w * idf
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _document_frequencies(weights: Sequence[Mapping[str, float]]) -> Counter:
    df: Counter = Counter()
    for w in weights:
        df.update(w.keys())
    return df


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(map(mul, a.values(), map(b.get, a.keys(), repeat(0.0))))


def _postings(vectors: Sequence[Mapping[str, float]]) -> dict[str, list[tuple[int, float]]]:
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for t, v in vec.items():
            postings[t].append((i, v))
    return postings


def _near(i: int, vectors: Sequence[dict[str, float]], postings: Mapping[str, list[tuple[int, float]]],
          limit: int, max_postings: int) -> tuple[list[tuple[float, int]], float | None]:
    """The best `limit` other docs for doc i by cosine (exact), candidates from rare terms;
    and the candidate floor: the partial score of the last candidate kept, or None when
    every candidate was kept.  A doc whose partial score with i stays below the floor
    cannot enter i's list (`_similar` uses it to skip lists an edit cannot change)."""
    vec = vectors[i]
    acc: dict[int, float] = defaultdict(float)
    for t, v in vec.items():
        plist = postings[t]
        if len(plist) > max_postings:
            continue
        for j, w in plist:
            acc[j] += v * w
    acc.pop(i, None)  # removing it afterwards leaves the others' order (the tie-break) as it was
    # nlargest equals a stable sort by score, descending, cut to the first limit * 3.
    top = heapq.nlargest(limit * 3, acc.items(), key=itemgetter(1))
    floor = top[-1][1] if len(acc) > len(top) else None
    scored = sorted(((_cosine(vec, vectors[j]), j) for j, _ in top), key=lambda sj: (-sj[0], sj[1]))
    return scored[:limit], floor


@dataclass(eq=False)  # compared by identity: "the same result as last build"
class _Similar:
    """Vectors and neighbour lists of one build, and what they were computed from."""

    ids: tuple[str, ...]
    limit: int
    cap: int
    weights: list[dict[str, float]]
    df: Counter
    vectors: list[dict[str, float]]
    neighbours: list[list[tuple[float, int]]]
    floors: list[float | None]  # per doc, the candidate floor of its list (`_near`)
    recomputed: int = 0  # neighbour lists computed by this build (the rest were reused)


# Partial scores are sums of the same products in another order: allow for rounding.
_FLOOR_MARGIN = 1e-9


def _all_near(ids, weights, df, vectors, limit, cap) -> _Similar:
    postings = _postings(vectors)
    found = [_near(i, vectors, postings, limit, cap) for i in range(len(ids))]
    return _Similar(ids, limit, cap, weights, df, vectors, [f[0] for f in found], [f[1] for f in found],
                    len(ids))


def _similar(ids: tuple[str, ...], weights: list[dict[str, float]], limit: int, cap: int,
             previous: _Similar | None) -> _Similar:
    """Vectors and neighbours of all docs; with the previous build's, only what changed is recomputed.

    A doc's vector changes when its weights do or when the document frequency of one of
    its terms does; those docs get new neighbour lists.  Another doc's list depends on a
    changed doc only through their partial score (the rare terms they share): when that
    score was and stays below the list's candidate floor, the changed doc was not and is
    not a candidate, and the list stands.  Everything else is the previous build's result,
    computed by the same code from the same numbers."""
    n = len(ids)
    same_shape = previous is not None and previous.ids == ids and previous.limit == limit and previous.cap == cap
    moved = [i for i in range(n) if weights[i] is not previous.weights[i]] if same_shape else None
    if moved is not None and not moved:
        return previous
    if moved is None or len(moved) > n // 4:
        df = _document_frequencies(weights)
        return _all_near(ids, weights, df, [_vector(w, df, n) for w in weights], limit, cap)
    df = previous.df.copy()
    touched: set[str] = set()
    for i in moved:
        old, new = previous.weights[i].keys(), weights[i].keys()
        df.subtract(old)
        df.update(new)
        touched.update(old, new)
    for t in touched:
        if df[t] <= 0:
            del df[t]
    # A term changes other documents when its idf moves, or when it starts or stops
    # selecting candidates (`_near` skips terms in more than `cap` documents).
    idf_changed = {t for t in touched
                   if _df_step(a := df.get(t, 0)) != _df_step(b := previous.df.get(t, 0)) or (a <= cap) != (b <= cap)}
    vectors = list(previous.vectors)
    changed = []
    for i, w in enumerate(weights):
        if w is previous.weights[i] and (not idf_changed or idf_changed.isdisjoint(w)):
            continue
        vectors[i] = _vector(w, df, n)
        changed.append(i)
    if len(changed) > n // 4:
        return _all_near(ids, weights, df, vectors, limit, cap)
    postings = _postings(vectors)
    # The highest partial score, before or after, of any changed doc with each doc it
    # shares a candidate-selecting term with.  An unchanged doc holds the same terms,
    # values and term gating (a term crossing the cap changed every doc holding it).
    reach: dict[int, float] = {}
    for i in changed:
        for vec in (previous.vectors[i], vectors[i]):
            partial: dict[int, float] = defaultdict(float)
            for t, v in vec.items():
                plist = postings.get(t)
                if plist is not None and len(plist) <= cap:
                    for j, w in plist:
                        partial[j] += v * w
            for j, score in partial.items():
                if score > reach.get(j, -1.0):
                    reach[j] = score
    redo = set(changed)
    for j, score in reach.items():
        floor = previous.floors[j]
        if floor is None or score >= floor - _FLOOR_MARGIN:
            redo.add(j)
    if len(redo) > n // 2:
        return _all_near(ids, weights, df, vectors, limit, cap)
    neighbours, floors = list(previous.neighbours), list(previous.floors)
    for j in redo:
        neighbours[j], floors[j] = _near(j, vectors, postings, limit, cap)
    return _Similar(ids, limit, cap, weights, df, vectors, neighbours, floors, len(redo))


# --------------------------------------------------------------------------- links

def build_link_maps(entries: Iterable[NormalizedEntry]) -> tuple[dict[str, str], dict[str, str]]:
    """(by_path, by_id) for `resolve_link`: source path → id and id → id.

    The same ids and paths as the last call give the very same maps (do not change
    them): the graph and the entry pages of a rebuild then share one suffix index."""
    pairs = tuple((n.entry.source_path, n.entry.id) for n in entries)
    if _LINK_MAPS[0] == pairs:
        return _LINK_MAPS[1]
    by_path: dict[str, str] = {}
    by_id: dict[str, str] = {}
    for path, entry_id in pairs:
        by_path.setdefault(path, entry_id)
        by_id.setdefault(entry_id, entry_id)
    _LINK_MAPS[:] = [pairs, (by_path, by_id)]
    return by_path, by_id


_LINK_MAPS: list = [None, None]


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# (id, len) of both maps -> (the maps, their index).  The maps are held: a map of a later
# build (kb serve) could otherwise get a freed map's id and be given its index.
_SUFFIX_CACHE: dict[tuple[int, int, int, int], tuple[Mapping, Mapping, dict[str, list[str]]]] = {}


def _suffix_index(by_path: Mapping[str, str], by_id: Mapping[str, str]) -> dict[str, list[str]]:
    """alnum stem → ids, for links whose file names differ from ours by a prefix."""
    cache_key = (id(by_path), len(by_path), id(by_id), len(by_id))
    hit = _SUFFIX_CACHE.get(cache_key)
    if hit is not None and hit[0] is by_path and hit[1] is by_id:
        return hit[2]
    index: dict[str, list[str]] = defaultdict(list)
    for path, entry_id in by_path.items():
        stem = posixpath.splitext(posixpath.basename(path))[0]
        index[_alnum(stem)].append(entry_id)
    for key, entry_id in by_id.items():
        index[_alnum(key)].append(entry_id)
    if len(_SUFFIX_CACHE) > 8:
        _SUFFIX_CACHE.clear()
    _SUFFIX_CACHE[cache_key] = (by_path, by_id, index)
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


def _cited(text: str) -> str:
    """The title a reference cites, without its prefix: the text fuzzy matching segments."""
    return _REF_PREFIX.sub("", text)


class _TitleResolver:
    """Cited titles to entries: exact title or question, without question words, then fuzzy
    among the entries sharing the title's rarer terms."""

    def __init__(self, docs: list[_Doc], entries: Sequence[NormalizedEntry], postings_cap: int,
                 previous: "_TitleResolver | None" = None, since: int | None = None):
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
            for t in doc.weights:  # the terms of its vector
                self.postings[t].append(i)
        self.cap = postings_cap
        # cited text -> (entry id or None, the terms that picked the candidates)
        self.cache: dict[str, tuple[str | None, frozenset[str]]] = self._kept(previous, since)
        self.asked: set[str] = set()  # texts matched fuzzily: the next resolver keeps only these

    def _kept(self, previous: "_TitleResolver | None", since: int | None) -> dict:
        """The previous resolver's fuzzy answers that cannot have changed (kb serve).

        A fuzzy answer reads the cited text's terms, and only the entries sharing one of
        them (their title keys and term lists) and those terms' document counts; every
        such input of a changed entry is one of its old or new terms."""
        if previous is None or previous.cap != self.cap or [d.id for d in previous.docs] != [d.id for d in self.docs]:
            return {}
        touched: set[str] = set()
        for i, (old, new) in enumerate(zip(previous.docs, self.docs)):
            if (old.weights is not new.weights or previous.keys[i] != self.keys[i]
                    or previous.qkeys[i] != self.qkeys[i]):
                touched.update(old.weights, new.weights)
        recut = since is not None and since != analyze.dictionary_state()
        kept = {text: found for text in previous.asked if (found := previous.cache.get(text)) is not None
                and touched.isdisjoint(found[1]) and (not recut or analyze.cut_alike((_cited(text),), since))}
        analyze.still_used(map(_cited, kept))
        return kept

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
        words = frozenset(terms(_cited(text)))
        for t in sorted(words):  # candidates counted in one order in every process (ties)
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
        return best, words


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


def _dup_key(text: str, products: tuple[str, ...]) -> str:
    """Question key for duplicates: title_key without product names and polite fillers."""
    key = title_key(text[:500])
    for product in products:
        key = key.replace(product, "")
    return re.sub(r"^(?:请问|请教|你好|您好|大佬|各位)+", "", key)


def _hub_doc(n: NormalizedEntry, title: str, question: str) -> _HubDoc:
    labels = [t.label for t in n.tags]
    text = fold("\n".join([title, question[:2000], " ".join(labels)]))
    tag_keys = frozenset(fold(t.slug) for t in n.tags) | frozenset(fold(l).strip() for l in labels)
    return _HubDoc(text=text, tags=tag_keys, term_set=frozenset(_terms(title[:2000]) + _terms(question[:2000])))


# --------------------------------------------------------------------------- live preview

# `kb serve` builds the graph again after every save.  While it keeps segmentations
# (analyze.dictionary_state() is not None) the last build's per-entry results, vectors,
# neighbour lists and title resolver are kept here and reused where their inputs are
# unchanged, so a rebuild computes the graph a clean build would, from less work.
_LAST: dict = {}


@dataclass(frozen=True)
class _Parts:
    """What the graph takes from one entry alone (for one segmenter dictionary)."""

    title: str  # _entry_texts
    question: str
    weights: dict[str, float]
    hub: _HubDoc
    title_words: frozenset[str]  # candidates for product names (_products)
    texts: tuple[str, ...]  # every text segmented for the above (`_segmented_texts`)


def _parts_key(n: NormalizedEntry) -> tuple:
    # Everything _Parts reads: the answer, date and references are not among it.
    return (n.entry.title, n.entry.question, n.tags, n.keywords or n.entry.keywords)


def _entry_parts(n: NormalizedEntry) -> _Parts:
    title, question = _entry_texts(n)
    return _Parts(title, question, _weighted_terms(n, title, question), _hub_doc(n, title, question),
                  frozenset(re.findall(r"[a-z][a-z0-9-]{2,}", fold(n.entry.title))),
                  _segmented_texts(n, title, question))


def _segmented_texts(n: NormalizedEntry, title: str, question: str) -> tuple[str, ...]:
    """The texts `_weighted_terms` and `_hub_doc` segment: while they cut alike, so do the parts."""
    return (title[:2000], question[:2000], *(tag.label for tag in n.tags), *(n.keywords or n.entry.keywords))


def _parts_of(entries: Sequence[NormalizedEntry], before: Mapping[str, tuple[NormalizedEntry, _Parts]],
              since: int | None = None) -> tuple[list[_Parts], dict[str, tuple[NormalizedEntry, _Parts]]]:
    """Every entry's _Parts, and them by entry id for the next build.  An entry that is
    the same object as last time, or reads the same (`_parts_key`), and whose texts the
    segmenter cuts as in dictionary state `since` keeps the same _Parts object: later
    steps (vectors, hubs) recognise unchanged entries by identity."""
    redo_cut = since is not None and since != analyze.dictionary_state()
    parts, by_id = [], {}
    for n in entries:
        hit = before.get(n.entry.id)
        if (hit is not None and (hit[0] is n or _parts_key(hit[0]) == _parts_key(n))
                and (not redo_cut or analyze.cut_alike(hit[1].texts, since))):
            found = hit[1]
            analyze.still_used(found.texts)
        else:
            found = _entry_parts(n)
        parts.append(found)
        by_id[n.entry.id] = (n, found)
    return parts, by_id


def _products_of(parts: Sequence[_Parts]) -> tuple[str, ...]:
    """Words so common in titles that they name the product (e.g. 'nacos'): stripped from messages."""
    counts: Counter = Counter()
    for p in parts:
        counts.update(p.title_words)
    limit = max(3, len(parts) * 0.2)
    return tuple(sorted(w for w, c in counts.items() if c >= limit))


def _signatures(title: str, question: str, products: tuple[str, ...]) -> tuple[Signature, ...]:
    """An entry's error signatures: its question's, then its title's not already found."""
    sigs = extract_signatures(question, products)
    if title:
        sigs += [s for s in extract_signatures(title, products) if s.key not in {x.key for x in sigs}]
    return tuple(sigs)


def _body_links(answer: str) -> tuple[str, ...]:
    """Relative .md links in an answer (candidates for backlinks)."""
    out = []
    for match in _MD_BODY_LINK.finditer(answer):
        target = match.group(1)
        if _EXTERNAL.match(target) or target.startswith("#") or ".md" not in target.lower():
            continue
        out.append(target)
    return tuple(out)


class _Memo:
    """A per-build cache that keeps only what this build used for the next one."""

    def __init__(self, previous: dict | None):
        self.previous = previous if previous is not None else {}
        self.used: dict = {}

    def get(self, key, make):
        found = self.used.get(key)
        if found is None:
            found = self.previous.get(key)
            if found is None:
                found = make()
            self.used[key] = found
        return found


def _duplicates(ids: Sequence[str], keys: Sequence[str], neighbours: Sequence[Sequence[tuple[float, int]]],
                pairs: "_Memo | None" = None) -> tuple[tuple[str, ...], ...]:
    """Groups of the same normalised question, or near-identical text among close neighbours.
    `pairs` remembers near_identical per pair of keys (kb serve: most pairs stay)."""
    same = near_identical if pairs is None else lambda a, b: pairs.get((a, b), lambda: near_identical(a, b))
    uf = _UnionFind(len(ids))
    first_by_key: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key:
            if key in first_by_key:
                uf.union(first_by_key[key], i)
            else:
                first_by_key[key] = i
    for i, near in enumerate(neighbours):
        for score, j in near:
            # The text comparison decides; the similarity score only picks the candidates
            # (it depends on segmentation, which user dictionaries can shift).
            if j > i and uf.find(i) != uf.find(j) and same(keys[i], keys[j]):
                uf.union(i, j)
    groups_by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ids)):
        groups_by_root[uf.find(i)].append(i)
    return tuple(sorted(
        (tuple(sorted(ids[i] for i in members)) for members in groups_by_root.values() if len(members) > 1)))


def _related(ids: Sequence[str], neighbours: Sequence[Sequence[tuple[float, int]]],
             group_of: Mapping[str, tuple[str, ...]], related_limit: int,
             min_score: float, previous: "_Related | None" = None) -> dict[str, tuple[Related, ...]]:
    # A list depends on its neighbour list and the duplicate groups: with the same groups
    # and settings, an unchanged (identical) neighbour list keeps its related entries.
    reuse = (previous is not None and previous.ids == ids and previous.group_of == group_of
             and previous.settings == (related_limit, min_score))
    related: dict[str, tuple[Related, ...]] = {}
    for i, near in enumerate(neighbours):
        if reuse and near is previous.neighbours[i]:
            related[ids[i]] = previous.related[ids[i]]
            continue
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
    return related


@dataclass(eq=False)
class _Related:
    """Duplicate groups and related lists of one build, and what they were computed from."""

    ids: tuple[str, ...]
    neighbours: Sequence[Sequence[tuple[float, int]]]
    settings: tuple[int, float]
    duplicate_groups: tuple[tuple[str, ...], ...]
    group_of: dict[str, tuple[str, ...]]
    related: dict[str, tuple[Related, ...]]


def _duplicates_and_related(ids: tuple[str, ...], keys: Sequence[str],
                            neighbours: Sequence[Sequence[tuple[float, int]]], related_limit: int,
                            min_score: float, pairs: "_Memo | None" = None,
                            previous: _Related | None = None) -> _Related:
    duplicate_groups = _duplicates(ids, keys, neighbours, pairs)
    group_of = {eid: group for group in duplicate_groups for eid in group}
    related = _related(ids, neighbours, group_of, related_limit, min_score, previous)
    return _Related(ids, neighbours, (related_limit, min_score), duplicate_groups, group_of, related)


@dataclass
class _References:
    targets: dict[str, list[tuple[Reference, str | None]]]
    referenced_by: dict[str, dict[str, None]]
    unresolved: list[tuple[str, Reference]]
    stats: Counter
    unresolved_texts: Counter


def _references(entries: Sequence[NormalizedEntry], body_links: Sequence[tuple[str, ...]],
                resolver: "_TitleResolver", maps: tuple[dict[str, str], dict[str, str]]) -> _References:
    """References resolved to entries, and backlinks (from references and links in answers).
    `maps` is build_link_maps(entries), kept between builds so its suffix index is too."""
    by_path, by_id = maps
    out = _References({}, defaultdict(dict), [], Counter(), Counter())
    ref_stats, referenced_by = out.stats, out.referenced_by
    for n, links_in_answer in zip(entries, body_links):
        found = []
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
                    out.unresolved.append((n.entry.id, ref))
                    out.unresolved_texts[ref.target or _REF_PREFIX.sub("", ref.text).strip()] += 1
            found.append((ref, target_id))
        out.targets[n.entry.id] = found
        # relative links in the answer body count as references for backlinks
        for target in links_in_answer:
            target_id = resolve_link(target, by_path, by_id, n.entry.source_path)
            if target_id and target_id != n.entry.id:
                ref_stats["body_links_resolved"] += 1
                referenced_by[target_id].setdefault(n.entry.id)
            else:
                ref_stats["body_links_unresolved"] += 1
    return out


@dataclass
class _Errors:
    index: dict[str, tuple[str, ...]]
    keys_of: dict[str, list[str]]
    display_of: dict[str, str]


def _error_signatures(ids: Sequence[str], signatures: Sequence[tuple[Signature, ...]]) -> _Errors:
    sig_index = SignatureIndex()
    keys_of: dict[str, list[str]] = {}
    for eid, sigs in zip(ids, signatures):
        sig_index.add(eid, sigs)
        keys_of[eid] = list(dict.fromkeys(s.key for s in sigs))
    display_of = {key: sig_index.display(key) for keys in keys_of.values() for key in keys}
    return _Errors(sig_index.as_mapping(), keys_of, display_of)


def build_graph(entries: Sequence[NormalizedEntry], hub_rules: HubRules | str | Path | None = None,
                related_limit: int = 5, min_score: float = DEFAULT_MIN_SCORE,
                max_postings: int = MAX_POSTINGS) -> Graph:
    entries = list(entries)
    state = analyze.dictionary_state()
    keep = state is not None  # kb serve: reuse the last build's work (see _LAST)
    last = dict(_LAST) if keep and "state" in _LAST else {}
    # Taught words changed since: what was cut from a text holding one of them is redone.
    since = last.get("state", state)
    _LAST.clear()  # refilled when this build completes
    kept: dict = {"state": state}
    _terms.cache_clear()  # the analyzer may have learnt words since
    if not keep:
        title_key.cache_clear()
    ids = [n.entry.id for n in entries]
    if not isinstance(hub_rules, HubRules):
        hub_rules = load_hub_rules(hub_rules)
    cap = max(max_postings, 50)

    def memo(name: str, stale: bool = False) -> _Memo:
        previous = None if stale else last.get(name)
        kept[name] = found = _Memo(previous.used if previous is not None else None)
        return found

    def section(name: str, key: tuple, make):
        """A corpus-wide result, reused while what it is computed from is the same."""
        previous = last.get(name)
        value = previous[1] if previous is not None and previous[0] == key else make()
        kept[name] = (key, value)
        return value

    # --- vectors and neighbours
    parts, kept["parts"] = _parts_of(entries, last.get("parts", {}), since)
    products = section("products_of", (tuple(parts),), lambda: _products_of(parts))
    kept["products"] = products
    similar = _similar(tuple(ids), [p.weights for p in parts], max(related_limit, 1) + 10, cap,
                       last.get("similar"))
    kept["similar"] = similar
    neighbours = similar.neighbours
    keys_memo = memo("dup_keys", stale=last.get("products") != products)
    docs = []
    for eid, p, vector in zip(ids, parts, similar.vectors):
        text = p.question or p.title
        docs.append(_Doc(eid, p.weights, vector, keys_memo.get(text, lambda: _dup_key(text, products))))
    keys = tuple(doc.key for doc in docs)

    # --- duplicates and related (one representative per duplicate group)
    pairs_memo = memo("near_pairs")
    found = section(
        "related", (similar, keys, related_limit, min_score),
        lambda: _duplicates_and_related(tuple(ids), keys, neighbours, related_limit, min_score, pairs_memo,
                                        last["related"][1] if "related" in last else None))
    duplicate_groups, group_of, related = found.duplicate_groups, found.group_of, found.related

    # --- references
    # The resolver reads ids, titles, questions and vectors (the same _Similar: the same vectors),
    # and segments cited titles (with the dictionary of `state`).
    resolver = section(
        "resolver", (tuple(ids), tuple((n.entry.title, n.entry.question) for n in entries), cap, similar, state),
        lambda: _TitleResolver(docs, entries, cap, last["resolver"][1] if "resolver" in last else None, since))
    maps = build_link_maps(entries)
    links_memo = memo("body_links")
    body_links = [links_memo.get(n.entry.answer or "", lambda n=n: _body_links(n.entry.answer or ""))
                  for n in entries]
    refs = section("references", (tuple((n.entry.id, n.entry.source_path, n.entry.references) for n in entries),
                                  tuple(body_links), resolver),
                   lambda: _references(entries, body_links, resolver, maps))
    references, referenced_by, unresolved = refs.targets, refs.referenced_by, refs.unresolved
    ref_stats, unresolved_texts = refs.stats, refs.unresolved_texts

    # --- hubs
    hub_docs = {eid: p.hub for eid, p in zip(ids, parts)}
    hubs = assign_hubs(hub_docs, hub_rules)
    hubs_of: dict[str, list[str]] = defaultdict(list)
    for hub in hubs:
        for entry_id in hub.entry_ids:
            hubs_of[entry_id].append(hub.slug)

    # --- error signatures
    sigs_memo = memo("signatures", stale=last.get("products") != products)
    signatures = tuple(sigs_memo.get((p.title, p.question), lambda p=p: _signatures(p.title, p.question, products))
                       for p in parts)
    errors = section("errors", (tuple(ids), signatures), lambda: _error_signatures(ids, signatures))
    error_index, sig_keys_of, display_of = errors.index, errors.keys_of, errors.display_of

    # --- assemble
    def assemble() -> tuple[dict[str, EntryLinks], dict]:
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
        return links, stats

    links, stats = section("assembled", (tuple(ids), related, duplicate_groups, refs, errors, hubs), assemble)
    if keep:
        _LAST.update(kept)
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
    return clean_lines(lines)
