"""The home page's record: what the site is, its search box, and which questions it leads with.

A home page leads with the latest questions when the entries' dates tell them
apart.  When more entries share the newest date than the home page shows (a
corpus imported on one day, or entries without dates), any "latest" list would
be an arbitrary pick among them: the home page leads instead with the questions
asked most often (the biggest groups of near-identical questions, "also asked
as") and those other entries cite most (backlinks).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .model import Entry, NormalizedEntry
from .records import (CATEGORY_INDEX, ERROR_PAGE, HOME, TAG_INDEX, Chip, EntryList, HubSummary, Link, Site,
                      changed, hub_summary, md_link, newest_first)

LATEST_ON_HOME = 10
LEADING_ON_HOME = 10  # most asked, most referenced: each list
TOP_TAGS_ON_HOME = 30


@dataclass(frozen=True)
class HomePage:
    uri: str
    lang: str
    title: str  # the site's name ("": the label `home_title`)
    entries: int
    categories: int  # 0 when categories do not sort the entries (one category, or none)
    tags: int
    errors: int
    hubs: tuple[HubSummary, ...]
    browse: tuple[Chip, ...]
    extra_links: tuple[Link, ...]
    latest: EntryList  # empty when the dates do not tell the newest entries apart
    most_asked: EntryList
    most_referenced: EntryList
    top_tags: tuple[Chip, ...]


def dates_tell_apart(entries: Iterable[Entry], shown: int) -> bool:
    """Whether the `shown` newest entries are the newest ones, rather than a pick among
    more entries than that sharing the newest date (or having none)."""
    dates = sorted((changed(e) for e in entries), reverse=True)
    return len(dates) <= shown or dates[0] != dates[shown]


def most_asked(site: Site, limit: int) -> list[tuple[NormalizedEntry, int]]:
    """One entry per group of near-identical questions, biggest groups first, with the
    group's size: the entry of the group other entries cite most (else the group's first)."""
    order = {n.entry.id: i for i, n in enumerate(site.entries)}

    def cited(entry_id: str) -> int:
        links = site.links.get(entry_id)
        return len(links.referenced_by) if links else 0

    groups = []
    for group in getattr(site.graph, "duplicate_groups", ()) or ():
        members = [i for i in group if i in site.by_id]
        if len(members) > 1:
            first = max(members, key=lambda i: (cited(i), -order[i]))
            groups.append((-len(members), -sum(cited(i) for i in members), order[first], first, len(members)))
    return [(site.by_id[first], size) for *_, first, size in sorted(groups)[:limit]]


def most_referenced(site: Site, limit: int) -> list[tuple[NormalizedEntry, int]]:
    """The entries most other entries cite, with how many do."""
    cited = [(len(site.links[n.entry.id].referenced_by), i, n) for i, n in enumerate(site.entries)
             if n.entry.id in site.links and site.links[n.entry.id].referenced_by]
    return [(n, count) for count, _, n in sorted(cited, key=lambda c: (-c[0], c[1]))[:limit]]


def home(site: Site) -> HomePage:
    uri = HOME
    browse = [Chip("error_index", md_link(uri, ERROR_PAGE), len(site.error_index)),
              Chip("tag_index", md_link(uri, TAG_INDEX), len(site.tags.members))]
    if site.several_categories:
        browse.append(Chip("categories", md_link(uri, CATEGORY_INDEX), len(site.category_members)))
    top = sorted(site.tags.members, key=lambda s: -len(site.tags.members[s]))[:TOP_TAGS_ON_HOME]
    members = list(site.by_id.values())
    apart = dates_tell_apart((n.entry for n in members), LATEST_ON_HOME)
    none = site.entry_list(uri, ())
    asked = none if apart else site.counted_list(uri, most_asked(site, LEADING_ON_HOME), False, "asked_times")
    cited = none if apart else site.counted_list(uri, most_referenced(site, LEADING_ON_HOME), False,
                                                 "referenced_times")
    # Without duplicates or backlinks there is nothing else to lead with.
    latest = none if asked or cited else site.entry_list(uri, newest_first(members)[:LATEST_ON_HOME], apart)
    return HomePage(uri, site.lang, site.site_name, len(site.by_id),
                    len(site.category_members) if site.several_categories else 0, len(site.tags.members),
                    len(site.error_index), tuple(hub_summary(site, uri, h) for h in site.hubs), tuple(browse),
                    tuple(Link(text, md_link(uri, target)) for text, target in site.extra_home_links),
                    latest, asked, cited, site.tag_chips(uri, top))
