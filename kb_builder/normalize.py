"""Normalising entries: canonical tags, versions and keywords for each entry, settings from the corpus.

Per entry (`normalize_entry`): tags from `tags`, else from `keywords`, else
extracted from the title and question (jieba TF-IDF through the build's
analyzer), so every entry keeps at least one tag; de-duplicated in order.

Over a whole corpus (`corpus_settings`), tags on most entries become site-wide,
tags that differ only by separators ("springboot" and "spring-boot") are merged,
unlabelled tags get the display form their authors used most ("NacosException"),
and the words the analyzer is taught come from the same tags (`taught_words`).
Everything here is a pure function of its inputs.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Iterable

from . import analyze
from .analyze import Analyzer
from .model import Entry, NormalizedEntry, Tag
from .segment import base_total
from .tags import TagSettings, classify_tag, compact_key, default_settings, fold_tag, has_cjk

EXTRACTED_TAGS = 3  # tags extracted from the text of an entry that has none

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


def raw_values(entry: Entry | TagSource) -> tuple[str, ...]:
    """The raw values an entry's tags come from: its tags, else its keywords."""
    return entry.tags or entry.keywords


def _tag_counts(entries: Iterable[Entry | TagSource], settings: TagSettings) -> Counter:
    counts: Counter = Counter()
    for entry in entries:
        counts.update({classify_tag(raw, settings).tag for raw in raw_values(entry)} - {None})
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
        for raw in set(raw_values(entry)):
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
