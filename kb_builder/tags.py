"""Tags: one canonical tag per idea, safe as a URL slug.

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
   are dropped.

`TagSettings` is a value (equal settings hash and compare equal); classifying a
raw tag is a function of the tag and the settings (cached per settings object).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from . import analyze

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
        # asked once per entry a rebuild normalises: the alias table is large
        found = self._cache.get(("hash",))
        if found is None:
            found = self._cache[("hash",)] = hash(self._key())
        return found

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        # a string's hash differs from one process to the next
        state["_cache"] = {k: v for k, v in self._cache.items() if k != ("hash",)}
        return state

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


def version_key(version: str) -> tuple:
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
