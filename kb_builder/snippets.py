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


def _patterns(words: Sequence[str]) -> list[tuple[str, re.Pattern[str]]]:
    """Each word to look for (longest first) and its pattern in folded text."""
    out = []
    for word in sorted({w for w in words if w and not w.startswith("#")}, key=len, reverse=True):
        latin = not analyze.has_cjk(word)
        if latin and len(word) < 2:
            continue
        out.append((word, re.compile((r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])") if latin
                                     else re.escape(word))))
    return out


def _spans(text: str, words: Sequence[str], folded: str | None = None,
           patterns: list[tuple[str, re.Pattern[str]]] | None = None) -> list[tuple[int, int, str]]:
    """Where `words` occur in `text` (longest words first, no overlaps), in text order.
    The search worker's `markSpans` is this function in JavaScript.  `patterns`:
    `_patterns(words)`, when the caller looks in many texts."""
    if folded is not None and len(folded) == len(text):
        where: Sequence[int] = range(len(text))
    else:
        folded, where = _folded_with_map(text)
    spans: list[tuple[int, int, str]] = []
    for word, pattern in patterns if patterns is not None else _patterns(words):
        if word not in folded:  # no match without it: most texts hold few of the words
            continue
        for m in pattern.finditer(folded):
            s, e = where[m.start()], where[m.end() - 1] + 1
            if not any(s < e2 and s2 < e for s2, e2, _ in spans):
                spans.append((s, e, word))
    spans.sort()
    return spans


# --------------------------------------------------------------------------- passages

PASSAGE_CHARS = 120  # a step, a command or a config line fits; longer lines are cut at sentences
SHIPPED_PASSAGES = 3  # per document in the browser index: within 2x the index size without them at 20k entries
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])\s*")
_CODE_LIKE = re.compile(r"[A-Za-z0-9-]*(?:[a-z][A-Z]|[A-Za-z0-9][._=/:][A-Za-z0-9$])[A-Za-z0-9_.=/:${}-]*")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")
_CJK_PAIR = re.compile(r"(?=([\u3400-\u9fff]{2}))")


def passages(answer_markdown: str) -> tuple[str, ...]:
    """An answer cut where a reader's eye stops: its lines (list items, steps, code lines),
    long lines at sentence ends, each as plain text of at most PASSAGE_CHARS characters."""
    out: list[str] = []
    for line in (answer_markdown or "").splitlines():
        text = analyze.plain_text(line)
        if not text or not any(ch.isalnum() for ch in text):
            continue
        if len(text) <= PASSAGE_CHARS:
            out.append(text)
            continue
        piece = ""
        for sentence in _SENTENCE_END.split(text):
            if piece and len(piece) + len(sentence) > PASSAGE_CHARS:
                out.append(piece)
                piece = ""
            piece += sentence
            while len(piece) > PASSAGE_CHARS:
                cut = _cut_at(piece, PASSAGE_CHARS - 1)
                out.append(piece[:cut].rstrip() + "…")
                piece = piece[cut:].lstrip()
        if piece.strip():
            out.append(piece.strip())
    return tuple(out)


def _cut_at(text: str, limit: int) -> int:
    """Where to cut `text` at most `limit` characters in: after the last space or comma
    in its last third, so a config key or a word is not split."""
    for i in range(limit, limit * 2 // 3, -1):
        if text[i - 1] in " ，、,：:":
            return i
    return limit


def salient_passages(texts: Sequence[str], known: str, limit: int = SHIPPED_PASSAGES) -> tuple[str, ...]:
    """The `limit` passages (in answer order) that say most beyond `known` (the title, the
    question, the opening lines): commands and config keys first, then other new words."""
    seen = set(_CJK_PAIR.findall(known)) | {w.lower() for w in _LATIN_WORD.findall(known)}
    scored = []
    for i, text in enumerate(texts):
        if text in known:
            continue
        code = {m.lower() for m in _CODE_LIKE.findall(text)}
        words = {w.lower() for w in _LATIN_WORD.findall(text)} - seen
        pairs = set(_CJK_PAIR.findall(text)) - seen
        score = 3 * len(code) + len(words) + 0.1 * len(pairs)
        if score > 0:  # dense, short passages first: a result shows about one line of it
            scored.append((-score / max(1.0, len(text) / 40), i))
    chosen = sorted(i for _, i in sorted(scored)[:limit])
    return tuple(texts[i] for i in chosen)


def best_passage(texts: Sequence[str], words: Sequence[str]) -> int:
    """The index of the text holding the most distinct query words (the first on a tie;
    -1 when none holds any).  The search worker's `bestPassage` is this in JavaScript."""
    best, best_count = -1, 0
    patterns = _patterns(words)
    for i, text in enumerate(texts):
        count = len({w for _, _, w in _spans(text, words, patterns=patterns)})
        if count > best_count:
            best, best_count = i, count
    return best


def make_snippet(text: str, words: Sequence[str], width: int = SNIPPET_CHARS,
                 folded: str | None = None) -> tuple[str, str]:
    """(HTML snippet with <mark>, plain snippet with **) around the densest matches.

    `folded`: `analyze.fold(text)` when known to align with `text` character for character.
    """
    text = text or ""
    spans = _spans(text, words, folded)
    start = 0
    if spans and len(text) > width:  # a text that fits is shown whole
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
