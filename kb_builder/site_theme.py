"""What the kb plugin adds to the site's Material theme: its templates, styles and search worker.

The package's ``theme`` folder holds the page frames (``kb_entry.html``,
``kb_listing.html``, ``kb_home.html``), the page templates under ``kb/``, the
shared navigation partials, the stylesheet and the browser search worker.  It is
put right after the site's ``custom_dir`` in the theme's folders, so a site
overrides any of them the way it overrides Material's own.

The search box is pointed at kb's worker by rewriting one value in each page's
``__config`` block, which Material writes; nothing of Material's templates is
copied, so a Material upgrade keeps working or `wire_search` reports that it
found no block to wire.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

THEME_DIR = Path(__file__).parent / "theme"
WORKER = "assets/javascripts/kb-search-worker.js"
PAGE_SCRIPT = "assets/javascripts/kb-search.js"  # main.html loads it: paged results, paste, the home page's box
STYLESHEET = "assets/stylesheets/kb.css"
SUPPORTED_THEMES = ("material",)
# What kb's page templates write: `{ .kb-tag }` attributes, markdown inside HTML blocks,
# the error index's definition lists.  Added when a site's mkdocs.yml does not list them.
MARKDOWN_EXTENSIONS = ("attr_list", "md_in_html", "def_list")

_CONFIG_BLOCK = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


class ThemeError(ValueError):
    pass


def install(config: Any) -> None:
    """Add kb's theme folder, stylesheet and the markdown extensions its pages need to an
    MkDocs configuration (in `on_config`)."""
    theme = config.theme
    name = getattr(theme, "name", None)
    if name not in SUPPORTED_THEMES:
        raise ThemeError(f"the kb plugin needs the Material theme (theme: {{name: material}} in mkdocs.yml); "
                         f"this site uses {name!r}")
    dirs = theme.dirs
    here = str(THEME_DIR)
    if here not in dirs:
        custom = theme.custom_dir
        dirs.insert(1 if custom and dirs and dirs[0] == custom else 0, here)
    if STYLESHEET not in [str(x) for x in config.extra_css]:
        config.extra_css.append(STYLESHEET)
    listed = config.markdown_extensions
    for name in MARKDOWN_EXTENSIONS:
        if name not in listed and f"markdown.extensions.{name}" not in listed:
            listed.append(name)


def wire_search(html: str) -> tuple[str, bool]:
    """A page's HTML with Material's search worker replaced by kb's; False when the page
    has no Material configuration block with a worker to replace."""
    match = None
    for match in _CONFIG_BLOCK.finditer(html):
        pass  # Material writes its block at the end of the body: the last one is the theme's
    if match is None:
        return html, False
    try:
        data = json.loads(match.group(2))
    except ValueError:
        return html, False
    worker = data.get("search") if isinstance(data, dict) else None
    if not isinstance(worker, str) or "assets/" not in worker:
        return html, False
    data["search"] = worker[:worker.index("assets/")] + WORKER  # the same relative prefix
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return html[:match.start(2)] + text + html[match.end(2):], True
