"""Making untrusted entry text safe to put into markdown, HTML and file paths."""
from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

from .theme_guard import guard_attribute

# Exactly the characters Python-Markdown accepts backslash escapes for (a table:
# a substitution per character took 2 s for a megabyte of them).
_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!"})
_ALLOWED_SCHEMES = {"http", "https", "mailto", "ftp"}
_SEGMENT_BAD = re.compile(r"[\x00-\x1f\x7f/\\?#%<>\"'`|:*]")


def escape_inline(text: str) -> str:
    """Literal text inside markdown: no HTML, no markdown syntax, one line."""
    text = " ".join(str(text).split())
    text = html.escape(text, quote=False)
    return text.translate(_MD_ESCAPES)


def escape_attr(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a web link or a relative path; None for javascript:, data: and the like."""
    if not url:
        return None
    url = url.strip()
    # Browsers ignore control characters and whitespace inside schemes ("java\tscript:").
    squashed = re.sub(r"[\x00-\x20\x7f]+", "", url)
    try:
        scheme = urlsplit(squashed).scheme.lower()
    except ValueError:
        return None
    if scheme and scheme not in _ALLOWED_SCHEMES:
        return None
    if not scheme and ":" in squashed.split("/", 1)[0]:
        return None
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def is_safe_segment(segment: str) -> bool:
    """Whether a string may be used as one path segment of a generated page."""
    return bool(segment) and segment not in (".", "..") and not segment.startswith(".") \
        and not _SEGMENT_BAD.search(segment) and len(segment.encode("utf-8")) <= 200


# ----------------------------------------------------------------------------- bodies

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
# Bounded repetitions keep every pattern linear on hostile input (long runs of ` or [).
_INLINE_CODE = re.compile(r"(`{1,10})(.{1,2000}?)(?<!`)\1(?!`)", re.S)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>", re.I)
_MD_LINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]{0,200}\]){0,500})\]"
    r"\(\s{0,20}<?((?:[^()\s<>]|\([^()\s]{0,200}\)){0,2000})>?((?:\s{1,20}(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'))?)\s{0,20}\)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:\s*)(\S+)(.*)$", re.M)
# Python-Markdown also accepts targets with blanks inside ("java\tscript:x"), which
# _MD_LINK does not see as links; such a target with an unsafe scheme is dropped too.
_MD_LINK_BLANKS = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]{0,200}\]){0,500})\]\(([^()\n\"']{0,2000})"
    r"((?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}')?)\s{0,20}\)")


def _neutralise_text(text: str, rewrite_link) -> str:
    """Escape raw HTML in a non-code stretch of markdown and vet every link target."""
    text = _AUTOLINK.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", text)
    text = text.replace("<", "&lt;")

    def link(match: re.Match) -> str:
        bang, label, target, title = match.groups()
        target = rewrite_link(target) if rewrite_link else target
        vetted = safe_url(target) if target else None
        if vetted is None:
            return label if not bang else ""
        return f"{bang}[{label}]({vetted}{title})"

    def blank_link(match: re.Match) -> str:
        bang, label, target, _title = match.groups()
        if re.search(r"\S\s+\S", target) and safe_url(re.sub(r"[\s<>]+", "", target)) is None:
            return label if not bang else ""
        return match.group(0)

    text = _MD_LINK_BLANKS.sub(blank_link, text)
    text = _MD_LINK.sub(link, text)

    def ref_def(match: re.Match) -> str:
        vetted = safe_url(match.group(2))
        return f"{match.group(1)}{vetted}{match.group(3)}" if vetted else f"{match.group(1)}#"

    return _REF_DEF.sub(ref_def, text)


_HEADING_LINE = re.compile(r"^( {0,3})(#{1,6})(?=[^#]|$)")


def _demote_heading(line: str, min_level: int) -> str:
    """Keep entry headings below the page's own section headings (h1 title, h2 sections)."""
    match = _HEADING_LINE.match(line)
    if not match or len(match.group(2)) >= min_level:
        return line
    rest = line[match.end():]
    return "#" * min_level + (rest if rest.startswith(" ") else " " + rest)


def sanitize_markdown(md: str, rewrite_link=None, min_heading: int = 3) -> str:
    """Markdown from an entry with raw HTML shown as text and unsafe links dropped.

    Code blocks and inline code are left alone (markdown escapes them itself).
    `rewrite_link(target) -> target` lets the caller point entry links at pages.
    """
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if prose:
            out.append(_sanitize_prose("\n".join(prose), rewrite_link))
            prose.clear()

    for line in md.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            flush()
            fence = match.group(2)[0] * len(match.group(2))
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
        else:
            prose.append(_demote_heading(line, min_heading))
    flush()
    return "\n".join(out)


def _sanitize_prose(text: str, rewrite_link) -> str:
    pieces: list[str] = []
    last = 0
    for match in _INLINE_CODE.finditer(text):
        pieces.append(_neutralise_text(text[last:match.start()], rewrite_link))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_neutralise_text(text[last:], rewrite_link))
    return "".join(pieces)


# ----------------------------------------------------------------------------- HTML

_HTML_ATTRS = {"class", "id", "title", "lang", "dir", "role", "align", "colspan", "rowspan", "aria-label",
               "aria-hidden", "tabindex", "style"}
# Beside nh3's own allowed tags.
_EXTRA_TAGS = frozenset({"span", "div", "details", "summary", "mark", "kbd", "figure", "figcaption", "input", "label",
                         "svg", "path", "time", "nav"})
# Attributes whose value a browser loads or follows as a URL.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset",
                            "background", "cite", "ping", "longdesc", "codebase", "manifest"})


@lru_cache(maxsize=1)
def _allowed_tags() -> frozenset[str]:
    import nh3

    return frozenset(nh3.ALLOWED_TAGS) | _EXTRA_TAGS


def allowed_tag(name: str) -> bool:
    """Whether entry HTML may hold elements named `name` (what sanitize_html keeps)."""
    return name.lower() in _allowed_tags()


def sanitize_html(fragment: str) -> str:
    """Last line of defence on rendered entry HTML: no scripts, handlers or unsafe URLs,
    and nothing the theme's scripts act on (theme_guard)."""
    import nh3

    attributes = {"*": _HTML_ATTRS - {"style"},
                  "a": {"href", "title", "class", "id"},
                  "img": {"src", "alt", "title", "width", "height", "loading"},
                  "input": {"type", "checked", "disabled"},
                  "label": {"for"},
                  "td": {"align", "colspan", "rowspan"}, "th": {"align", "colspan", "rowspan"},
                  "ol": {"start"}, "code": {"class"}, "time": {"datetime"},
                  "svg": {"viewbox", "xmlns", "width", "height"}, "path": {"d"}}
    return nh3.clean(
        fragment,
        tags=set(_allowed_tags()),
        attributes=attributes,
        url_schemes=_ALLOWED_SCHEMES,
        link_rel=None,
        strip_comments=True,
        attribute_filter=_vet_attribute,
    )


def _vet_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop URL attributes whose scheme is unsafe once whitespace is ignored, and
    keep what the theme's scripts read out of entry HTML (theme_guard).

    Markdown accepts link targets with spaces ("java\tscript:..." becomes
    "java    script:..."), which nh3 keeps as a relative URL; vet them like safe_url.
    """
    if attribute in URL_ATTRIBUTES and value and safe_url(value) is None:
        return None
    return guard_attribute(element, attribute, value)


def vet_markup_attribute(element: str, attribute: str, value: str) -> str | None:
    """The value an attribute written in markdown keeps where no sanitize_html follows
    (None: dropped): no event handlers, styles or unsafe URLs, and theme_guard's rules.
    Other attributes stay: what the markdown extensions read (`markdown`) among them."""
    attribute = attribute.lower()
    if attribute.startswith("on") or attribute == "style":
        return None
    return _vet_attribute(element, attribute, value)
