"""List nesting read the CommonMark way, written so Python-Markdown reads it the same.

CommonMark nests a line under a list item when the line is indented to the item's
content column, where the text after the marker starts (3 for `1. `, 2 for `- `).
Python-Markdown nests by four spaces per level, so `1. a` followed by `   - b`
gives two items of one list.  `normalize_lists` reads the nesting as CommonMark
does and writes every line inside a list item at four spaces per level, where
both read it alike (so the markdown also renders the same on other engines).
Python-Markdown also reads a list item as more text when the lines since the last
blank line did not start with an item at its level or a shallower one (as after a
paragraph, or after a nested list): such an item gets a blank line before it.

Nothing else changes.  A line that already sits where both read it alike is
returned as written (text without such lists comes back unchanged), a code fence
inside an item moves as a whole (its content keeps its own indentation), and a
code fence outside lists is never touched.  Pure, and linear in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LEVEL = 4  # Python-Markdown's indentation of one nesting level (its tab_length)

_MARKER = re.compile(r"(?:[*+-]|(\d{1,9})[.)])(?=[ \t]|$)")
_THEMATIC_BREAK = re.compile(r"(?:\*[ \t]*){3,}$|(?:-[ \t]*){3,}$|(?:_[ \t]*){3,}$")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")


@dataclass
class _Item:
    """An open list item: where its content is as written, and where it goes."""

    content: int  # the content column as written
    new_content: int  # Python-Markdown's: four spaces per level
    line: int  # the index of the item's first line in the output
    indent: int  # that line's indentation in the output
    marker: str  # the marker (`-`, `1.`)
    spaces: int  # the spaces after the marker in the output
    text: str  # the rest of the line

    @property
    def text_column(self) -> int:
        """The content column CommonMark reads from the item's line as written out."""
        return self.indent + len(self.marker) + self.spaces


@dataclass
class _Fence:
    run: str  # the opening backticks or tildes: a closing run is at least as long
    shift: int  # how far every line of the fence moves
    inside: int  # the content column of the item holding it (a less indented line ends it)


def _indent(line: str, column: int = 0) -> tuple[int, str]:
    """The width of the line's leading blanks (tabs to the next multiple of four,
    counted from `column`) and the rest of the line."""
    width = column
    for index, char in enumerate(line):
        if char == " ":
            width += 1
        elif char == "\t":
            width += LEVEL - width % LEVEL
        else:
            return width - column, line[index:]
    return width - column, ""


def _opens_fence(rest: str) -> re.Match | None:
    match = _FENCE.match(rest)
    if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None  # a backtick fence's info string holds no backtick (CommonMark)
    return match


def _closes(rest: str, run: str) -> bool:
    stripped = rest.rstrip()
    return stripped.startswith(run) and not stripped.strip(run[0])


def _interrupts(rest: str) -> bool:
    """Whether a line starts a block of its own, so it cannot continue a paragraph."""
    return bool(_HEADING.match(rest) or _THEMATIC_BREAK.match(rest) or _opens_fence(rest)
                or rest.startswith(">"))


def _may_interrupt(rest: str, marker: re.Match) -> bool:
    """Whether a list item may start a new list right after paragraph text: only one with
    text, and an ordered one only when it starts at 1 (CommonMark)."""
    if not rest[marker.end():].strip():
        return False
    return marker.group(1) is None or int(marker.group(1)) == 1


def _width(rest: str, marker: re.Match, column: int = 0) -> int:
    """How far right of the marker's column its item's text starts (CommonMark: after one to
    four spaces; after one when the item starts blank or with indented code)."""
    spaces, text = _indent(rest[marker.end():], column + marker.end())
    return marker.end() + (spaces if text and spaces <= LEVEL else 1)


def _place(indent: int, parent: _Item) -> int:
    """Where a line of `parent`'s content goes: at most three columns right of both
    Python-Markdown's content column and CommonMark's (where the text after the marker
    starts), where both read it in the item; where it is, when it is there already."""
    low = max(parent.new_content, parent.text_column)
    high = min(parent.new_content, parent.text_column) + LEVEL - 1
    if low <= indent <= high:
        return indent
    return low if low <= high else parent.new_content


def normalize_lists(text: str) -> str:
    """`text` with the lines inside list items indented four spaces per nesting level, and
    a blank line before an item Python-Markdown would otherwise read as more text."""
    reader = _Reader()
    for line in text.split("\n"):
        reader.read(line)
    return "\n".join(reader.out)


class _Reader:
    """The lines read so far, rewritten, and what the next line may continue."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[_Item] = []  # the items the next line may belong to, outermost first
        self.fence: _Fence | None = None  # a code fence inside an item
        self.outer_fence: str | None = None  # a code fence outside lists: its lines stay as written
        self.paragraph = False  # the last line was paragraph text (a less indented line may continue it)
        # Python-Markdown reads list items only in a block (lines between blank lines) that
        # starts with one no more indented than they are; a heading or a rule ends a block too.
        self.block_start = True
        self.block_items_from: int | None = None  # the indentation of the item starting the block

    def read(self, line: str) -> None:
        indent, rest = _indent(line)
        if self.outer_fence is not None:
            self.out.append(line)
            if _closes(rest, self.outer_fence) and indent < LEVEL:
                self.outer_fence = None
            return
        if self.fence is not None:
            if not rest or indent >= self.fence.inside:
                self.out.append(" " * (indent + self.fence.shift) + rest if rest and self.fence.shift else line)
                if _closes(rest, self.fence.run):
                    self.fence = None
                self.block_start = not rest  # for a fence left open, whose lines are then not code
                return
            self.fence = None  # a line left of the item ends the item, and its fence with it (CommonMark)
        if not rest:
            self.out.append(line)
            self.paragraph, self.block_start = False, True
            return
        stack = self.stack
        kept = 0  # how many of the open items the line's indentation keeps it in
        while kept < len(stack) and indent >= stack[kept].content:
            kept += 1
        rel = indent - (stack[kept - 1].content if kept else 0)  # past the content column it reaches
        marker = None
        if rel < LEVEL and not _THEMATIC_BREAK.match(rest):
            marker = _MARKER.match(rest)
            if marker and self.paragraph and kept == len(stack) and not _may_interrupt(rest, marker):
                marker = None
        if marker is None and self.paragraph and (rel >= LEVEL or not _interrupts(rest)):
            self._continue(line, indent, rest)
            return
        closed = stack[kept] if kept < len(stack) else None  # the item this line ends, if any
        del stack[kept:]
        if not stack:
            self._top_level(line, indent, rest, marker, closed)
            return
        parent = stack[-1]
        code = rel >= LEVEL and not self.paragraph  # indented code: its content starts four columns in
        if code:
            self._widen(parent)
            new_indent = parent.text_column + rel
        else:
            new_indent = _place(indent, parent)
            if closed is not None and new_indent >= closed.text_column:
                new_indent = closed.indent  # still after the item it ended, not inside it
        if marker is not None:
            if new_indent + _width(rest, marker) >= parent.new_content + 2 * LEVEL:
                new_indent = max(parent.new_content, parent.text_column)  # its text as far left as can be
            self._item(line, indent, rest, marker, new_indent)
            return
        opened = _opens_fence(rest) if rel < LEVEL else None
        if opened:
            self.fence = _Fence(opened.group(1), new_indent - indent, parent.content)
        self._emit(" " * new_indent + rest if new_indent != indent else line, rest,
                   not code and not opened and not _interrupts(rest))

    def _continue(self, line: str, indent: int, rest: str) -> None:
        """Paragraph text goes on (lazily, when left of the item's content column): plain
        text reads so wherever it is.  A line that would start a block (`# x`, a fence, a
        list item) continues the paragraph only four columns past the content column it
        reaches, which must hold for the item columns as written out, too."""
        if self.stack and (_interrupts(rest) or _MARKER.match(rest)):
            # Columns as they are written out, or as `_widen` may still move them.
            columns = [max(i.text_column, i.new_content) if i.text else i.text_column for i in self.stack]
            reached = max((c for c in columns if c <= indent), default=0)
            if indent - reached < LEVEL:
                line = " " * (columns[-1] + LEVEL) + rest
        self.out.append(line)

    def _top_level(self, line: str, indent: int, rest: str, marker: re.Match | None, closed: _Item | None) -> None:
        opened = _opens_fence(rest) if indent < LEVEL and marker is None else None
        new_indent = indent
        if closed is not None and closed.text_column <= indent < LEVEL and not opened:
            new_indent = closed.indent  # still after the item it ended, not inside it
        if marker is not None:
            self._item(line, indent, rest, marker, new_indent)
            return
        if opened:
            self.outer_fence = opened.group(1)
        self._emit(" " * new_indent + rest if new_indent != indent else line, rest,
                   indent < LEVEL and not opened and not _interrupts(rest))

    def _item(self, line: str, indent: int, rest: str, marker: re.Match, new_indent: int) -> None:
        if not self.block_start and (self.block_items_from is None or new_indent // LEVEL < self.block_items_from):
            self.out.append("")  # else Python-Markdown reads the item as more text of the block
            self.block_start = True
        spaces = _width(rest, marker, indent) - marker.end()
        text = rest[marker.end():].lstrip(" \t")
        new_content = LEVEL * (len(self.stack) + 1)
        item = _Item(indent + marker.end() + spaces, new_content, len(self.out), new_indent, marker.group(0),
                     spaces, text)
        self.stack.append(item)
        self._emit(" " * new_indent + rest if new_indent != indent else line, rest,
                   bool(text) and not _interrupts(text), item=True)

    def _widen(self, item: _Item) -> None:
        """Indented code four columns into an item reads alike only where CommonMark's content
        column is Python-Markdown's: move the item's text right to it when it is left of it."""
        if item.text and item.text_column < item.new_content:
            item.spaces += item.new_content - item.text_column
            self.out[item.line] = " " * item.indent + item.marker + " " * item.spaces + item.text

    def _emit(self, line: str, rest: str, paragraph: bool, item: bool = False) -> None:
        self.out.append(line)
        if self.block_start:
            self.block_items_from = (len(line) - len(line.lstrip(" "))) // LEVEL if item else None
        self.paragraph = paragraph
        self.block_start = bool(_HEADING.match(rest) or _THEMATIC_BREAK.match(rest))
