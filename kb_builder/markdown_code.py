"""Which lines and spans of a page's markdown are code, as Python-Markdown reads them
(with pymdownx.superfences, whose preprocessor reads fenced blocks first).

Code is shown as text, so markdown_guard leaves it as it is; where the reading is not
sure, text is taken as text (the guard's rules then change only what looks like markup
the theme acts on, never what is plainly text).
"""
from __future__ import annotations

import re

PROSE, CODE, FENCE = 0, 1, 2
FENCE_OPEN = re.compile(r"([ \t>]*)(`{3,}|~{3,})(.*)")
UNDERLINE_LINE = re.compile(r"[ ]{0,3}(?:=+|-+)[ \t]*")
_FENCE_LIKE = re.compile(r"^[ \t>]*(?:```|~~~)", re.M)
# The opening lines superfences always takes (a language, attributes); with options or
# other words its acceptance depends on the configuration.
_PLAIN_INFO = re.compile(r"[ \t]*(?:\.?[\w#.+-]+(?=[ \t]|$)[ \t]*)?(?:\{.*\}[ \t]*)?")
_CONTAINER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)|[>:<|]|!!!|\?\?\?|===|\[\^")


def line_kinds(lines: list[str], body: str) -> list[int]:
    """Each line's kind: prose, code, or the opening line of a fenced block.

    Fenced blocks follow pymdownx.superfences line by line (its preprocessor runs
    first): a closing line is the opening's indentation and fence alone.  From a fence
    opening whose acceptance depends on the configuration (options, other words,
    blockquotes) or on the line above (code), or one never closed, or abandoned by a
    content line indented less, on, every line is taken as text."""
    kinds = [PROSE] * len(lines)
    if lines[0].startswith("    ") or (lines[0] and not lines[0].strip()):
        return kinds  # a page that starts with code (or blanks): what follows is not sure
    fence_like, number, at = [], 0, 0  # the numbers of the lines that look like fences
    for match in _FENCE_LIKE.finditer(body):
        number += body.count("\n", at, match.start())
        at = match.start()
        fence_like.append(number)
    at, i = 0, 0
    while at < len(fence_like):
        i = fence_like[at]
        at += 1
        match = FENCE_OPEN.fullmatch(lines[i])
        if not match:
            continue
        indent, fence, info = match.groups()
        if ">" in indent or not _PLAIN_INFO.fullmatch(info) or _unsure_above(lines, kinds, i, len(indent)):
            return _indented_code(lines, kinds, i)
        j = i + 1
        while j < len(lines):
            line = lines[j]
            if line.strip():
                if line[:len(indent)] != indent:  # abandoned (or quoted, tabbed): what follows is not sure
                    return _indented_code(lines, kinds, i)
                content = line[len(indent):]
                if content.startswith(fence) and not content[len(fence):].strip(" \t"):
                    kinds[i:j + 1] = [FENCE] + [CODE] * (j - i)
                    break
            j += 1
        else:
            return _indented_code(lines, kinds, i)  # never closed: text to the end
        while at < len(fence_like) and fence_like[at] <= j:
            at += 1
    return _indented_code(lines, kinds, len(lines))


def _unsure_above(lines: list[str], kinds: list[int], at: int, indent: int) -> bool:
    """Whether the text right above a fence (up to a blank line or code) holds what
    makes Python-Markdown read the fence otherwise: a line that may be indented code,
    a heading's underline, a definition (or more than 200 lines: not looked at)."""
    i, stop = at - 1, max(-1, at - 201)
    while i > stop:
        line = lines[i]
        if not line.strip() or kinds[i] != PROSE:
            return False
        if len(line) - len(line.lstrip(" ")) >= indent + 4 or UNDERLINE_LINE.fullmatch(line) or line[:1] == ":":
            return True
        i -= 1
    return i >= 0


def _indented_code(lines: list[str], kinds: list[int], limit: int) -> list[int]:
    """Mark the indented code blocks before line `limit`: after a blank line, indented by
    four spaces or more, outside any list, quote, admonition, definition, table or raw
    HTML (whose indented lines are their content, not code)."""
    blank_before, container, in_code = True, False, False
    if not any(line.startswith("    ") for line in lines[:limit]):
        return kinds
    for i, line in enumerate(lines[:limit]):
        if kinds[i] != PROSE:
            blank_before = in_code = False
            continue
        if not line.strip(" \t"):
            blank_before = True
            continue
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if indent >= 4 and not stripped.startswith("\t") and not container and (in_code or blank_before):
            kinds[i], in_code = CODE, True
        else:
            in_code = False
            if _CONTAINER.match(stripped):
                container = True
            elif indent == 0 and blank_before:
                container = False
        blank_before = False
    return kinds



# Inline code as Python-Markdown finds it (a run of backticks up to the same run), bounded.
_CODE_SPAN = re.compile(r"(?<![\\`])(`{1,10})(?!`)(.{1,2000}?)(?<!`)\1(?!`)", re.S)
_BACKTICKS = re.compile(r"`+")
BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")


def mask_code(text: str) -> str:
    """`text` with inline code blanked out (quotes kept: they still end attribute values).

    Python-Markdown finds inline code in each block's text, and no block holds a blank
    line.  A stretch between blank lines is trusted only when every backtick run in it
    is part of code that does not run over a line: then any block of it pairs its
    backticks alike.  Otherwise (a lone backtick, an escaped one) nothing in it is
    taken as code."""
    pieces, at = [], 0
    bounds = [m.start() for m in BLANK_LINE.finditer(text)] + [len(text)]
    for end in bounds:
        chunk = text[at:end]
        spans = [] if "`" not in chunk or "\\`" in chunk else _code_spans(chunk)
        last = 0
        for start, stop in spans:
            pieces += [chunk[last:start], re.sub(r"[^\"']", "\0", chunk[start:stop])]
            last = stop
        pieces.append(chunk[last:])
        at = end
    return "".join(pieces)


def _code_spans(chunk: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CODE_SPAN.finditer(chunk):
        if "\n" in match.group(2):
            return []
        spans.append(match.span())
    covered = iter(spans)
    span = next(covered, None)
    for run in _BACKTICKS.finditer(chunk):
        while span and span[1] <= run.start():
            span = next(covered, None)
        if not span or run.start() < span[0]:
            return []  # a run outside code: the pairing could differ
    return spans


