"""`kb search`'s output: ranked hits as text (matches in colour on a terminal) or JSON.

Every piece of entry text goes through `terminal.clean` before kb adds its own
colour codes, so an entry cannot colour, move or hide anything itself.  Matches
are taken from the hit's HTML snippet, where they are the only ``<mark>``
elements (the entry's own text is escaped there).
"""
from __future__ import annotations

import html
import json
import os
import re
from typing import Mapping, Sequence, TextIO

from .search import Hit
from .terminal import clean, clean_json

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]*>")
BOLD, DIM, MATCH, RESET = "\x1b[1m", "\x1b[2m", "\x1b[1;33m", "\x1b[0m"


def use_colour(choice: str, stream: TextIO) -> bool:
    """Colour on a terminal (`auto`) unless NO_COLOR is set or TERM is dumb; `always`, `never`."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub("", fragment)))


def passage(snippet: str, colour: bool) -> str:
    """The snippet as one cleaned line: matches in colour, or between ** without it."""
    parts, last = [], 0
    for m in _MARK.finditer(snippet):
        parts.append(clean(_text(snippet[last:m.start()])))
        word = clean(_text(m.group(1)))
        parts.append(f"{MATCH}{word}{RESET}" if colour else f"**{word}**")
        last = m.end()
    parts.append(clean(_text(snippet[last:])))
    return "".join(parts).strip()


def format_hits(hits: Sequence[Hit], query: str | None = None, sources: Mapping[str, str] | None = None,
                colour: bool = False) -> str:
    """Ranked hits as text: title and score, URL and source file, the passage that matched."""
    if not hits:
        return f"no results for {clean(repr(query))}" if query is not None else "no results"
    sources = sources or {}
    bold, dim, reset = (BOLD, DIM, RESET) if colour else ("", "", "")
    lines = []
    for n, hit in enumerate(hits, 1):
        lines.append(f"{n:>2}. {bold}{clean(hit.title)}{reset}  ({hit.score:.2f})")
        where = clean(hit.url)
        if hit.id in sources:
            where += f"  {dim}{clean(sources[hit.id])}{reset}"
        lines.append(f"    {where}")
        text = passage(hit.snippet, colour)
        if text:
            lines.append(f"    {text}")
    return "\n".join(lines)


def hits_json(hits: Sequence[Hit], sources: Mapping[str, str] | None = None) -> str:
    sources = sources or {}
    rows = [{**h.as_dict(), "source": sources.get(h.id)} for h in hits]
    return clean_json(json.dumps(rows, ensure_ascii=False, indent=2))
