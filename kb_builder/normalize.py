"""Normalising tags and keywords: one canonical tag per idea, safe as a URL slug.

The pipeline applied to every raw tag or keyword, in order:

1. fold: Unicode NFKC (full width to half width), control characters removed,
   Traditional to Simplified Chinese, case folding, quotes removed, "c#" to
   "csharp", separators (spaces, "_", "/", punctuation) folded to one "-";
2. aliases: the shipped table (data/tag_aliases.yml) plus the site's own,
   "k8s" to "kubernetes"; a site-wide name glued to a Chinese word is cut off
   ("nacos配置中心" is "配置中心");
3. classification: site-wide tags (the product name) are set aside, version
   numbers ("223", "v2.2.3", "nacos2x") go to the versions facet, empty tags,
   stop-words (data/tag_stopwords.yml), single characters and long numbers
   are dropped;
4. per entry: de-duplication preserving order, and extraction from the title
   and question (jieba TF-IDF) when nothing is left, so every entry keeps at
   least one tag.

Over a whole corpus (`normalize_corpus`), tags on most entries become
site-wide, tags that differ only by separators ("springboot" and
"spring-boot") are merged, and unlabelled tags get the display form their
authors used most ("NacosException").

Everything here is a pure function of its inputs; results are cached per
settings object and per raw string.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from . import analyze
from .analyze import Analyzer
from .segment import base_total
from .model import Entry, NormalizedEntry, Tag
from .terminal import clean_lines

DATA_DIR = Path(__file__).resolve().parent / "data"
ALIASES_FILE = "tag_aliases.yml"
STOPWORDS_FILE = "tag_stopwords.yml"

MAX_SLUG_LENGTH = 80
EXTRACTED_TAGS = 3  # tags extracted from the text of an entry that has none

Label = str | Mapping[str, str]

# --------------------------------------------------------------------------- folding

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_QUOTES = re.compile(r"[\"'`\u2018\u2019\u201c\u201d\u00b4]")
_SHARP = re.compile(r"(?<=[a-z0-9])#")
_UNSAFE = re.compile(r"[^\w.+@-]")  # \w keeps letters of every script, digits and "_"
_DOTS = re.compile(r"\.{2,}")
_DASH_RUN = re.compile(r"[-.]*-[-.]*")  # "a.-b", "a--b" -> "a-b"
_EDGES = "-.+@"
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # control, format (zero-width), private-use and unassigned characters
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = analyze.to_simplified(text)
    text = unicodedata.normalize("NFKC", text.casefold())
    text = _QUOTES.sub("", text)
    text = _SHARP.sub("sharp", text)
    text = text.replace("_", "-")
    text = _UNSAFE.sub("-", text)
    text = _DOTS.sub(".", text)
    text = _DASH_RUN.sub("-", text)
    text = text.strip(_EDGES)
    if len(text) > MAX_SLUG_LENGTH:
        cut = text[:MAX_SLUG_LENGTH]
        # prefer to cut at a separator when one is near the end
        at = cut.rfind("-")
        text = cut[:at] if at >= MAX_SLUG_LENGTH // 2 else cut
        text = text.strip(_EDGES)
    if text in _RESERVED:  # Windows device names are not usable as file names
        text += "-tag"
    return text


@lru_cache(maxsize=65536)
def fold_tag(raw: str) -> str:
    """Width, script, case and separator folding; the result is slug-safe or ''.

    >>> fold_tag("Spring_Boot ")
    'spring-boot'
    """
    text = raw if isinstance(raw, str) else str(raw)
    for _ in range(6):
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return text


def compact_key(tag: str) -> str:
    """The key two tags share when they differ only by case, width or separators."""
    return re.sub(r"[-.]", "", fold_tag(tag))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def is_safe_slug(slug: str) -> bool:
    """A non-empty path segment and file name: no separators, '..', leading '.' or controls."""
    return (
        bool(slug)
        and len(slug) <= MAX_SLUG_LENGTH
        and "/" not in slug
        and "\\" not in slug
        and ".." not in slug
        and not slug.startswith(".")
        and slug == slug.strip()
        and not any(unicodedata.category(ch)[0] == "C" for ch in slug)
        and not re.search(r'[<>:"|?*#%&=\s]', slug)
    )


# --------------------------------------------------------------------------- settings


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    return value


@dataclass(frozen=True, eq=False)
class TagSettings:
    """What the pipeline needs to know: aliases, labels, site-wide tags and stop-words.

    Build it with `load_tag_settings`; all keys are already folded.  Settings are
    values: equal settings compare and hash equal (their classification cache aside).
    """

    aliases: Mapping[str, str] = field(default_factory=dict)  # folded variant -> canonical
    labels: Mapping[str, Label] = field(default_factory=dict)  # canonical -> label
    site_tags: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    fallback_tag: str = "general"
    expand_bare_digits: bool = True
    auto_site_ratio: float | None = 0.6
    auto_site_min_entries: int = 20
    lang: str | None = None  # language of labels; None: "en", or detected per corpus
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def _key(self) -> tuple:
        key = self._cache.get(("key",))
        if key is None:
            key = self._cache[("key",)] = (
                _frozen(self.aliases), _frozen(self.labels), self.site_tags, self.stopwords, self.fallback_tag,
                self.expand_bare_digits, self.auto_site_ratio, self.auto_site_min_entries, self.lang)
        return key

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, TagSettings) and self._key() == other._key())

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def known(self) -> frozenset[str]:
        """Canonical tags the table defines: never dropped as stop-words or too short."""
        known = self._cache.get(("known",))
        if known is None:
            known = frozenset(self.aliases.values()) | frozenset(self.labels) | {self.fallback_tag}
            self._cache[("known",)] = known  # a tuple: never a raw tag
        return known

    def label_for(self, canonical: str, lang: str | None = None) -> str:
        label = self.labels.get(canonical)
        if isinstance(label, Mapping):
            for key in (lang, self.lang, "en", "zh"):
                if key and isinstance(label.get(key), str) and label[key].strip():
                    return label[key].strip()
            for value in label.values():
                if isinstance(value, str) and value.strip():
                    return value.strip()
        elif isinstance(label, str) and label.strip():
            return label.strip()
        return canonical


def _read_yaml(name: str, data_dir: Path | None) -> dict:
    path = (data_dir or DATA_DIR) / name
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    return data


def _check_label(canonical: str, label: Any, where: str) -> Label:
    if isinstance(label, str):
        return label.strip()
    if isinstance(label, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in label.items()):
        return {k: v.strip() for k, v in label.items()}
    raise ValueError(f"{where}: the label of tag '{canonical}' must be a string or a mapping of language to string")


def _add_spec(canonical: str, spec: Any, pairs: dict[str, str], labels: dict[str, Label], where: str) -> None:
    """One tag definition: {label:, aliases:}, a list of aliases, or a label string."""
    canon = fold_tag(str(canonical))
    if not canon:
        raise ValueError(f"{where}: tag {canonical!r} is empty after normalisation")
    aliases: Iterable[Any] = ()
    if isinstance(spec, Mapping):
        if spec.get("label") is not None:
            labels[canon] = _check_label(canon, spec["label"], where)
        aliases = spec.get("aliases") or ()
    elif isinstance(spec, (list, tuple)):
        aliases = spec
    elif isinstance(spec, str):
        labels[canon] = spec.strip()
    elif spec is not None:
        raise ValueError(f"{where}: tag '{canonical}' must map to a label, a list of aliases or both")
    if isinstance(aliases, str):
        aliases = [aliases]
    for alias in aliases:
        key = fold_tag(str(alias))
        if key and key != canon:
            pairs[key] = canon
    pairs.pop(canon, None)  # a canonical tag is never an alias of another one


def _resolve_chains(pairs: dict[str, str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for start in pairs:
        seen = [start]
        target = pairs[start]
        while target in pairs:
            if target in seen:
                raise ValueError("tag aliases form a cycle: " + " -> ".join(seen + [target]))
            seen.append(target)
            target = pairs[target]
        if target != start:
            resolved[start] = target
    return resolved


def load_tag_settings(
    extra_aliases: Mapping | None = None,
    site_tags: Iterable[str] | None = None,
    extra_labels: Mapping | None = None,
    *,
    extra_stopwords: Iterable[str] | None = None,
    lang: str | None = None,
    data_dir: Path | None = None,
) -> TagSettings:
    """The shipped alias table and stop-words, extended by a site.

    `extra_aliases` accepts either form, mixed: {variant: canonical}, or
    {canonical: [variant, ...]}, or {canonical: {label: ..., aliases: [...]}}.
    `site_tags` are added to the shipped ones (e.g. ["nacos"]); they are
    normalised and resolved through the aliases like any tag.
    Raises ValueError for malformed values or alias cycles.
    """
    data = _read_yaml(ALIASES_FILE, data_dir)
    stop_data = _read_yaml(STOPWORDS_FILE, data_dir)
    pairs: dict[str, str] = {}
    labels: dict[str, Label] = {}
    for canonical, spec in (data.get("tags") or {}).items():
        _add_spec(str(canonical), spec, pairs, labels, ALIASES_FILE)
    site_pairs: dict[str, str] = {}
    for key, value in (extra_aliases or {}).items():
        if isinstance(value, str):  # variant: canonical
            variant, canon = fold_tag(str(key)), fold_tag(value)
            if not variant or not canon:
                raise ValueError(f"tag alias {key!r}: {value!r} is empty after normalisation")
            if variant != canon:
                site_pairs[variant] = canon
        else:
            _add_spec(str(key), value, site_pairs, labels, "tag aliases")
    # the site's word wins over the shipped table, in both directions
    for canon in site_pairs.values():
        pairs.pop(canon, None)
    pairs.update(site_pairs)
    for canonical, label in (extra_labels or {}).items():
        canon = fold_tag(str(canonical))
        if canon:
            labels[canon] = _check_label(canon, label, "tag labels")
    aliases = _resolve_chains(pairs)

    def canonical_of(raw: str) -> str:
        folded = fold_tag(str(raw))
        return aliases.get(folded, folded)

    stop = {fold_tag(str(w)) for w in (stop_data.get("stopwords") or []) if w is not None}
    stop |= {fold_tag(str(w)) for w in (extra_stopwords or [])}
    stop.discard("")
    sites = {canonical_of(t) for t in (data.get("site_tags") or [])}
    sites |= {canonical_of(t) for t in (site_tags or [])}
    sites.discard("")
    auto = data.get("auto_site_tags") or {}
    versions = data.get("versions") or {}
    fallback = canonical_of(data.get("fallback_tag") or "general") or "general"
    return TagSettings(
        aliases=aliases,
        labels=labels,
        site_tags=frozenset(sites),
        stopwords=frozenset(stop),
        fallback_tag=fallback,
        expand_bare_digits=bool(versions.get("expand_bare_digits", True)),
        auto_site_ratio=auto.get("min_ratio") if auto else None,
        auto_site_min_entries=int(auto.get("min_entries", 20)) if auto else 20,
        lang=lang,
    )


@lru_cache(maxsize=1)
def default_settings() -> TagSettings:
    return load_tag_settings()


# --------------------------------------------------------------------------- versions

_VERSION_SUFFIX = r"(?:-?(?:alpha|beta|rc|ga|m|final|release|snapshot)\.?\d*)?"
_DOTTED = re.compile(r"v?(\d{1,4}(?:\.\d{1,4}){1,2})(" + _VERSION_SUFFIX + r")")
_X_SERIES = re.compile(r"v?(\d{1,3}(?:\.\d{1,3})*)\.?x")
_V_NUMBER = re.compile(r"v(\d{1,3})")
_BARE = re.compile(r"\d{1,3}")


def _expand(digits: str, expand: bool) -> str | None:
    if "." in digits or len(digits) == 1:
        return digits
    return ".".join(digits) if expand else None


def version_of(value: str, expand_bare_digits: bool = True) -> str | None:
    """The version a folded tag stands for, or None: '223' -> '2.2.3', 'v2.2.3' -> '2.2.3'.

    Bare 3-digit numbers starting with 4 or 5 are HTTP status codes, not versions.
    """
    match = _DOTTED.fullmatch(value)
    if match:
        return match.group(1) + match.group(2)
    match = _X_SERIES.fullmatch(value)
    if match:
        base = _expand(match.group(1), expand_bare_digits)
        return f"{base}.x" if base else None
    match = _V_NUMBER.fullmatch(value)
    if match:
        return _expand(match.group(1), expand_bare_digits)
    if _BARE.fullmatch(value):
        if value.startswith("0") or (len(value) == 3 and value[0] in "45"):
            return None
        return _expand(value, expand_bare_digits)
    return None


def _version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.-]", version))


# --------------------------------------------------------------------------- one tag


@dataclass(frozen=True)
class TagResult:
    """What became of one raw tag."""

    raw: str
    tag: str | None  # canonical tag, None when not a tag
    version: str | None = None
    kind: str = "tag"  # tag | version | site | empty | stopword | short | number
    rule: str = "same"  # same | fold | alias | prefix: how the raw text became `tag`
    site: str | None = None  # the site-wide tag it stands for, kind == "site"


_VERSIONED_NAME = re.compile(r"(.*?[^\d.\-])-?(v?\d[\d.]*x?)")


def _strip_site_affix(value: str, settings: TagSettings) -> str | None:
    """'nacos配置中心' -> '配置中心', '服务器nacos' -> '服务器' for a site tag 'nacos'."""
    for site in settings.site_tags:
        if has_cjk(site):
            continue
        if value.startswith(site) and len(value) > len(site):
            rest = value[len(site):].lstrip("-")
            if rest and has_cjk(rest[0]):
                return rest
        if value.endswith(site) and len(value) > len(site):
            rest = value[: -len(site)].rstrip("-")
            if rest and has_cjk(rest[-1]):
                return rest
    return None


def _site_of(value: str, settings: TagSettings) -> str | None:
    if value in settings.site_tags:
        return value
    parts = value.split("-")
    if len(parts) > 1 and all(settings.aliases.get(p, p) in settings.site_tags for p in parts):
        return settings.aliases.get(parts[-1], parts[-1])
    return None


def _versioned_name(value: str, settings: TagSettings) -> tuple[str, str] | None:
    """'nacos223' -> ('nacos', '2.2.3'), 'nacos-client223' -> ('nacos-client', '2.2.3')."""
    match = _VERSIONED_NAME.fullmatch(value)
    if not match:
        return None
    name, number = match.group(1).rstrip("-"), match.group(2)
    if not any(name == s or name.startswith(s + "-") for s in settings.site_tags):
        return None
    version = version_of(number, settings.expand_bare_digits)
    return (name, version) if version else None


def classify_tag(raw: str, settings: TagSettings | None = None) -> TagResult:
    """Run the pipeline on one raw tag or keyword; cached per settings."""
    settings = settings or default_settings()
    cache = settings._cache
    result = cache.get(raw)
    if result is None:
        result = _classify(raw, settings, depth=0)
        cache[raw] = result
    return result


def _classify(raw: str, settings: TagSettings, depth: int) -> TagResult:
    folded = fold_tag(raw)
    if not folded:
        return TagResult(raw, None, kind="empty", rule="fold")
    value = folded
    rule = "same" if folded == raw else "fold"
    seen: set[str] = set()
    while value not in seen and len(seen) < 8:
        seen.add(value)
        if value in settings.aliases:
            value, rule = settings.aliases[value], "alias"
            continue
        stripped = _strip_site_affix(value, settings)
        if stripped:
            value, rule = stripped, "prefix"
            continue
        break
    site = _site_of(value, settings)
    if site:
        return TagResult(raw, None, kind="site", rule=rule, site=site)
    if value in settings.known:
        return TagResult(raw, value, rule=rule)
    version = version_of(value, settings.expand_bare_digits)
    if version:
        return TagResult(raw, None, version=version, kind="version", rule=rule)
    named = _versioned_name(value, settings)
    if named and depth < 2:
        name, version = named
        inner = _classify(name, settings, depth + 1)
        if inner.tag:
            return TagResult(raw, inner.tag, version=version, rule="version-suffix")
        return TagResult(raw, None, version=version, kind="version", rule="version-suffix")
    if re.fullmatch(r"[\d.]+", value):
        # 4-5 digit numbers are ports (8848); longer ones are ids, dates or addresses
        if value.isdigit() and 4 <= len(value) <= 5 and value[0] != "0" and int(value) <= 65535:
            return TagResult(raw, value, rule=rule)
        if len(value) == 3 and value.isdigit():  # an HTTP status code
            return TagResult(raw, value, rule=rule)
        return TagResult(raw, None, kind="number", rule=rule)
    if value in settings.stopwords or analyze.is_stopword(value):
        return TagResult(raw, None, kind="stopword", rule=rule)
    if len(value) < 2:
        return TagResult(raw, None, kind="short", rule=rule)
    return TagResult(raw, value, rule=rule)


def normalize_tag(raw: str, settings: TagSettings | None = None) -> str | None:
    """The canonical tag for a raw tag or keyword, or None when it is not a tag.

    None covers dropped values (empty, stop-words) as well as site-wide tags
    and pure version numbers; `classify_tag` says which.
    """
    return classify_tag(raw, settings).tag


def normalize_version(raw: str, settings: TagSettings | None = None) -> str | None:
    return classify_tag(raw, settings).version


# --------------------------------------------------------------------------- extraction


_UNKNOWN_WORD_IDF = 12.0  # about the median IDF of jieba's dictionary


def extract_tags(title: str, question: str = "", settings: TagSettings | None = None,
                 analyzer: Analyzer | None = None, limit: int = EXTRACTED_TAGS) -> list[str]:
    """Canonical tags taken from the text by TF-IDF, title words counted twice.

    Terms come from the shared analyzer; their inverse document frequency is
    estimated from the word frequencies of jieba's dictionary (the same data
    jieba.analyse derives its IDF table from, without loading a second table
    and its part-of-speech data, which take a second and a half); Latin words
    the dictionary does not know, like product names, weigh most.
    """
    settings = settings or default_settings()
    analyzer = analyzer or Analyzer()
    total = max(base_total(), 1)
    tf: Counter = Counter()
    for weight, text in ((2, title or ""), (1, (question or "")[:4000])):
        for term in analyzer.segment(text):
            tf[term] += weight
    scored = []
    for position, (term, count) in enumerate(tf.items()):
        if len(term) < 2 or not re.search(r"[^\W\d_]", term):
            continue
        known = analyzer.freq(term)
        if known > 0:
            idf = math.log(total / known)
        elif term.isascii():  # product names, commands, identifiers: the best tags
            idf = math.log(total)
        else:  # an unknown Chinese word cut by the HMM: may be a fragment
            idf = _UNKNOWN_WORD_IDF
        scored.append((-count * idf, position, term))
    out: list[str] = []
    for _, _, term in sorted(scored):
        result = classify_tag(term, settings)
        if result.kind == "tag" and result.tag and result.tag not in out:
            out.append(result.tag)
            if len(out) >= limit:
                break
    return out


# --------------------------------------------------------------------------- entries


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _entry_lang(entry: Entry) -> str:
    if entry.lang:
        return entry.lang.split("-")[0].lower()
    return "zh" if has_cjk(entry.title) else "en"


def reads_text(entry: Entry, settings: TagSettings) -> bool:
    """Whether normalising the entry cuts its text (no tag or keyword of it survives), so
    that its result depends on the analyzer."""
    return not any(classify_tag(raw, settings).tag for raw in (*entry.tags, *entry.keywords))


def normalize_entry(entry: Entry, settings: TagSettings | None = None,
                    analyzer: Analyzer | None = None) -> NormalizedEntry:
    """Canonical tags (site-wide ones left out), versions and keywords of one entry.

    Tags come from `tags`, else from `keywords`, else from the title and
    question, cut by `analyzer` (then `extracted` is True); an entry always ends
    with a tag.
    """
    settings = settings or default_settings()
    tag_results = [classify_tag(raw, settings) for raw in entry.tags]
    keyword_results = [classify_tag(raw, settings) for raw in entry.keywords]
    tags = _dedupe(r.tag for r in tag_results)
    keywords = _dedupe(r.tag for r in keyword_results)
    versions = _dedupe(r.version for r in tag_results + keyword_results)
    extracted = False
    if not tags:
        tags = list(keywords)
    if not tags:
        tags = extract_tags(entry.title, entry.question or "", settings, analyzer)
        extracted = True
        if not tags:
            tags = [settings.fallback_tag]
    if not keywords:
        keywords = [t for t in tags if t != settings.fallback_tag]
    lang = settings.lang or _entry_lang(entry)
    return NormalizedEntry(
        entry=entry,
        tags=tuple(Tag(slug, settings.label_for(slug, lang)) for slug in tags),
        versions=tuple(versions),
        keywords=tuple(keywords),
        extracted=extracted,
    )


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class TagSource:
    """What the corpus-wide tag settings read of one entry."""

    tags: tuple[str, ...]
    keywords: tuple[str, ...]
    cjk_title: bool

    @classmethod
    def of(cls, entry: Entry | "TagSource") -> "TagSource":
        if isinstance(entry, TagSource):
            return entry
        return cls(entry.tags, entry.keywords, has_cjk(entry.title))


def tag_sources(entries: Iterable[Entry]) -> tuple[TagSource, ...]:
    return tuple(map(TagSource.of, entries))


def _raw_values(entry: Entry | TagSource) -> tuple[str, ...]:
    """The raw values an entry's tags come from: its tags, else its keywords."""
    return entry.tags or entry.keywords


def _tag_counts(entries: Iterable[Entry | TagSource], settings: TagSettings) -> Counter:
    counts: Counter = Counter()
    for entry in entries:
        counts.update({classify_tag(raw, settings).tag for raw in _raw_values(entry)} - {None})
    return counts


def _display_form(raw: str) -> str:
    text = analyze.to_simplified(unicodedata.normalize("NFKC", raw))
    return " ".join(text.split()).strip(" #")


def corpus_settings(entries: Iterable[Entry | TagSource], settings: TagSettings | None = None) -> TagSettings:
    """Settings completed from the corpus itself.

    - tags on at least `auto_site_ratio` of the entries become site-wide;
    - tags that differ only by separators are merged ("springboot" into
      "spring-boot"), preferring a tag of the table, then the form with
      separators, then the most used one;
    - tags without a label get their most used written form as label;
    - the label language is detected when not set.
    """
    settings = settings or default_settings()
    entries = tag_sources(entries)
    counts = _tag_counts(entries, settings)
    if settings.auto_site_ratio and len(entries) >= max(1, settings.auto_site_min_entries):
        frequent = {t for t, n in counts.items() if n >= settings.auto_site_ratio * len(entries)}
        frequent -= {settings.fallback_tag}
        if frequent:
            settings = replace(settings, site_tags=settings.site_tags | frequent)
            counts = _tag_counts(entries, settings)
    groups: dict[str, list[str]] = defaultdict(list)
    for tag in counts:
        groups[compact_key(tag)].append(tag)
    merges: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda t: (t not in settings.known, -t.count("-") - t.count("."), -counts[t], t))
        for other in members[1:]:
            merges[other] = members[0]
    aliases = dict(settings.aliases)
    for variant, canon in merges.items():
        aliases[variant] = canon
        for key, value in list(aliases.items()):
            if value == variant:
                aliases[key] = canon
    # labels from how authors wrote the tag
    written: dict[str, Counter] = defaultdict(Counter)
    for entry in entries:
        for raw in set(_raw_values(entry)):
            result = classify_tag(raw, settings)
            if result.tag and result.rule in ("same", "fold"):
                form = _display_form(raw)
                final = merges.get(result.tag, result.tag)
                if form and fold_tag(form) == final:  # differs only by case, width or spacing
                    written[final][form] += 1
    labels = dict(settings.labels)
    for tag, forms in written.items():
        if tag in labels:
            continue
        best = max(forms.items(), key=lambda kv: (kv[1] + (0.5 if kv[0] != kv[0].lower() else 0), kv[0]))[0]
        if best != tag:
            labels[tag] = best
    return replace(settings, aliases=aliases, labels=labels, lang=_corpus_lang(entries, settings))


def _corpus_lang(entries: tuple[TagSource, ...], settings: TagSettings) -> str | None:
    """The label language: the settings', else "zh" when most titles are Chinese."""
    if settings.lang is not None or not entries:
        return settings.lang
    return "zh" if sum(e.cjk_title for e in entries) * 2 >= len(entries) else "en"


def normalize_corpus(entries: Iterable[Entry], settings: TagSettings | None = None,
                     analyzer: Analyzer | None = None) -> tuple[NormalizedEntry, ...]:
    """Normalise every entry with settings completed from the corpus (see corpus_settings);
    tags extracted from text are cut by `analyzer` (default: taught `taught_words`)."""
    entries = tuple(entries)
    effective = corpus_settings(entries, settings)
    if analyzer is None:
        analyzer = Analyzer.of(taught_words(entries, effective))
    return tuple(normalize_entry(entry, effective, analyzer) for entry in entries)


def taught_words(entries: Iterable[Entry | TagSource], settings: TagSettings) -> frozenset[str]:
    """The domain words a site teaches the segmenter, before any text is cut: the
    Chinese canonical tags and labels, and the canonical forms of every keyword."""
    entries = tuple(entries)
    words = set(settings.known) | set(_tag_counts(entries, settings))
    for label in settings.labels.values():
        if isinstance(label, str):
            words.add(label)
        else:
            words.update(v for v in label.values() if isinstance(v, str))
    for entry in entries:
        words.update(r.tag for r in map(lambda raw: classify_tag(raw, settings), entry.keywords) if r.tag)
    return frozenset(w for w in words if has_cjk(w))


# --------------------------------------------------------------------------- report


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, or one transposition of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _pinyin_key(tag: str) -> str | None:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        return None
    return "".join(lazy_pinyin(tag))


def suggest_duplicates(counts: Mapping[str, int], settings: TagSettings) -> list[dict]:
    """Pairs of canonical tags that look like one tag: a maintainer decides.

    Reasons: "case-width-separator" (same letters once folded), "edit-distance"
    (one letter added, removed, changed or swapped, Latin tags of 5 letters or
    more), "suffix" (a Chinese character added at the end: 负载不均衡),
    "same-pinyin" (Chinese homophones of 3 characters or more, the usual
    input-method slip: 长轮训 / 长轮询).
    Pairs of two tags of the table, and pairs differing only in digits
    (jdk17, jdk18), are left out.
    """
    found: dict[tuple[str, str], str] = {}

    def consider(a: str, b: str, reason: str) -> None:
        if a == b or (a in settings.known and b in settings.known):
            return
        if re.sub(r"\d", "", a) == re.sub(r"\d", "", b):
            return
        key = (a, b) if a < b else (b, a)
        found.setdefault(key, reason)

    by_compact: dict[str, list[str]] = defaultdict(list)
    for tag in counts:
        by_compact[compact_key(tag)].append(tag)
    for members in by_compact.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                consider(a, b, "case-width-separator")
    # Latin tags: one letter added, dropped, changed or swapped (typos, plurals)
    index: dict[str, set[str]] = defaultdict(set)
    for tag in counts:
        if not has_cjk(tag) and len(tag) >= 5 and not tag.isdigit():
            for variant in _deletions(tag):
                index[variant].add(tag)
    for bucket in index.values():
        if len(bucket) < 2:
            continue
        members = sorted(bucket)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if _edit_distance_at_most_one(a, b):
                    consider(a, b, "edit-distance")
    # Chinese: changing a character changes the word (一致性, 一次性), and so
    # does a prefix (非临时实例); a one-character suffix often does not
    # (负载不均 / 负载不均衡, client / client端).
    for tag in counts:
        base = tag[:-1]
        if has_cjk(tag[-1]) and base in counts and (len(base) >= 3 or (base.isascii() and len(base) >= 2)):
            consider(tag, tag[:-1], "suffix")
    by_pinyin: dict[str, list[str]] = defaultdict(list)
    for tag in counts:
        if has_cjk(tag) and len(tag) >= 3:
            key = _pinyin_key(tag)
            if key:
                by_pinyin[key].append(tag)
    for members in by_pinyin.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                consider(a, b, "same-pinyin")
    out = []
    for (a, b), reason in found.items():
        # the variant is the rarer one, unless the other is not in the table and it is
        canon, variant = sorted((a, b), key=lambda t: (t not in settings.known, -counts.get(t, 0), len(t), t))
        out.append({
            "variant": variant,
            "canonical": canon,
            "reason": reason,
            "variant_count": counts.get(variant, 0),
            "canonical_count": counts.get(canon, 0),
        })
    out.sort(key=lambda s: (-(s["variant_count"] + s["canonical_count"]), s["canonical"], s["variant"]))
    return out


def tag_report(entries: Iterable[Entry], settings: TagSettings | None = None) -> dict:
    """Everything `kb tags` shows, JSON-serialisable."""
    entries = tuple(entries)
    base = settings or default_settings()
    effective = corpus_settings(entries, base)
    analyzer = Analyzer.of(taught_words(entries, effective))
    normalized = tuple(normalize_entry(entry, effective, analyzer) for entry in entries)

    raw_counts: Counter = Counter()
    for entry in entries:
        raw_counts.update(set(entry.tags))
    raw_empty_entries = sum(1 for e in entries if any(not fold_tag(t) for t in e.tags))
    raw_without = sum(1 for e in entries if not e.tags and not e.keywords)

    tag_counts: Counter = Counter()
    extracted_counts: Counter = Counter()
    labels: dict[str, str] = {}
    version_counts: Counter = Counter()
    for item in normalized:
        for tag in item.tags:
            tag_counts[tag.slug] += 1
            labels[tag.slug] = tag.label
            if item.extracted:
                extracted_counts[tag.slug] += 1
        version_counts.update(set(item.versions))

    merges: dict[str, list[dict]] = defaultdict(list)
    site: dict[str, list[dict]] = defaultdict(list)
    version_variants: dict[str, list[dict]] = defaultdict(list)
    dropped: list[dict] = []
    for raw, count in sorted(raw_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        result = classify_tag(raw, effective)
        if result.tag and result.tag != raw:
            merges[result.tag].append({"raw": raw, "count": count, "rule": result.rule})
        if result.version:
            version_variants[result.version].append({"raw": raw, "count": count})
        if result.kind == "site":
            site[result.site or ""].append({"raw": raw, "count": count})
        elif result.kind not in ("tag", "version"):
            dropped.append({"raw": raw, "count": count, "reason": result.kind})

    site_counts: Counter = Counter()
    for entry in entries:
        site_counts.update({classify_tag(raw, effective).site for raw in _raw_values(entry)} - {None})

    groups: dict[str, list[str]] = defaultdict(list)
    for slug in tag_counts:
        groups[compact_key(slug)].append(slug)
    collisions = [sorted(m) for m in groups.values() if len(m) > 1]

    def order(counter: Counter) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

    return {
        "entries": len(entries),
        "raw_distinct": len(raw_counts),
        "canonical_distinct": len(tag_counts),
        "entries_without_tags": sum(1 for n in normalized if not n.tags),
        "empty_tags": sum(1 for n in normalized for t in n.tags if not t.slug.strip() or not t.label.strip()),
        "collisions": collisions,
        "before": {
            "distinct_tags": len(raw_counts),
            "entries_with_empty_tag": raw_empty_entries,
            "entries_without_tags": raw_without,
        },
        "after": {
            "distinct_tags": len(tag_counts),
            "empty_tags": sum(1 for n in normalized for t in n.tags if not t.slug.strip()),
            "entries_without_tags": sum(1 for n in normalized if not n.tags),
            "entries_with_extracted_tags": sum(1 for n in normalized if n.extracted),
            "collisions": len(collisions),
            "distinct_versions": len(version_counts),
        },
        "lang": effective.lang,
        "site_tags": [
            {"tag": tag, "label": effective.label_for(tag), "count": site_counts.get(tag, 0),
             "variants": site.get(tag, [])}
            for tag in sorted(effective.site_tags, key=lambda t: (-site_counts.get(t, 0), t))
        ],
        "tags": [
            {"slug": slug, "label": labels[slug], "count": count, "extracted": extracted_counts.get(slug, 0)}
            for slug, count in order(tag_counts)
        ],
        "versions": [
            {"version": v, "count": version_counts[v], "variants": version_variants.get(v, [])}
            for v in sorted(version_counts, key=_version_key, reverse=True)
        ],
        "merges": [
            {"canonical": canon, "label": effective.label_for(canon), "count": tag_counts.get(canon, 0),
             "variants": variants}
            for canon, variants in sorted(merges.items(), key=lambda kv: (-tag_counts.get(kv[0], 0), kv[0]))
        ],
        "dropped": dropped,
        "suggestions": suggest_duplicates(tag_counts, effective),
    }


def format_tag_report(report: Mapping, limit: int | None = None) -> str:
    """The report for a terminal; `limit` caps each list (None: everything)."""
    lines: list[str] = []

    def cap(items: list) -> list:
        return items if limit is None else items[:limit]

    def more(items: list) -> None:
        if limit is not None and len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more (--json for everything)")

    before, after = report["before"], report["after"]
    lines.append(
        f"{report['entries']} entries: {before['distinct_tags']} distinct tags as written "
        f"-> {after['distinct_tags']} canonical tags"
    )
    lines.append(
        f"  empty tags: {before['entries_with_empty_tag']} entries before, {after['empty_tags']} after; "
        f"entries without tags: {before['entries_without_tags']} before, {after['entries_without_tags']} after; "
        f"tags extracted from the text: {after['entries_with_extracted_tags']} entries"
    )
    if report["collisions"]:
        lines.append("  tags differing only by case/width/separator: "
                     + "; ".join(", ".join(c) for c in report["collisions"]))
    if report["site_tags"]:
        lines.append("")
        lines.append("Site-wide tags (left off tag pages):")
        for item in report["site_tags"]:
            variants = ", ".join(f"{v['raw'] or repr(v['raw'])} {v['count']}" for v in item["variants"])
            lines.append(f"  {item['tag']} ({item['count']} entries)" + (f": {variants}" if variants else ""))
    if report["versions"]:
        lines.append("")
        lines.append("Versions facet:")
        lines.append("  " + ", ".join(f"{v['version']} ({v['count']})" for v in report["versions"]))
    lines.append("")
    lines.append("Canonical tags (entries):")
    width = max((len(str(t["count"])) for t in report["tags"]), default=1)
    for tag in cap(report["tags"]):
        label = f"  {tag['label']}" if tag["label"] != tag["slug"] else ""
        note = f"  [{tag['extracted']} extracted]" if tag.get("extracted") else ""
        lines.append(f"  {tag['count']:>{width}}  {tag['slug']}{label}{note}")
    more(report["tags"])
    if report["merges"]:
        lines.append("")
        lines.append("Merges (variant count -> canonical):")
        for merge in cap(report["merges"]):
            variants = ", ".join(f"{v['raw']} {v['count']}" for v in merge["variants"])
            lines.append(f"  {merge['canonical']} ({merge['count']}): {variants}")
        more(report["merges"])
    if report["dropped"]:
        lines.append("")
        lines.append("Dropped:")
        by_reason: dict[str, list[str]] = defaultdict(list)
        for item in report["dropped"]:
            by_reason[item["reason"]].append(f"{item['raw'] or repr(item['raw'])} {item['count']}")
        for reason, items in by_reason.items():
            lines.append(f"  {reason}: " + ", ".join(cap(items)) + (" ..." if limit is not None and len(items) > limit else ""))
    lines.append("")
    if report["suggestions"]:
        lines.append("Likely duplicates not merged (add 'variant: canonical' to the site's tag aliases if right):")
        for s in cap(report["suggestions"]):
            lines.append(
                f"  {s['variant']} ({s['variant_count']}) -> {s['canonical']} ({s['canonical_count']})  [{s['reason']}]"
            )
        more(report["suggestions"])
    else:
        lines.append("No likely duplicates left.")
    return clean_lines(lines)
