"""Markdown that carries nothing the theme's scripts act on, whatever engine renders it.

`kb export` writes the generated pages as markdown that MkDocs, ProperDocs or Zensical
build without the kb plugin, so neither `safe.sanitize_html` nor `theme_guard` ever
sees their HTML.  `guard_page` applies the same rules (`theme_guard`, and
`safe.vet_markup_attribute` for handlers, styles and URLs) to the markdown itself:

* attribute lists (`{: #__config .md-dialog data-md-component=search title="<b>" }`),
  after any element, block or heading, and in a fenced block's options;
* raw tags: their attributes, and tags sanitize_html does not keep shown as text;
* link, image, reference and abbreviation titles, which `content.tooltips` renders as HTML;
* headings: a heading whose automatic anchor could start with `_` (Python-Markdown's
  `toc` keeps `_` and drops what is not ASCII: `配置__config` becomes `__config`) gets
  an explicit one (`anchors.slugify`); one whose text shows `<` gets a table-of-contents
  label (`data-toc-label`, read and removed by `toc`) and, as the page's first `h1`, a
  front-matter `title`, both inert, since the theme's shortened labels become tooltips.

Code is shown as text and stays as it is (markdown_code: fenced blocks as
`pymdownx.superfences`, which the exported configuration turns on, reads them, indented
blocks, inline code).  Where it cannot tell code or a construct's extent for sure, it
takes the wider reading: the rules change only what looks like markup the theme or a
browser would act on, so text that is not hostile comes out unchanged (the Nacos corpus:
no page changes).
"""
from __future__ import annotations

import html
import json
import re
import unicodedata
from bisect import bisect_right

import yaml

from .anchors import slugify
from .markdown_code import BLANK_LINE, CODE, FENCE_OPEN, PROSE, UNDERLINE_LINE, line_kinds, mask_code
from .safe import allowed_tag, escape_inline, vet_markup_attribute
from .theme_guard import inert_title

_FRONT_MATTER = re.compile(r"\A(---[ \t]*\n)(.*?\n)((?:---|\.\.\.)[ \t]*\n)", re.S)  # as MkDocs reads it


# An edit: (start, end, replacement) in the text a rule reads.
_Edit = tuple[int, int, str]


def guard_page(page: str) -> str:
    """A page's markdown (front matter, then body) with the rules of the module docstring applied."""
    front = _FRONT_MATTER.match(page)
    if front and not isinstance(_yaml(front.group(2)), dict):
        front = None  # MkDocs keeps it as text then
    head, body = (page[:front.end()], page[front.end():]) if front else ("", page)
    lines = body.split("\n")
    if "\t" in body:  # Python-Markdown reads tabs as spaces before anything else
        expanded = body.expandtabs(4)
        kinds = line_kinds(expanded.split("\n"), expanded)
    else:
        kinds = line_kinds(lines, body)
    out: list[str] = []
    start = 0
    for i, kind in enumerate(kinds + [CODE]):  # a sentinel flushes the last prose
        if kind == PROSE:
            continue
        if start < i:
            out.append(_guard_prose("\n".join(lines[start:i])))
        if i < len(lines):
            out.append(lines[i] if kind == CODE else _guard_fence(lines[i]))
            if kind == CODE and i + 1 < len(lines) and kinds[i + 1] == PROSE and UNDERLINE_LINE.fullmatch(lines[i + 1]):
                out.append("")  # an underline right after a block would make the block a heading's text
        start = i + 1
    guarded = "\n".join(out)
    title = _page_title(guarded)
    if title is not None and not (front and re.search(r"^title:", front.group(2), re.M)):
        entry = "title: " + json.dumps(title, ensure_ascii=False) + "\n"  # JSON strings are YAML
        head = (front.group(1) + front.group(2) + entry + front.group(3)) if front else f"---\n{entry}---\n"
    return head + guarded


def _yaml(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


_FENCE_LANGUAGE = re.compile(r"[ \t]*\{[ \t:]*(\.[\w#.+-]+)")


def _guard_fence(line: str) -> str:
    """A fenced block's opening line: its attributes (`{ .json #__config }`) guarded."""
    match = FENCE_OPEN.fullmatch(line)
    start = match.start(3)
    info = line[start:]
    if "{" not in info:
        return line
    edits = _token_edits(info, 0, len(info))
    language = _FENCE_LANGUAGE.match(info)  # without a language word, the first class names it
    if language:
        edits = [edit for edit in edits if not language.start(1) <= edit[0] < language.end(1)]
    return line[:start] + _apply(info, edits)


# --------------------------------------------------------------------------- prose

def _guard_prose(text: str) -> str:
    masked = mask_code(text)
    for rule in (_destination_edits, _tag_edits, _attribute_list_edits, _title_edits):
        edits = rule(text, masked)
        text, masked = _apply(text, edits), _apply(masked, edits)  # edits never touch code
    return _apply(text, _heading_edits(text, masked))


def _apply(text: str, edits: list[_Edit]) -> str:
    """`text` with the edits made; of overlapping edits (one rule's inside another's
    span) the span they cover together is removed, an insertion inside another is not made."""
    if not edits:
        return text
    pieces, at, last = [], 0, (0, 0, "")
    for edit in sorted(edits):
        start, end, replacement = edit
        if start < at:  # inside the last one: an insertion there is dropped
            if start != end and not (last[2] == "" and end <= last[1]):
                pieces[-1] = ""
                last = (last[0], max(last[1], end), "")
                at = last[1]
            continue
        pieces += [text[at:start], replacement]
        at, last = end, edit
    pieces.append(text[at:])
    return "".join(pieces)


# ----------------------------------------------------------------- raw tags

# From a tag's `<` to its `>` outside quoted values (unclosed: no `>`).
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>\"'\0]*)((?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)(>?)")
# A link with its destination in angle brackets, as Python-Markdown reads it first.
_ANGLE_LINK = re.compile(r"(?<!\\)\[(?:[^\[\]\n\\]|\\.)*\]\((<)[^<>\n]*>(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)")
# What Python-Markdown links before it reads raw HTML: <https://…>, <ftp://…>, <name@host>.
_AUTOLINK = re.compile(r"<(?:(?:[Hh][Tt]|[Ff])[Tt][Pp][Ss]?://[^<>]*|[^<> !]+@[^@<> ]+)>")
_TAG_ATTRIBUTE = re.compile(r"([^\s/>\"'=][^\s/>=]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def _tag_edits(text: str, masked: str) -> list[_Edit]:
    edits = []
    destinations = {m.start(1) for m in _ANGLE_LINK.finditer(masked)} if "](<" in masked else set()
    for match in _TAG.finditer(masked):
        start = match.start()
        if start in destinations:  # (a backslash before `<` escapes nothing in Python-Markdown)
            continue
        closing, name, attributes, end = match.groups()
        if end and _AUTOLINK.match(masked, start):
            continue
        if not end or not allowed_tag(name):
            edits.append((start, start + 1, "&lt;"))  # shown as text, as sanitize_html would drop it
        elif not closing:
            edits += _tag_attribute_edits(text, name.lower(), match.start(3), match.end(3))
    return edits


def _tag_attribute_edits(text: str, element: str, start: int, end: int) -> list[_Edit]:
    edits = []
    for attribute in _TAG_ATTRIBUTE.finditer(text, start, end):
        raw = attribute.group(2) or ""
        value = html.unescape(raw[1:-1] if raw[:1] in "\"'" else raw)
        # (a value holding `<` or `>` would end the tag early for Python-Markdown)
        kept = None if "<" in raw or ">" in raw else vet_markup_attribute(element, attribute.group(1), value)
        if kept is None:
            edits.append((attribute.start(), attribute.end(), ""))
        elif kept != value:
            edits.append((attribute.start(), attribute.end(), f'{attribute.group(1)}="{html.escape(kept)}"'))
    return edits


# ----------------------------------------------------------------- attribute lists

# Where Python-Markdown's attr_list takes a `{` (or `{:`): on a line of its own after
# another line (it must end a block), after a space at the end of a heading, table
# cell or definition term (any line may be one: taken everywhere), and right after an
# inline element (its closing `*`, `_`, backtick, `)`, `]`, `>`, …).  It reads words,
# `key=value`, `key="value"` and `key='value'` separated by spaces, up to a `}`
# outside such a value.
_LINE_BRACE = re.compile(r"(?:\A|(?<=[^\n])\n)[ \t>]*(\{)")
_LINE_PREFIX = r"(?:[ \t>]|[-*+:](?=[ \t])|\d{1,9}[.)](?=[ \t]))*"  # quotes, list and definition markers
_FENCE_LINE = re.compile(r"^[ \t>]*(?:`{3}|~{3})(?=[^\n]*\{).*$", re.M)  # any `{` there may be a fence's
_SPACE_BRACE = re.compile(r"(?<=[ \t])\{")
_BRACE = re.compile(r"(?<!\\)\{")
_INLINE_BRACE = re.compile(r"(?<=[!-/:-@\[-`|}~\0])\{")
_WORD_END = re.compile(r"[ }\n]|\Z")
_EMPTY_LIST = re.compile(r"\{:?[ ]*\}")
_BRACES = re.compile(r"\{(?:=(?:\"[^\"\n]*\"|'[^'\n]*')|[^}\n])*\}?")
# Every word that a token could start with: after `{`, `:`, a space or a quote.  A name
# holding one of these (`a:onclick`, `"data-x`) is no attribute the theme or a browser
# acts on, and a class holding one is no class the theme knows: each word is read from
# its last such character, at most as far as an attribute name can usefully go.
_TOKEN_START = r"(?<=[{: \"'])"
_WORD = r"[^ =}\n\0{:\"']"
_KEY_VALUE = re.compile(_TOKEN_START + r"(" + _WORD + r"{1,100})=(\"[^\"\n]*\"|'[^'\n]*'|[^ =}\n]+)")
_SHORTHAND = re.compile(_TOKEN_START + r"([#.])(" + _WORD + r"{1,200})")
_BARE = re.compile(_TOKEN_START + r"([^ =}\n\0{:\"'#.]" + _WORD + r"{0,100})(?=[ }\n]|$)")


def _attribute_list_edits(text: str, masked: str) -> list[_Edit]:
    starts = {m.start(1) for m in _LINE_BRACE.finditer(masked)}
    starts.update(m.start() for m in _INLINE_BRACE.finditer(masked))
    starts.update(m.start() for m in _SPACE_BRACE.finditer(masked))
    for line in _FENCE_LINE.finditer(masked):
        starts.update(m.start() for m in _BRACE.finditer(masked, line.start(), line.end()))
    edits, covered = [], 0
    for start in sorted(starts):
        if start >= covered:  # a `{` inside an earlier list is vetted with it
            covered = _BRACES.match(masked, start).end()
            found = _token_edits(text, start, covered, masked)
            left = _apply(text[start:covered], [(a - start, b - start, new) for a, b, new in found])
            # a list left empty would show as text: it goes
            edits += [(start, covered, "")] if found and _EMPTY_LIST.fullmatch(left) else found
    return edits


def _escape_braces(masked: str, start: int, end: int) -> list[_Edit]:
    """`\\{` for each `{` there (outside code): none starts an attribute list, all show as `{`."""
    return [(m.start(), m.end(), "\\{") for m in _BRACE.finditer(masked, start, end)]


def _vet(key: str, value: str) -> str | None:
    """An attribute-list value as kept; `data-toc-label`, a heading's label that `toc`
    takes out of the page, is kept inert (the theme's shortened labels are tooltips)."""
    if key.lower() == "data-toc-label":
        return inert_title(value)
    return vet_markup_attribute("", key, value)


def _token_edits(text: str, start: int, end: int, masked: str | None = None) -> list[_Edit]:
    """Edits for the attribute-list tokens between `start` and `end`: handlers, styles
    and data attributes dropped, ids prefixed, classes allowed, titles inert, URLs safe.
    Words inside a quoted value are vetted too when the value holds a `{`."""
    masked = text if masked is None else masked
    edits: list[_Edit] = []
    opaque: list[tuple[int, int]] = []  # quoted values, whose words are no tokens
    for match in _KEY_VALUE.finditer(masked, start, end):
        if opaque and match.start() < opaque[-1][1]:
            continue
        key, raw = text[match.start(1):match.end(1)], text[match.start(2):match.end(2)]
        quoted = raw[:1] in "\"'"
        if quoted and "{" not in raw:
            opaque.append(match.span(2))
        value = html.unescape(raw[1:-1] if quoted else raw)
        kept = _vet(key, value)
        if kept is None or ("{" in raw and kept != value):  # (a value holding `{` may hold another list)
            edits.append((match.start(1), match.end(2), ""))
        elif kept != value:
            edits.append((match.start(2), match.end(2), '"' + html.escape(kept) + '"'))

    def inside_value(at: int) -> bool:
        index = bisect_right(opaque, (at, len(masked))) - 1
        return index >= 0 and opaque[index][0] < at < opaque[index][1]

    for match in _SHORTHAND.finditer(masked, start, end):
        if inside_value(match.start()):
            continue
        value = html.unescape(text[match.start(2):match.end(2)])
        if match.group(1) == "#":
            kept = vet_markup_attribute("", "id", value)
            if kept != value:  # the prefix, put before the id as written
                edits.append((match.start(2), match.start(2), kept[:len(kept) - len(value)]))
        elif _WORD_END.match(masked, match.end()) and vet_markup_attribute("", "class", value) != value:
            edits.append((match.start(1), match.end(2), ""))
    for match in _BARE.finditer(masked, start, end):
        if not inside_value(match.start()) and vet_markup_attribute("", match.group(1), "") is None:
            edits.append((match.start(1), match.end(1), ""))
    return edits


# ----------------------------------------------------------------- titles

_LINK_OPEN = re.compile(r"\]\(")
_DESTINATION = re.compile(r"\]\((?:[^\n]|\n(?![ \t]*\n))*")  # to the paragraph's end: the link may run as far
_HASH = re.compile(r"#")
# A link as Python-Markdown surely reads it, from its `](`: a destination in angle
# brackets or without blanks (parentheses balanced once), then maybe a quoted title.
_SIMPLE_LINK = re.compile(r"\]\([ \t]*(?:<[^<>\n]*>|[^\s()<>\"']*(?:\([^\s()<>\"']*\)[^\s()<>\"']*)*)"
                          r"(?:[ \t]+(\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)")
# What shows as `<`, `>` or `&` once read: the characters and their entities.
_SHOWS_MARKUP = re.compile(r"[<>]|&(?:lt|gt|amp|LT|GT|AMP);?|&#0*(?:60|62|38);?|&#[xX]0*(?:3[cCeE]|26);?|&")
_DEFINITION = re.compile(r"^[ ]{0,3}(?:\[[^\[\]\n]*\]:[ \t]*(\S+)|\*\[[^\]\n]*\]:)[ \t]*(.*)$", re.M)
_MARKUP_CHARS = re.compile(r"[<>&\\]")


def _title_edits(text: str, masked: str) -> list[_Edit]:
    """Titles whose text holds `<`, `>` or `&` made inert (theme_guard.inert_title).

    In a paragraph whose links all read plainly (`](destination "title")`), each title;
    in one with a link that does not, where Python-Markdown's reading of titles is
    harder to follow, whatever could show `<`, `>` or `&` from its first link on.  A
    reference's (`[x]: url "title"`) or an abbreviation's (`*[x]: text`) definition is
    the rest of its line, or the next line when that is all it has."""
    edits = []
    at = 0
    for end in [m.start() for m in BLANK_LINE.finditer(masked)] + [len(masked)]:
        opening = masked.find("](", at, end)
        if opening >= 0:
            links = [_SIMPLE_LINK.match(masked, m.start(), end) for m in _LINK_OPEN.finditer(masked, opening, end)]
            if all(links):
                edits += [edit for link in links if link.group(1)
                          for edit in _inert(text, link.start(1) + 1, link.end(1) - 1, link.group(1)[0])]
            else:
                edits += [(m.start(), m.end(), inert_title(html.unescape(m.group())))
                          for m in _SHOWS_MARKUP.finditer(masked, opening, end)]
        at = end
    for definition in _DEFINITION.finditer(masked):
        start, end = definition.span(2)
        if start == end and end + 1 < len(masked):  # the title on the next line
            start = end + 1
            end = masked.find("\n", start) % (len(masked) + 1)
        edits += _inert(text, start, end, "")
    return edits


def _destination_edits(text: str, masked: str) -> list[_Edit]:
    """Links' fragments into the theme's namespace prefixed, as theme_guard.user_href
    does: in a link's or a reference's destination (and whatever follows it up to where
    the link may end)."""
    spans = [m.span() for m in _DESTINATION.finditer(masked)]
    spans += [m.span(1) for m in _DEFINITION.finditer(masked) if m.group(1)]
    edits = []
    for start, end in spans:
        edits += _fragments(text, start, end)
    return edits


def _fragments(text: str, start: int, end: int) -> list[_Edit]:
    edits = []
    for mark in _HASH.finditer(text, start, end):
        value = _read(text[mark.end():mark.end() + 40])
        kept = vet_markup_attribute("", "id", value)
        if kept != value:
            edits.append((mark.end(), mark.end(), kept[:len(kept) - len(value)]))
    return edits


def _inert(text: str, start: int, end: int, quote: str) -> list[_Edit]:
    raw = text[start:end]
    if not _MARKUP_CHARS.search(raw):
        return []
    shown = html.unescape(_ESCAPED.sub(r"\1", raw))
    if not re.search(r"[<>&]", shown):
        return []
    inert = inert_title(shown)
    if quote:
        inert = inert.replace(quote, {'"': "&quot;", "'": "&#39;"}[quote])
    return [(start, end, inert)]


# ----------------------------------------------------------------- headings

_ATX = re.compile(r"^(" + _LINE_PREFIX + r")(#{1,6})(.*)$", re.M)
_UNDERLINE = re.compile(r"(?<=\n)[ ]{0,3}(?:=+|-+)[ \t]*$", re.M)
_HEADING_LIST = re.compile(r"(?<=[ \t])\{:?[ ]*(?=[^}\n ])")
# Python-Markdown's attr_list tokens, to tell a heading's trailing list it would take.
_LIST_TOKEN = re.compile(r"[^ =}]+=\"[^\"]*\"|[^ =}]+='[^']*'|[^ =}]+=[^ =}]+|[^ =}]+| ")
# A tag Python-Markdown surely leaves a tag: nothing in it that inline markup reads first.
_PLAIN_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z][\w:.-]*=\"[^\"<>`\[\]()\\\n]*\")*[ \t]*/?>")
_NOTABLE = re.compile(r"[_<>&\\{\u0080-\U0010ffff]")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # what a backslash escapes in markdown
_UNDERSCORE_FIRST = re.compile(r"[^A-Za-z0-9]*_")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_SWALLOWING = re.compile(r"[\[`<\t]")  # openers of inline markup that can run to the line's end; tabs
_UNCERTAIN = re.compile(r"!\[|\]\(|\]\[|<|\{")


def _heading_edits(text: str, masked: str) -> list[_Edit]:
    edits: list[_Edit] = []
    underlined = set()
    headings = []
    for underline in _UNDERLINE.finditer(masked):  # a setext heading's text: the line above
        end = underline.start() - 1
        start = masked.rfind("\n", 0, end) + 1
        atx = _ATX.match(masked, start, end)
        if masked[start:end].strip() and not (atx and not atx.group(1)):  # (`#` first: ATX comes first)
            headings.append((start, end, False))
            underlined.add(start)
    headings += [(m.start(3), m.end(3), True) for m in _ATX.finditer(masked) if m.start() not in underlined]
    decided: dict[tuple[str, str, bool], list[_Edit]] = {}  # headings written alike are fixed alike
    for start, end, atx in headings:
        if _NOTABLE.search(text, start, end):
            key = (text[start:end], masked[start:end], atx)
            if key not in decided:
                decided[key] = _heading_fix(*key)
            edits += [(start + a, start + b, new) for a, b, new in decided[key]]
    return edits


def _heading_fix(text: str, masked: str, atx: bool) -> list[_Edit]:
    """Edits of one heading's text: an explicit anchor when `toc`'s could start with
    `_`, an inert label when it shows `<`, in the attribute list at its end."""
    lead = len(masked) - len(masked.lstrip(" \t"))  # Python-Markdown strips a heading's text
    end = len(masked.rstrip("#")) if atx else len(masked)  # and an ATX heading's closing hashes
    trailing = _trailing_list(masked[lead:end])
    stop = lead + trailing[0] if trailing else end
    words, shown = text[lead:stop].strip(" #\t"), _shown(text[lead:stop], masked[lead:stop])
    tokens = trailing[2] if trailing else []
    extra = []
    if not any(t.startswith(("#", "id=")) for t in tokens) and _anchor_may_start_with_underscore(words):
        extra.append("#" + (slugify(shown) or "heading"))
    label = _label(shown)
    if label is not None and not any(t.startswith("data-toc-label=") for t in tokens):
        extra.append("data-toc-label=" + _quoted(label))
    if not extra:
        return []
    if _SWALLOWING.search(masked, lead, end) and shown:
        # a link, code or tag there could take in the list: the heading as plain text
        if not any(t.startswith("#") for t in extra):  # (the list it had goes)
            extra.insert(0, "#" + (slugify(shown) or "heading"))
        return [(lead, end, f"{escape_inline(shown)} {{ {' '.join(extra)} }}")]
    if trailing:  # into the list the heading has
        return [(lead + trailing[1], lead + trailing[1], " ".join(extra) + " ")]
    # no other `{` there may start a list: only this one is taken
    return _escape_braces(masked, lead, end) + [(end, end, " { " + " ".join(extra) + " }")]


def _trailing_list(heading: str) -> tuple[int, int, list[str]] | None:
    """The attribute list Python-Markdown takes from a heading's end (from the first
    ` {` on to the last `}`): where its `{` and its words start, and its words; None
    when there is none or it would not take it."""
    body = heading.rstrip(" ")
    if not body.endswith("}"):
        return None
    match = _HEADING_LIST.search(body, 0, len(body) - 1)
    tokens = _list_tokens(body[match.end():-1]) if match else None
    return None if tokens is None else (match.start(), match.end(), tokens)


def _list_tokens(content: str) -> list[str] | None:
    """The tokens of a heading's trailing `{...}`, None when attr_list would not take it."""
    tokens, at = [], 0
    while at < len(content):
        match = _LIST_TOKEN.match(content, at)
        if not match:
            break
        tokens.append(match.group())
        at = match.end()
    return None if "}" in content[at:] else [t for t in tokens if t != " "]


def _shown(words: str, masked: str) -> str:
    """Roughly the text a heading shows: tags out (not in code, and only where no
    backtick can make them code), escapes and entities read."""
    if "<" in masked or "\\" in words or "&" in words:
        pieces, at = [], 0
        for tag in () if "`" in masked else _PLAIN_TAG.finditer(masked):
            pieces.append(words[at:tag.start()])
            at = tag.end()
        words = html.unescape(_ESCAPED.sub(r"\1", "".join(pieces) + words[at:]))
    return " ".join(words.split()).strip(" #")


def _anchor_may_start_with_underscore(words: str) -> bool:
    """Whether a `toc` slug of the heading could start with `_`: an underscore comes
    before any ASCII letter or digit that the heading surely shows (a link's address,
    an image, a tag or braces may not be shown)."""
    if words[:1] == "_":
        return True
    if "_" not in unicodedata.normalize("NFKD", words) and "&" not in words:
        return False
    cut = _UNCERTAIN.search(words)
    sure = _read(words[:cut.start()] if cut else words)
    if _UNDERSCORE_FIRST.match(sure):
        return True
    return not _ALNUM.search(sure) and "_" in _read(words)


def _read(raw: str) -> str:
    """Markdown text as shown, escapes and entities read, in compatibility form."""
    return unicodedata.normalize("NFKD", html.unescape(_ESCAPED.sub(r"\1", raw)))


def _label(shown: str) -> str | None:
    """An inert table-of-contents label when the heading shows `<` (None: not needed)."""
    return inert_title(shown.replace("`", "")) if "<" in shown else None


def _quoted(value: str) -> str:
    """A label as an attribute-list value: escaped, as inline markup in it would take
    the list apart (Python-Markdown reads a heading's emphasis before its list)."""
    value = escape_inline(value)
    if '"' not in value:
        return f'"{value}"'
    return f"'{value}'" if "'" not in value else '"' + value.replace('"', "\u201d") + '"'


def _page_title(body: str) -> str | None:
    """An inert page title when the page's first heading, its `h1` (which MkDocs takes
    as the title shown in the header and navigation), shows `<`."""
    first = next((line for line in body.split("\n") if line.strip()), "")
    match = re.match(r"#(?!#)(.*)$", first)
    if not match:
        return None
    words = match.group(1).rstrip("#")
    masked = mask_code(words)
    trailing = _trailing_list(masked)
    stop = trailing[0] if trailing else len(words)
    return _label(_shown(words[:stop], masked[:stop]))
