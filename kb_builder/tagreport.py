"""`kb tags`: the canonical tags of a corpus with counts, the merges applied, and suggested merges."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .analyze import Analyzer, fold, stem
from .model import Entry
from .normalize import corpus_settings, normalize_entry, raw_values, taught_words
from .tagplan import NEIGHBOURS_ALIKE, cosine
from .tags import TagSettings, classify_tag, compact_key, default_settings, fold_tag, has_cjk, version_key
from .terminal import clean_lines

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


_LATIN_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class TagEvidence:
    """What the entries say about their tags: for each tag, the folded text of the entries
    carrying it, and the other tags they carry (its neighbours)."""

    texts: Mapping[str, tuple[str, ...]]
    neighbours: Mapping[str, Mapping[str, int]]
    corpus: tuple[str, ...] = ()  # every entry's folded text

    @classmethod
    def of(cls, tagged: Iterable[tuple[Entry, Sequence[str]]]) -> "TagEvidence":
        texts: dict[str, list[str]] = defaultdict(list)
        neighbours: dict[str, Counter] = defaultdict(Counter)
        corpus: list[str] = []
        for entry, tags in tagged:
            text = fold(" ".join((entry.title, entry.question or "", entry.answer or "")))
            corpus.append(text)
            for tag in set(tags):
                texts[tag].append(text)
                neighbours[tag].update(set(tags) - {tag})
        return cls({t: tuple(v) for t, v in texts.items()}, dict(neighbours), tuple(corpus))

    def written(self, form: str) -> int:
        """How many entries write `form` in their text: of two spellings, the one writers use."""
        return sum(1 for text in self.corpus if _written(form, text))

    def mentions(self, tag: str, other: str) -> bool:
        """Whether an entry carrying `tag` writes `other` in its text, not only as part of `tag`
        itself (an entry tagged 'endpoints' holds 'endpoint' in that word)."""
        for text in self.texts.get(tag, ()):
            if other in tag:
                text = text.replace(tag, " ")
            if _written(other, text):
                return True
        return False

    def used_alike(self, a: str, b: str) -> bool:
        return cosine(self.neighbours.get(a, {}), self.neighbours.get(b, {})) >= NEIGHBOURS_ALIKE


def _written(word: str, text: str) -> bool:
    """`word` in `text`; a Latin word as a word of its own ('node' is not in 'nodejs')."""
    if has_cjk(word) or not _LATIN_WORD.fullmatch(word):
        return word in text
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


def evidence_for(a: str, b: str, reason: str, evidence: TagEvidence) -> str | None:
    """Why the entries say two tags that are spelt alike are one tag, or None when they do not.

    Spelling alone is not enough: 'nodes' and 'nodejs', '自动恢复' (recover) and '自动回复'
    (reply) are one edit or one pinyin apart.  The same letters once folded need nothing
    more; otherwise one of: the same English stem (endpoint, endpoints), one tag's entries
    writing the other tag in their text (a typo in the tag, the word right in the text), or
    the two tags carried alongside the same other tags."""
    if reason == "case-width-separator":
        return "same letters"
    if not has_cjk(a + b) and stem(a) == stem(b):
        return "same stem"
    if evidence.mentions(a, b) or evidence.mentions(b, a):
        return "written in the other's entries"
    if evidence.used_alike(a, b):
        return "same neighbour tags"
    return None


def suggest_duplicates(counts: Mapping[str, int], settings: TagSettings,
                       evidence: TagEvidence | None = None) -> list[dict]:
    """Pairs of canonical tags that look like one tag: a maintainer decides.

    Reasons: "case-width-separator" (same letters once folded), "edit-distance"
    (one letter added, removed, changed or swapped, Latin tags of 5 letters or
    more), "suffix" (a Chinese character added at the end: 负载不均衡),
    "same-pinyin" (Chinese homophones of 3 characters or more, the usual
    input-method slip: 长轮训 / 长轮询).
    Pairs of two tags of the table, and pairs differing only in digits
    (jdk17, jdk18), are left out.  With `evidence` (what the entries say), a pair is kept
    only when the entries back it (`evidence_for`), and says how.
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
        backed = evidence_for(a, b, reason, evidence) if evidence is not None else None
        if evidence is not None and backed is None:
            continue
        # the variant is the rarer one, unless the other is not in the table and it is; of two
        # tags as frequent, the one fewer entries write in their text
        written = evidence.written if evidence is not None else (lambda t: 0)
        canon, variant = sorted((a, b), key=lambda t: (t not in settings.known, -counts.get(t, 0), -written(t),
                                                       len(t), t))
        out.append({
            "variant": variant,
            "canonical": canon,
            "reason": reason,
            "variant_count": counts.get(variant, 0),
            "canonical_count": counts.get(canon, 0),
            **({"evidence": backed} if backed else {}),
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
        site_counts.update({classify_tag(raw, effective).site for raw in raw_values(entry)} - {None})

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
            for v in sorted(version_counts, key=version_key, reverse=True)
        ],
        "merges": [
            {"canonical": canon, "label": effective.label_for(canon), "count": tag_counts.get(canon, 0),
             "variants": variants}
            for canon, variants in sorted(merges.items(), key=lambda kv: (-tag_counts.get(kv[0], 0), kv[0]))
        ],
        "dropped": dropped,
        "suggestions": suggest_duplicates(
            tag_counts, effective,
            TagEvidence.of((e, [t.slug for t in n.tags]) for e, n in zip(entries, normalized))),
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
                f"  {s['variant']} ({s['variant_count']}) -> {s['canonical']} ({s['canonical_count']})  "
                f"[{s['reason']}" + (f"; {s['evidence']}]" if s.get("evidence") else "]")
            )
        more(report["suggestions"])
    else:
        lines.append("No likely duplicates left.")
    return clean_lines(lines)
