"""Contributor checks that need the whole corpus, for `kb check`.

`kb check` (check.py) validates each file on its own. The checks here compare
entries with the rest of the knowledge base, using the same transforms as the
site (normalize.py for tags, link.py for duplicates and references):

* `duplicate-id` (error): a checked file uses the id of another entry of the corpus;
* `near-duplicate`: the question is near-identical to another entry's
  (what the site shows as "also asked as"), naming both files and their similarity;
* `tag-variant`: a tag written in a non-canonical form ("k8s" for "kubernetes");
* `unknown-tag`: a tag no other entry uses that looks like an existing one
  (typo, homophone), with the suggestion; `new-tag` (info) when nothing is close;
* `missing-reference`: a reference, or a relative `.md` link in the answer, to an
  entry that does not exist;
* `stale` (info): the entry's date is older than `stale_days`;
* `template-text`: the placeholder lines of `kb new` are still in the file.

They run when a directory is checked (the directory is the corpus) or when single
files are checked with `--content DIR` (DIR is the corpus the files belong to).
For files named on the command line the comparative findings are warnings; when
a whole directory is swept they describe the corpus as it already is and are
reported as info (shown with `kb check -v`), so an audit of a large corpus is not
buried under the state it inherited.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from . import link, normalize, tagreport, tags
from .analyze import Analyzer
from .hubs import HubRules
from .references import LinkMaps, loose_key, near_identical, resolve_link, title_key
from .check import check_paths, collect_files
from .ingest import read_corpus
from .model import Corpus, Entry, Finding, NormalizedEntry, Severity

DEFAULT_STALE_DAYS = 730
TEMPLATE_LINE = re.compile(r"<!--\s*kb new:")
# As references' body links: neither label nor target may hold what opens another link.
_BODY_LINK = re.compile(r"\[[^\[\]\n]*\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


@dataclass(frozen=True)
class _Item:
    entry: Entry
    file: Path | None  # the file on disk, for line numbers
    shown: str  # the path as findings show it
    checked: bool  # named on the command line (or inside a checked directory)


class _Lines:
    """File texts read on demand, for locating findings."""

    def __init__(self):
        self.cache: dict[Path, list[str]] = {}

    def lines(self, path: Path | None) -> list[str]:
        if path is None:
            return []
        if path not in self.cache:
            try:
                self.cache[path] = path.read_text(encoding="utf-8", errors="replace").split("\n")
            except OSError:
                self.cache[path] = []
        return self.cache[path]

    def find(self, path: Path | None, needle: str, key: bool = False, start: int = 1) -> int | None:
        """1-based line of the first line containing `needle` (a front-matter key when `key`),
        from line `start` on (before it only when no line after it has it)."""
        if not needle:
            return None
        text = self.lines(path)
        for number in chain(range(start, len(text) + 1), range(1, min(start, len(text) + 1))):
            line = text[number - 1]
            if (line.startswith(needle + ":") or line.startswith(f'"{needle}":')) if key else needle in line:
                return number
        return None

    def in_order(self, path: Path | None) -> Callable[[str], int | None]:
        """`find` for texts met in the order they are written: each search starts at the
        line of the last one (from the top each time, a finding per link took time
        quadratic in the file's length)."""
        last = 1

        def find(needle: str) -> int | None:
            nonlocal last
            line = self.find(path, needle, start=last)
            last = line or last
            return line
        return find

    def find_in_key(self, path: Path | None, key: str, needle: str) -> int | None:
        """The line of `needle` within a front-matter key's value (which may span lines)."""
        start = self.find(path, key, key=True)
        if start is None:
            return None
        text = self.lines(path)
        for number in range(start, min(len(text), start + 50) + 1):
            line = text[number - 1]
            if number > start and (line.startswith("---") or re.match(r"[\w\"'-]+\s*:", line)):
                break
            if needle in line:
                return number
        return start


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _question_key(entry: Entry) -> str:
    text = (entry.question or "").strip() or entry.title
    return title_key(text[:500])


def similarity(a: Entry, b: Entry) -> float:
    """How alike two questions read, 0..1: the closer of their titles and their questions."""
    best = 0.0
    for ka, kb in ((_question_key(a), _question_key(b)), (title_key(a.title), title_key(b.title))):
        if ka and kb:
            best = max(best, SequenceMatcher(None, ka, kb, autojunk=False).ratio())
    return best


# --------------------------------------------------------------------------- the checks

def template_findings(items: Iterable[_Item], lines: _Lines) -> list[Finding]:
    out = []
    for item in items:
        for number, line in enumerate(lines.lines(item.file), 1):
            if TEMPLATE_LINE.search(line):
                out.append(Finding(Severity.WARNING, "template-text",
                                   "the placeholder from `kb new` is still here: write the text and delete this line",
                                   item.shown, number))
    return out


def _title_key(entry: Entry) -> str:
    return loose_key(title_key(entry.title[:300]))


def duplicate_groups(items: Sequence[_Item], graph: link.Graph, full_scan_limit: int = 50) -> list[tuple[str, ...]]:
    """The site's "also asked as" groups (questions), joined with near-identical titles.

    Titles are compared without question words ('如何', '吗') and punctuation: every
    pair for up to `full_scan_limit` checked entries, equal keys beyond that.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for group in graph.duplicate_groups:
        for other in group[1:]:
            union(group[0], other)
    keys = {i.entry.id: _title_key(i.entry) for i in items}
    checked = [i for i in items if i.checked]
    if len(checked) <= full_scan_limit:
        for item in checked:
            mine = keys[item.entry.id]
            for other in items:
                if other is not item and near_identical(mine, keys[other.entry.id]):
                    union(item.entry.id, other.entry.id)
    else:
        first: dict[str, str] = {}
        for entry_id, key in keys.items():
            if len(key) >= 4:
                if key in first:
                    union(first[key], entry_id)
                else:
                    first[key] = entry_id
    members: dict[str, list[str]] = defaultdict(list)
    for entry_id in list(parent):
        members[find(entry_id)].append(entry_id)
    return [tuple(sorted(m)) for m in members.values() if len(m) > 1]


def duplicate_findings(items: Sequence[_Item], graph: link.Graph, severity: Severity,
                       lines: _Lines) -> list[Finding]:
    by_id = {i.entry.id: i for i in items}
    out = []
    for group in duplicate_groups(items, graph):
        members = sorted((by_id[g] for g in group if g in by_id), key=lambda i: (i.checked, i.shown))
        if len(members) < 2:
            continue
        for item in members:
            if not item.checked:
                continue
            # Named files are compared with the corpus entries they repeat; in a directory sweep
            # every member but the first of a group names the first.
            others = [m for m in members if m is not item]
            if all(m.checked for m in members):
                first = min(members, key=lambda m: m.shown)
                if item is first:
                    continue
                other = first
            else:
                other = max(others, key=lambda m: (not m.checked, similarity(item.entry, m.entry)))
            score = similarity(item.entry, other.entry)
            more = len(others) - 1
            extra = f" and {more} more" if more > 0 else ""
            out.append(Finding(
                severity, "near-duplicate",
                f"near-duplicate question: {other.shown}{extra} asks the same ('{_clip(other.entry.title)}', "
                f"similarity {score:.0%}); merge them, or keep one and cite the other under its references",
                item.shown, lines.find(item.file, "title", key=True)))
    return out


def _forms(tag: str, settings: tags.TagSettings) -> set[str]:
    """The folded ways of writing a canonical tag that need no correction: its slug and labels."""
    label = settings.labels.get(tag)
    labels = label.values() if isinstance(label, Mapping) else [label] if isinstance(label, str) else []
    return {tag} | {tags.fold_tag(v) for v in labels if isinstance(v, str)}


def tag_findings(items: Sequence[_Item], settings: tags.TagSettings, severity: Severity,
                 lines: _Lines, notes: bool) -> list[Finding]:
    """Tags not in the canonical set, with the canonical tag to use."""
    counts: Counter = Counter()
    for item in items:
        raw = item.entry.tags or item.entry.keywords
        counts.update({tags.classify_tag(t, settings).tag for t in raw} - {None})
    canonical = set(settings.known) | {t for t, n in counts.items() if n >= 2}
    suggestions: dict[str, dict] = {}
    for s in tagreport.suggest_duplicates(counts, settings):
        if s["canonical"] in canonical:
            suggestions.setdefault(s["variant"], s)
    out = []
    for item in items:
        if not item.checked:
            continue
        seen: set[str] = set()
        for raw in item.entry.tags:
            result = tags.classify_tag(raw, settings)
            tag = result.tag
            if not tag or raw in seen:
                continue
            seen.add(raw)
            line = lines.find_in_key(item.file, "tags", raw)
            label = settings.label_for(tag, "zh" if tags.has_cjk(item.entry.title) else "en")
            if result.rule in ("alias", "prefix") and tags.fold_tag(raw) not in _forms(tag, settings):
                out.append(Finding(severity, "tag-variant",
                                   f"the tag '{raw}' is not canonical: write '{label}' (the tag this site uses)",
                                   item.shown, line))
            elif tag not in canonical:
                suggestion = suggestions.get(tag)
                if suggestion:
                    other = suggestion["canonical"]
                    out.append(Finding(
                        severity, "unknown-tag",
                        f"the tag '{raw}' is not a tag of this site; did you mean '{settings.label_for(other)}' "
                        f"({suggestion['canonical_count']} entries)?", item.shown, line))
                elif notes:
                    out.append(Finding(Severity.INFO, "new-tag",
                                       f"the tag '{raw}' is new: no other entry has it (`kb tags` lists the "
                                       "tags in use)", item.shown, line))
    return out


def _link_target_missing(entry: Entry, target: str, maps: LinkMaps) -> bool:
    if _EXTERNAL.match(target) or target.startswith("#") or ".md" not in target.lower():
        return False
    return resolve_link(target, maps, entry.source_path) is None


def reference_findings(items: Sequence[_Item], entries: Sequence[NormalizedEntry], graph: link.Graph,
                       severity: Severity, lines: _Lines) -> list[Finding]:
    by_id = {i.entry.id: i for i in items}
    out = []
    in_order: dict[str, Callable[[str], int | None]] = {}  # an entry's references come in order
    for entry_id, ref in graph.unresolved:
        item = by_id.get(entry_id)
        if item is None or not item.checked:
            continue
        find = in_order.setdefault(entry_id, lines.in_order(item.file))
        if ref.target:
            message = (f"the reference '{_clip(ref.text)}' links to '{_clip(ref.target)}', "
                       "which is not an entry of this knowledge base")
            line = find(ref.target)
        else:
            message = (f"the reference '{_clip(ref.text)}' names no entry of this knowledge base "
                       "(no title matches it): correct the title, or link a web page instead")
            line = find(ref.text)
        out.append(Finding(severity, "missing-reference", message, item.shown, line))
    maps = LinkMaps(tuple((n.entry.source_path, n.entry.id) for n in entries))
    for item in items:
        if not item.checked or ".md" not in (item.entry.answer or "").lower():
            continue
        find = lines.in_order(item.file)
        for match in _BODY_LINK.finditer(item.entry.answer or ""):
            target = match.group(1)
            if _link_target_missing(item.entry, target, maps):
                out.append(Finding(severity, "missing-reference",
                                   f"the answer links to '{_clip(target)}', which is not an entry of this "
                                   "knowledge base", item.shown, find(match.group(0))))
    return out


def stale_findings(items: Iterable[_Item], stale_days: int, today: _dt.date, lines: _Lines) -> list[Finding]:
    out = []
    limit = today - _dt.timedelta(days=stale_days)
    for item in items:
        if not item.checked or not item.entry.date:
            continue
        try:
            dated = _dt.date.fromisoformat(item.entry.date)
        except ValueError:
            continue
        if dated < limit:
            age = (today - dated).days
            out.append(Finding(Severity.INFO, "stale",
                               f"dated {item.entry.date}, {age} days ago (more than {stale_days}): check that the "
                               "answer still holds, then update 'date'",
                               item.shown, lines.find(item.file, "date", key=True)))
    return out


def lint_items(items: Sequence[_Item], *, severity: Severity = Severity.WARNING,
               stale_days: int | None = DEFAULT_STALE_DAYS, today: _dt.date | None = None,
               tag_settings: tags.TagSettings | None = None, new_tag_notes: bool = True) -> list[Finding]:
    """The corpus checks over `items` (the whole corpus); findings only for checked items."""
    lines = _Lines()
    entries = [i.entry for i in items]
    base = tag_settings or tags.default_settings()
    settings = normalize.corpus_settings(entries, base)
    analyzer = Analyzer.of(normalize.taught_words(entries, settings))
    normalized = normalize.normalize_corpus(entries, base, analyzer)
    graph = link.build_graph(normalized, analyzer, hub_rules=HubRules(()), related_limit=1)
    findings: list[Finding] = []
    findings += duplicate_findings(items, graph, severity, lines)
    findings += tag_findings(items, settings, severity, lines, new_tag_notes)
    findings += reference_findings(items, normalized, graph, severity, lines)
    if stale_days is not None:
        findings += stale_findings(items, stale_days, today or _dt.date.today(), lines)
    return findings


# --------------------------------------------------------------------------- kb check

def _shown(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _with(corpus: Corpus, extra: Sequence[Finding]) -> Corpus:
    return Corpus(corpus.entries, corpus.findings + tuple(extra), corpus.skipped, corpus.files_seen)


def check(paths: Sequence[str | Path], content: str | Path | None = None, *,
          stale_days: int | None = DEFAULT_STALE_DAYS, today: _dt.date | None = None,
          tag_settings: tags.TagSettings | None = None, display_base: Path | None = None) -> Corpus:
    """`kb check`: each file on its own (check.check_paths), then the corpus checks.

    The corpus checks run when a directory is among `paths` or when `content` names
    the knowledge base the files belong to; otherwise only `template-text` is added.
    """
    paths = [Path(p) for p in paths]
    base = display_base or Path.cwd()
    corpus = check_paths(paths, display_base=base)
    files = collect_files(paths)
    root = paths[0] if len(paths) == 1 and paths[0].is_dir() else base
    file_of = {_rel(f, root): f for f in files}
    checked: list[_Item] = []
    for entry in corpus.entries:
        file = file_of.get(entry.source_path)
        checked.append(_Item(entry, file, _shown(file, base) if file else entry.source_path, True))
    lines = _Lines()
    extra: list[Finding] = template_findings(checked, lines)
    sweeping = any(p.is_dir() for p in paths)
    if content is None and not sweeping:
        return _with(corpus, extra)

    items = list(checked)
    if content is not None:
        content_dir = Path(content)
        if not content_dir.is_dir():
            extra.append(Finding(Severity.ERROR, "not-found", "the --content directory does not exist",
                                 content_dir.as_posix()))
            return _with(corpus, extra)
        mine = {i.file.resolve(): n for n, i in enumerate(items) if i.file is not None}
        # checked files inside the corpus get their path relative to it, as the site sees them
        for path, n in mine.items():
            try:
                rel = path.relative_to(content_dir.resolve()).as_posix()
            except ValueError:
                continue
            items[n] = replace(items[n], entry=replace(items[n].entry, source_path=rel))
        ids = {i.entry.id.casefold(): i for i in items}
        context = read_corpus(content_dir)
        for entry in context.entries:
            file = content_dir / entry.source_path
            if file.resolve() in mine:
                continue  # the checked version of this file replaces the corpus one
            owner = ids.get(entry.id.casefold())
            if owner is not None:
                extra.append(Finding(
                    Severity.ERROR, "duplicate-id",
                    f"id '{owner.entry.id}' is already used by '{_shown(file, base)}' in {content_dir.as_posix()}; "
                    "every entry needs its own id (`kb new` picks a free one)",
                    owner.shown, lines.find(owner.file, "id", key=True)))
                continue
            items.append(_Item(entry, file, _shown(file, base), False))
    severity = Severity.INFO if sweeping else Severity.WARNING
    extra += lint_items(items, severity=severity, stale_days=stale_days, today=today,
                        tag_settings=tag_settings, new_tag_notes=not sweeping)
    order = {i.shown: n for n, i in enumerate(checked)}
    tail = sorted(extra, key=lambda f: (order.get(f.path, len(order)), f.path, f.line or 0))
    return _with(corpus, tail)
