"""Snippets: the passage of a text around the densest matches of a query, with matches marked."""
from __future__ import annotations

import html
import re
import unicodedata
from typing import Sequence

from . import analyze

SNIPPET_CHARS = 180


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """`analyze.fold(text)` and, for each folded character, its index in `text`."""
    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text) and len(nfkc.lower()) == len(text):
        # Simplified before lower-casing, as `analyze.fold` (the same result: no t2s
        # entry holds a cased letter), so the runs segmentation converted are reused.
        simple = analyze.to_simplified(nfkc).lower()
        if len(simple) == len(text):
            return simple, list(range(len(text)))
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = unicodedata.normalize("NFKC", ch).lower()
        chars.extend(f)
        where.extend([i] * len(f))
    folded = "".join(chars)
    simple = analyze.to_simplified(folded)
    if len(simple) == len(folded):
        folded = simple
    return folded, where


def fold_aligned(text: str) -> str:
    """The folded text when it aligns character for character with `text`, else ''."""
    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text) and len(nfkc.lower()) == len(text):  # as `_folded_with_map`'s quick path
        simple = analyze.to_simplified(nfkc).lower()
        if len(simple) == len(text):
            return simple
    folded, where = _folded_with_map(text)
    return folded if len(folded) == len(text) and where == list(range(len(text))) else ""


def make_snippet(text: str, words: Sequence[str], width: int = SNIPPET_CHARS,
                 folded: str | None = None) -> tuple[str, str]:
    """(HTML snippet with <mark>, plain snippet with **) around the densest matches.

    `folded`: `analyze.fold(text)` when known to align with `text` character for character.
    """
    text = text or ""
    if folded is not None and len(folded) == len(text):
        where = range(len(text))
    else:
        folded, where = _folded_with_map(text)
    spans: list[tuple[int, int, str]] = []
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        latin = not analyze.has_cjk(word)
        if latin and len(word) < 2:
            continue
        pattern = (r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])") if latin else re.escape(word)
        for m in re.finditer(pattern, folded):
            s, e = where[m.start()], where[m.end() - 1] + 1
            if not any(s < e2 and s2 < e for s2, e2, _ in spans):
                spans.append((s, e, word))
    spans.sort()
    start = 0
    if spans:
        best = (-1, 0)
        for s, _, _ in spans:
            window = {w for s2, e2, w in spans if s <= s2 and e2 <= s + width}
            if len(window) > best[0]:
                best = (len(window), s)
        start = max(0, best[1] - width // 5)
    end = min(len(text), start + width)
    if start > 0:
        # do not cut a Latin word in two
        while start < end and text[start - 1].isascii() and text[start - 1].isalnum() and text[start].isalnum():
            start += 1
    html_parts, plain_parts, pos = [], [], start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        html_parts.append(html.escape(text[pos:s]))
        plain_parts.append(text[pos:s])
        html_parts.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        plain_parts.append("**" + text[s:e] + "**")
        pos = e
    html_parts.append(html.escape(text[pos:end]))
    plain_parts.append(text[pos:end])
    pre = "…" if start > 0 else ""
    post = "…" if end < len(text) else ""
    return pre + "".join(html_parts) + post, pre + "".join(plain_parts) + post
