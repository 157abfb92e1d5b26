"""Theme partials that are the same on many pages, rendered once per build.

Material renders the site navigation (``partials/nav.html``) and the tabs
(``partials/tabs.html``) into every page.  On a page outside the navigation
(entries, tag and category pages) nothing in them is marked active and their
links are the same from every page in one folder (``q/<id>/``), so thousands of such pages
share a handful of renderings.  kb's ``theme/partials/nav.html`` and ``tabs.html``
wrap the theme's own partials, reachable as ``theme/partials/...``, in
``kb_once``; a page in the navigation still gets its own rendering.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

THEME_PREFIX = "theme"


class PartialCache:
    """``kb_once(name, page, base_url)`` as a Jinja call block: the body is rendered
    once per (name, folder) for pages outside the navigation."""

    def __init__(self, nav_uris: Iterable[str] | None):
        """`nav_uris`: the pages in the navigation; None when unknown (nothing is shared)."""
        self.nav_uris = None if nav_uris is None else frozenset(nav_uris)
        self.rendered: dict[tuple[str, str, str], Any] = {}

    def __call__(self, name: str, page: Any, base_url: str, caller: Callable[[], Any]) -> Any:
        file = getattr(page, "file", None)
        if file is None or self.nav_uris is None or file.src_uri in self.nav_uris:
            return caller()
        # Relative links are the same from every page in one folder (q/a/ and q/b/).
        key = (name, base_url, (getattr(page, "url", "") or "").rstrip("/").rpartition("/")[0])
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = caller()
        return html


def install(env: Any, theme_dirs: Iterable[str], nav_uris: Iterable[str] | None) -> None:
    """Give `env` the theme's own templates under ``theme/`` and a fresh ``kb_once``."""
    import jinja2

    env.loader = jinja2.ChoiceLoader([
        env.loader, jinja2.PrefixLoader({THEME_PREFIX: jinja2.FileSystemLoader(list(theme_dirs))})])
    env.globals["kb_once"] = PartialCache(nav_uris)
