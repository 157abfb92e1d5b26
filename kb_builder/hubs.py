"""Symptom hubs: troubleshooting guides made by rules (kb_builder/data/hubs.yml, or a site's own).

A rule reads what carries an entry's meaning: its title, its question (without
fenced code, stack frames and URLs), its tags and keywords.  It matches by
canonical tags, keywords (Latin words whole, never a part of a dotted or slashed
name such as com.example.api; Chinese anywhere) or regular expressions; a hub's
groups sort its members by sub-symptom.  `placements` is a pure function of one
entry's `HubDoc` and the rules, so a rebuild matches only changed entries;
`assign_hubs` orders each group by standing (how many other entries cite or
repeat an entry, then recency) and keeps one entry per duplicate group.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .analyze import fold
from .model import Texts, hash_once

DEFAULT_HUBS = Path(__file__).parent / "data" / "hubs.yml"


# --------------------------------------------------------------------------- hubs

@dataclass(frozen=True)
class HubGroup:
    slug: str
    title: Texts
    entry_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hub:
    slug: str
    title: Texts
    description: Texts
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
    """Matching rule: any canonical tag, any keyword or any pattern (over `HubDoc.text`)."""

    tags: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern, ...] = ()
    exclude: tuple[re.Pattern, ...] = ()
    keyword_pattern: re.Pattern | None = None  # all keywords as one regex over the folded text

    def matches(self, doc: "HubDoc") -> bool:
        if any(p.search(doc.text) for p in self.exclude):
            return False
        if self.tags & doc.tags:
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
    title: Texts
    rule: Rule


@dataclass(frozen=True)
class HubRule:
    slug: str
    title: Texts
    description: Texts
    rule: Rule
    groups: tuple[GroupRule, ...]
    other_title: Texts
    formerly: tuple[str, ...] = ()  # the slugs its address had: they lead to its page


@hash_once  # asked for every entry's placements
@dataclass(frozen=True)
class HubRules:
    hubs: tuple[HubRule, ...]
    other_title: Texts = Texts({"zh": "其他", "en": "Other"})
    removed: tuple[str, ...] = ()  # slugs of hubs that are no more: they lead to the guides' index

    @property
    def former(self) -> tuple[tuple[str, str | None], ...]:
        """Every former slug and the hub it leads to now (None: the guides' index)."""
        return tuple((old, hub.slug) for hub in self.hubs for old in hub.formerly) + \
            tuple((old, None) for old in self.removed)


class HubRulesError(ValueError):
    """Bad hub rules; `path` (keys and indexes into the YAML) says where, when known."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()):
        super().__init__(message)
        self.path = path


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The guides' index is troubleshooting/index: no hub's address, live or former, may take it.
RESERVED_SLUGS = frozenset({"index"})


def _texts(value, where: str) -> Texts:
    if isinstance(value, str):
        return Texts({"zh": value, "en": value})
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) for v in value.values()):
        raise HubRulesError(f"{where}: expected a text or a mapping of language to text")
    return Texts({str(k): v for k, v in value.items()})


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
            # ASCII: \b is the edge of a Latin word, so `\bauth\b` matches in "开启auth功能" too.
            out.append(re.compile(pattern, re.I | re.A))
        except re.error as exc:
            raise HubRulesError(f"{where}: invalid regular expression {pattern!r}: {exc}") from None
    return tuple(out)


# A Latin keyword is a whole word: not glued to letters or digits (a version may follow:
# centos7, mysql8.0), and not one part of a dotted, slashed or `$` name (com.example.api,
# /v1/api/x, Outer$api): code names and paths say what code is called, not what the
# question is about.
_WORD_BEFORE = r"(?<![a-z0-9_])(?<![a-z0-9_][./$])"
_WORD_AFTER = r"(?![a-z_]|[./$][a-z_])"


def _keyword_regex(keywords: Sequence[str]) -> re.Pattern | None:
    """Latin keywords as whole words, Chinese ones as substrings.

    The Latin ones share one pair of word-boundary checks around their alternation (the
    same matches as a pair per keyword, about five times faster to search: every hub
    rule is searched in every entry before the graph is done)."""
    ordered = sorted(set(keywords), key=lambda k: (-len(k), k))  # the same pattern in every process
    latin = [re.escape(k) for k in ordered if k.isascii()]
    parts = [rf"{_WORD_BEFORE}(?:{'|'.join(latin)}){_WORD_AFTER}"] if latin else []
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
    return hub_rules_from_text(path.read_text(encoding="utf-8"), str(path))


def hub_rules_from_text(text: str, where: str = "hubs") -> HubRules:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise HubRulesError(f"{where}: invalid YAML: {exc}") from None
    try:
        return parse_hub_rules(data, where)
    except HubRulesError as exc:
        line = _line_of(yaml.compose(text, Loader=loader), exc.path) if exc.path else None
        if line is None:
            raise
        detail = str(exc).removeprefix(f"{where}.")
        raise HubRulesError(f"{where}:{line}: {detail}", exc.path) from None


def _line_of(node, path: tuple[str | int, ...]) -> int | None:
    """The line (from 1) of the YAML node at `path` (mapping keys and sequence indexes)."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return None
        if node is None:
            return None
    return node.start_mark.line + 1


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
        if not _SLUG.match(slug) or slug in slugs or slug in RESERVED_SLUGS:
            raise HubRulesError(f"{at}: 'slug' must be unique lowercase ascii words joined by '-' (not 'index')",
                                ("hubs", i, "slug"))
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
            description=_texts(hub.get("description", ""), f"{at}.description") if hub.get("description") else Texts(),
            rule=_rule(hub.get("match", {}), f"{at}.match"),
            groups=tuple(groups),
            other_title=_texts(hub["other"], f"{at}.other") if hub.get("other") else other,
            formerly=_former_slugs(hub.get("formerly"), ("hubs", i, "formerly"), where),
        ))
    removed = _former_slugs(data.get("removed"), ("removed",), where)
    _check_former(hubs, removed, where)
    return HubRules(tuple(hubs), other, removed)


def _former_slugs(value, path: tuple[str | int, ...], where: str) -> tuple[str, ...]:
    """A `formerly:` or `removed:` list: slugs that were hubs' addresses.  They become paths
    of redirect pages, so they are held to the rules of a live hub's slug."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise HubRulesError(f"{where}.{_dotted(path)}: expected a list of slugs", path)
    for k, slug in enumerate(value):
        if not isinstance(slug, str) or not _SLUG.match(slug) or slug in RESERVED_SLUGS:
            raise HubRulesError(f"{where}.{_dotted(path + (k,))}: {slug!r} is not a slug: lowercase ascii words "
                                "joined by '-' (not 'index')", path + (k,))
    return tuple(value)


def _check_former(hubs: Sequence[HubRule], removed: tuple[str, ...], where: str) -> None:
    """A former address leads to one place, and is no live hub's: that hub's page is there."""
    live = {hub.slug: i for i, hub in enumerate(hubs)}
    seen: dict[str, str] = {}
    places = [(slug, ("hubs", i, "formerly", k)) for i, hub in enumerate(hubs) for k, slug in enumerate(hub.formerly)]
    places += [(slug, ("removed", k)) for k, slug in enumerate(removed)]
    for slug, path in places:
        if slug in live:
            raise HubRulesError(f"{where}.{_dotted(path)}: {slug!r} is the slug of a live hub (hubs[{live[slug]}]): "
                                "its page is at that address", path)
        if slug in seen:
            raise HubRulesError(f"{where}.{_dotted(path)}: {slug!r} is already listed at {seen[slug]}: "
                                "a former address leads to one place", path)
        seen[slug] = _dotted(path)


def _dotted(path: tuple[str | int, ...]) -> str:
    """('hubs', 2, 'formerly', 0) -> 'hubs[2].formerly[0]'."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


# --------------------------------------------------------------------------- what rules read

TEXT_CHARS = 2000  # of a title or question cleaned (`meaning_text`): a bound on the work
QUESTION_CHARS = 400  # of the cleaned question rules read: its opening states it, then come details
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_STACK_FRAME = re.compile(r"^\s*(?:at\s+[\w$.<>]+\(|\.\.\.\s*\d+\s+more\b)")
_URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]{1,15}://|https?: ?(?=[\w.-]+[.:]\w)|www\.)[^\s<>()\[\]{}\"'`，。；、）]*",
                  re.I)  # also "http: host.name" and "https: host:port", as pages copied as text write them
_JSON_OBJECT = re.compile(r'\{\s*"[^{}\n]*\}')  # {"key": ...}, innermost first: a printed response


def meaning_text(text: str) -> str:
    """Text as rules read it: without fenced code, stack frames or JSON objects (what a
    program printed, not what the question asks) and without URLs (`https` in an address
    is no symptom)."""
    kept, fence = [], ""
    for line in text[:TEXT_CHARS].splitlines():
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
        elif not _STACK_FRAME.match(line):
            kept.append(_URL.sub(" ", line))
    text = "\n".join(kept)
    for _ in range(3):  # objects nested three deep; deeper ones keep their outer braces' text
        text = _JSON_OBJECT.sub(" ", text)
    return text


@dataclass(frozen=True)
class HubDoc:
    """What hub rules read of one entry."""

    text: str  # folded: the title, then the question (`meaning_text`), each on its own line(s)
    tags: frozenset[str]  # folded tag slugs and labels, and keywords: rules' `tags` match them exactly


def hub_doc(title: str, question: str, tags: Iterable[tuple[str, str]], keywords: Iterable[str]) -> HubDoc:
    """`tags`: (slug, label) pairs.  Words and patterns read only the title and the opening
    of the question:
    tags and keywords made from an answer (or by a tool) name what the answer mentions,
    so they match only when a rule names them exactly.  The title and question are
    separate lines, so a pattern's window (`.` matches no line break) stays in one."""
    lines = (meaning_text(title), meaning_text(question)[:QUESTION_CHARS])
    keys = frozenset(fold(s).strip() for pair in tags for s in pair) | frozenset(fold(k).strip() for k in keywords)
    return HubDoc(fold("\n".join(line for line in lines if line.strip())), keys - {""})


def placements(doc: HubDoc, rules: HubRules) -> tuple[tuple[int, str], ...]:
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


# --------------------------------------------------------------------------- order

@dataclass(frozen=True)
class Standing:
    """What orders an entry in a hub: `weight`, how many other entries cite it or ask
    the same question (counted over its duplicate group), then `changed` (its date)."""

    weight: int
    changed: str
    duplicates: tuple[str, ...] = ()  # its duplicate group (itself included), or ()


def standings(entries: Sequence[tuple[str, str, tuple[str, ...]]],
              duplicate_groups: Sequence[tuple[str, ...]]) -> tuple[tuple[str, Standing], ...]:
    """Every entry's standing.  `entries`: (id, date changed, ids of the entries citing it)."""
    cited_by = {entry_id: citing for entry_id, _, citing in entries}
    group_of = {entry_id: group for group in duplicate_groups for entry_id in group}
    out = []
    for entry_id, changed, _ in entries:
        group = group_of.get(entry_id, ())
        members = group or (entry_id,)
        citing = {c for member in members for c in cited_by.get(member, ())} - set(members)
        out.append((entry_id, Standing(len(citing) + len(members) - 1, changed, group)))
    return tuple(out)


def assign_hubs(placements: Iterable[tuple[str, tuple[tuple[int, str], ...]]], rules: HubRules,
                standings: Iterable[tuple[str, Standing]] = ()) -> tuple[Hub, ...]:
    """Hubs from every entry's placements ((entry id, `placements(doc, rules)`), in corpus order).

    Each group lists its entries by standing (weight, then the newest; corpus order
    breaks ties); of a duplicate group only its best-standing member placed in the hub
    is listed, in its own group: a question asked three times is shown once."""
    standing = dict(standings)
    nobody = Standing(0, "")
    members_of: list[list[tuple[str, str]]] = [[] for _ in rules.hubs]
    for entry_id, found in placements:
        for k, group_slug in found:
            members_of[k].append((entry_id, group_slug))
    hubs = []
    for hub_rule, members in zip(rules.hubs, members_of):
        # sorted() is stable with reverse=True too: equal standings keep the corpus order.
        ranked = sorted(members, key=lambda m: (standing.get(m[0], nobody).weight,
                                                standing.get(m[0], nobody).changed), reverse=True)
        by_group: dict[str, list[str]] = defaultdict(list)
        shown: set[str] = set()
        for entry_id, group_slug in ranked:
            duplicates = standing.get(entry_id, nobody).duplicates
            if shown.isdisjoint(duplicates or (entry_id,)):
                shown.add(entry_id)
                by_group[group_slug].append(entry_id)
        groups = [HubGroup(g.slug, g.title, tuple(by_group[g.slug])) for g in hub_rule.groups if by_group.get(g.slug)]
        if by_group.get("other"):
            groups.append(HubGroup("other", hub_rule.other_title, tuple(by_group["other"])))
        hubs.append(Hub(hub_rule.slug, hub_rule.title, hub_rule.description, tuple(groups)))
    return tuple(hubs)
