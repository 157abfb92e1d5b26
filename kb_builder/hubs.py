"""Symptom hubs: troubleshooting guides made by rules (kb_builder/data/hubs.yml, or a site's own).

A rule matches an entry by canonical tags, keywords (whole Latin words, Chinese
anywhere in the folded title, question and tag labels) or regular expressions;
a hub's groups sort its members by sub-symptom.  `placements` is a pure function
of one entry's `HubDoc` and the rules, so a rebuild matches only changed entries.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .analyze import fold
from .model import Texts

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
    """Matching rule: any canonical tag, any keyword (in title/question/tags) or any pattern."""

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


@dataclass(frozen=True)
class HubRules:
    hubs: tuple[HubRule, ...]
    other_title: Texts = Texts({"zh": "其他", "en": "Other"})

    def __hash__(self) -> int:  # asked for every entry's placements: computed once
        found = self.__dict__.get("_hash")
        if found is None:
            found = self.__dict__["_hash"] = hash((self.hubs, self.other_title))
        return found


class HubRulesError(ValueError):
    pass


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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
    return hub_rules_from_text(path.read_text(encoding="utf-8"), str(path))


def hub_rules_from_text(text: str, where: str = "hubs") -> HubRules:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise HubRulesError(f"{where}: invalid YAML: {exc}") from None
    return parse_hub_rules(data, where)


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
            description=_texts(hub.get("description", ""), f"{at}.description") if hub.get("description") else Texts(),
            rule=_rule(hub.get("match", {}), f"{at}.match"),
            groups=tuple(groups),
            other_title=_texts(hub["other"], f"{at}.other") if hub.get("other") else other,
        ))
    return HubRules(tuple(hubs), other)


@dataclass(frozen=True)
class HubDoc:
    """What hub rules read of one entry."""

    text: str  # folded title + question + tag labels
    tags: frozenset[str]
    term_set: frozenset[str]


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


def assign_hubs(placements: Iterable[tuple[str, tuple[tuple[int, str], ...]]], rules: HubRules) -> tuple[Hub, ...]:
    """Hubs from every entry's placements ((entry id, `placements(doc, rules)`), in corpus order)."""
    members_of: list[dict[str, list[str]]] = [defaultdict(list) for _ in rules.hubs]
    for entry_id, found in placements:
        for k, group_slug in found:
            members_of[k][group_slug].append(entry_id)
    hubs = []
    for hub_rule, members in zip(rules.hubs, members_of):
        groups = [HubGroup(g.slug, g.title, tuple(members[g.slug])) for g in hub_rule.groups if members.get(g.slug)]
        if members.get("other"):
            groups.append(HubGroup("other", hub_rule.other_title, tuple(members["other"])))
        hubs.append(Hub(hub_rule.slug, hub_rule.title, hub_rule.description, tuple(groups)))
    return tuple(hubs)
