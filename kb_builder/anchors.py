"""Heading anchors that keep the heading's words, Chinese included.

Python-Markdown's own `toc` slugify drops every character outside ASCII, so the
Chinese headings of an entry page all became `#_1`, `#_2`.  `slugify` keeps every
letter and digit (any script), lowercased, words joined by the separator.  Heading
text is untrusted: the slug holds only word characters and the separator, never
starts with `_` (Material's own element ids start with `__`), and is capped in
length; the `toc` extension makes equal slugs on one page unique (`_1`, `_2`).
"""
from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 64
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script


def slugify(value: str, separator: str = "-") -> str:
    """The anchor of a heading whose text is `value` ("" when it has no letter or digit)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", value).casefold())
    return separator.join(words)[:MAX_CHARS].rstrip(separator)
