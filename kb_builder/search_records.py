"""Search records: one JSON line per entry, for a site that runs its own search service.

The shape imports as it is into Algolia (``objectID``), Meilisearch and Typesense
(``id``; both only accept letters, digits, ``-`` and ``_`` there, so an entry id
with a dot gets a key of its own, and the entry's id is kept in ``entry_id``).
Text fields are plain text: the answer's markdown without its markup.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable, Iterator, Mapping

from .analyze import has_cjk
from .model import NormalizedEntry, Texts
from .pages import entry_uri, plain
from .records import page_url

FIELDS = ("objectID", "id", "entry_id", "url", "title", "question", "answer", "tags", "hubs", "errors",
          "language", "date", "category")
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_HTML_TAG = re.compile(r"<[^>]{0,500}>")


def record_key(entry_id: str) -> str:
    """The entry id when Meilisearch and Typesense accept it as a document id, else a key made from it."""
    if _KEY.match(entry_id):
        return entry_id
    digest = hashlib.sha1(entry_id.encode("utf-8")).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9_-]", "_", entry_id)[:180] + "-" + digest


def text_of(markdown: str) -> str:
    """Plain text of an entry's markdown: links as their text, no markup, one space between words."""
    return " ".join(plain(_HTML_TAG.sub(" ", markdown or "")).split())


def page_address(site_url: str | None, entry_id: str) -> str:
    """The entry page's address: absolute under `site_url`, else relative to the site's root."""
    path = page_url(entry_uri(entry_id))
    return site_url.rstrip("/") + "/" + path if site_url else path


def record(n: NormalizedEntry, hubs: Iterable[str], errors: Iterable[str], site_url: str | None) -> dict[str, Any]:
    e = n.entry
    question, answer = text_of(e.question or ""), text_of(e.answer or "")
    tags = list(dict.fromkeys(t.label for t in n.tags if t.label.strip()))
    key = record_key(e.id)
    return {
        "objectID": key, "id": key, "entry_id": e.id, "url": page_address(site_url, e.id), "title": e.display_title,
        "question": question, "answer": answer, "tags": tags, "hubs": list(hubs), "errors": list(errors),
        "language": "zh" if has_cjk(f"{e.title} {question}") else "en",
        "date": e.updated or e.date or "", "category": e.category or "",
    }


def records(entries: Iterable[NormalizedEntry], graph: Any, lang: str, site_url: str | None) -> Iterator[dict]:
    """One record per entry: its text, canonical tags, the troubleshooting guides that list
    it (titles in the site's language) and the error signatures found in it."""
    titles: Mapping[str, str] = {hub.slug: _text(hub.title, lang) or hub.slug for hub in graph.hubs}
    for n in entries:
        links = graph.links.get(n.entry.id)
        hub_slugs = links.hubs if links is not None else ()
        errors = links.errors if links is not None else ()
        yield record(n, [titles.get(slug, slug) for slug in hub_slugs], errors, site_url)


def _text(value: Any, lang: str) -> str:
    return value.text(lang) if isinstance(value, Texts) else str(value or "")


def json_lines(rows: Iterable[Mapping[str, Any]]) -> str:
    """JSON Lines: one object per line, UTF-8 text as it is (separators in text escaped)."""
    out = []
    for row in rows:
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        out.append(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return "".join(line + "\n" for line in out)
