"""What entry markup may carry so that the theme's scripts never act on it.

Material for MkDocs (9.7, pinned) finds its own parts of a page with selectors
that entry text can otherwise reach through `attr_list`, heading ids (`toc`) or
fenced-block options, and it renders some attribute values as HTML:

* ids: all of the theme's live in the `__` namespace (`#__config`, whose JSON
  holds the translations shown with `innerHTML`; the `__search`, `__drawer`,
  `__toc` and `__palette_N` toggles; `__nav_N`, `__consent`, `__code_N` (the
  copy button's target), `__codelineno-…`, `__tooltip_N`, `__mermaid_N`);
* `data-*` attributes: `data-md-component` (every component), `data-md-toggle`,
  `data-md-color-*`, `data-tabs`, `data-preview`, `data-clipboard-*`, …;
* classes: `md-*`, and `annotate`, `mermaid`, `footnote-ref`, `no-js`, …;
* `title` attributes, which `content.tooltips` puts into a tooltip with
  `innerHTML`, as it does with the text of a shortened `.md-ellipsis` label.

So in the HTML of a generated page an id (and a label's `for`, and the fragment
of a link into the site) in the `__` namespace gets the prefix `user-`, applied
the same way to the page's table of contents; data attributes are not kept;
classes are limited to an allow-list; titles lose the characters that make
markup; and a shortened label whose text holds such characters is no longer
`.md-ellipsis` (kb.css styles `.kb-ellipsis` the same way).
"""
from __future__ import annotations

import re
from functools import lru_cache

THEME_ID_PREFIX = "__"
USER_ID_PREFIX = "user-"

# Classes the markdown extensions of mkdocs.yml write (toc, admonition, details,
# pymdownx.highlight) and Material's grids; none is read by the theme's scripts
# outside the code blocks those extensions build.
_EXTENSION_CLASSES = frozenset({
    "headerlink",
    "admonition", "admonition-title", "inline", "end",
    "note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important", "success", "check",
    "done", "question", "help", "faq", "warning", "caution", "attention", "failure", "fail", "missing",
    "danger", "error", "bug", "example", "quote", "cite",
    "highlight", "highlighttable", "linenos", "linenodiv", "filename", "hll", "code", "normal", "special",
    "grid", "cards", "card",
})
_OWN_CLASS = re.compile(r"kb-[a-z0-9_-]{1,60}|language-[a-z0-9_+#.-]{1,40}")
# A token type Pygments has no short class for: its parent's short class and its own
# names ("l-Scalar-Plain" for Literal.Scalar.Plain).
_SUBTOKEN = re.compile(r"([a-z]{1,3}[0-9]?)(?:-[A-Z][A-Za-z0-9]{0,40}){1,4}")


@lru_cache(maxsize=1)
def _token_classes() -> frozenset[str]:
    """Pygments' short token classes (`c1`, `nf`, `s2`, …), as pymdownx.highlight writes them."""
    try:
        from pygments.token import STANDARD_TYPES
    except ImportError:  # without Pygments no code block carries them
        return frozenset()
    return frozenset(name for name in STANDARD_TYPES.values() if name)


def allowed_class(name: str) -> bool:
    if name in _EXTENSION_CLASSES or name in _token_classes() or _OWN_CLASS.fullmatch(name):
        return True
    subtoken = _SUBTOKEN.fullmatch(name)
    return bool(subtoken) and subtoken.group(1) in _token_classes()


def user_id(value: str) -> str:
    """An id (or a label's `for`) outside the theme's namespace."""
    return USER_ID_PREFIX + value if value.startswith(THEME_ID_PREFIX) else value


def user_href(value: str) -> str:
    """A link into the site whose fragment follows `user_id`; other links as they are."""
    head, sep, fragment = value.partition("#")
    if not sep or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", head):
        return value
    return f"{head}#{user_id(fragment)}"


# Stand-ins that look alike but never start markup or an entity.
_INERT = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "\uff06"})


def inert_title(value: str) -> str:
    """A title that shows the same whether the browser or `innerHTML` renders it."""
    return value.translate(_INERT)


def guard_attribute(element: str, attribute: str, value: str) -> str | None:
    """The value an attribute of entry HTML keeps (None: dropped); see the module docstring."""
    if attribute.startswith("data-"):
        return None
    if attribute in ("id", "for"):
        return user_id(value)
    if attribute == "href":
        return user_href(value)
    if attribute == "class":
        kept = " ".join(name for name in value.split() if allowed_class(name))
        return kept or None
    if attribute == "title":
        return inert_title(value)
    return value


def guard_toc(items) -> None:
    """Give the table of contents' anchors (MkDocs AnchorLinks) the ids the page now has."""
    for item in items:
        item.id = user_id(item.id)
        guard_toc(item.children)


_ELLIPSIS = re.compile(r'(<(?:span|div) class=")md-ellipsis(">)([^<]*)(</(?:span|div)>)?')


def inert_ellipsis(page: str) -> str:
    """A whole page whose shortened labels that could hold markup are left alone by the theme.

    Material gives an overflowing `.md-ellipsis` label a title made of its text,
    which `content.tooltips` renders as HTML; labels show titles and headings of
    entries (header, table of contents, navigation, footer).  A label with an
    entity (`&lt;` is a `<` on screen) or an element inside is no longer one."""
    def swap(match: re.Match) -> str:
        if "&" not in match.group(3) and match.group(4):
            return match.group(0)
        return f"{match.group(1)}kb-ellipsis{match.group(2)}{match.group(3)}{match.group(4) or ''}"

    return _ELLIPSIS.sub(swap, page) if "md-ellipsis" in page else page
