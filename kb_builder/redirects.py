"""The records of redirect pages: what stands at the address of a page that is no more.

A clean build cannot know which pages an earlier one wrote, so an address a site once
had keeps answering: a tag without a page (records.tag_uri) leads to the page listing
its entries or to a search for it; a hub's former slug (a rule's `formerly:` or the
rules' `removed:`, hubs.py) leads to the hub it is now, or to the guides' index.
pages.py renders them all with one template (`kb/redirect.html`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import labels_for
from .records import HUB_INDEX, Site, hub_uri, search_link, tag_uri, texts_in
from .site_paths import url_link


@dataclass(frozen=True)
class RedirectPage:
    """`lead` (a label of the site's language) then a link to `target`, a URL relative to
    the page, shown `label`."""

    uri: str
    lang: str
    label: str
    target: str
    lead: str = "moved_to"


def tag_redirect(site: Site, slug: str) -> RedirectPage:
    """The page at the address a tag's page had: to the page listing its entries now, or a search."""
    uri, page = tag_uri(slug), site.tags.page_of(slug)
    if page is None:
        return RedirectPage(uri, site.lang, site.tag_label[slug],
                            search_link(uri, site.tag_label[slug], site.directory_urls), "tag_search")
    return RedirectPage(uri, site.lang, site.tag_label[page], url_link(uri, tag_uri(page), site.directory_urls))


def hub_redirect(site: Site, slug: str, now: str | None) -> RedirectPage:
    """The page at a hub's former address: to the hub it is now, or to the guides' index when
    the hub is gone (or has no entries on this site, so no page)."""
    uri, hub = hub_uri(slug), next((h for h in site.hubs if h.slug == now), None)
    if hub is None:
        return RedirectPage(uri, site.lang, labels_for(site.lang)["troubleshooting"],
                            url_link(uri, HUB_INDEX, site.directory_urls), "guides_moved_to")
    return RedirectPage(uri, site.lang, texts_in(hub.title, site.lang) or hub.slug,
                        url_link(uri, hub_uri(hub.slug), site.directory_urls), "guide_moved_to")
