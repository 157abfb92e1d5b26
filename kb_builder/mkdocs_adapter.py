"""The one place that reaches into MkDocs' internals (MkDocs 1.6 and forks that keep its structure).

* `render_page`: `Page.render` with one Markdown converter shared by all generated
  pages.  MkDocs builds a new converter, with every extension, for each page;
  reset between pages, one converter gives the same HTML at a fraction of the
  cost.  It mirrors `mkdocs.structure.pages.Page.render` and its private
  tree processors; `tests/test_mkdocs_adapter.py` pins that both give the same
  page, and `supported()` says whether this MkDocs has what it needs.
* `GeneratedFile`: a generated page that dirty builds skip when told to.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Iterable, Iterator

from mkdocs.structure.files import File, InclusionLevel

_INTERNALS = ("_RawHTMLPreprocessor", "_ExtractAnchorsTreeprocessor", "_RelativePathTreeprocessor",
              "_ExtractTitleTreeprocessor", "log")


def supported() -> bool:
    """Whether this MkDocs has the page internals `render_page` mirrors."""
    try:
        from mkdocs.structure import pages as mk
    except ImportError:
        return False
    return all(hasattr(mk, name) for name in _INTERNALS)


class SharedConverter:
    """One Markdown converter for many pages of one build (one per process)."""

    def __init__(self, config: Any):
        self.config = config
        self._md = None

    def render(self, page: Any, files: Any) -> None:
        """Do what `page.render(config, files)` does, with the shared converter."""
        import markdown
        from mkdocs.structure import pages as mk
        from mkdocs.structure.toc import get_toc

        config = self.config
        if self._md is None:
            self._md = markdown.Markdown(extensions=config["markdown_extensions"],
                                         extension_configs=config["mdx_configs"] or {})
        md = self._md
        md.reset()
        raw_html = mk._RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = mk._ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative = mk._RelativePathTreeprocessor(page.file, files, config)
        relative._register(md)
        title = mk._ExtractTitleTreeprocessor()
        title._register(md)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if mk.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors


class GeneratedFile(File):
    """A generated page that MkDocs' dirty builds skip when its page is unchanged, or
    when the other process of a two-process render owns it."""

    kb_unchanged = False
    kb_elsewhere = False

    def is_modified(self) -> bool:
        return not self.kb_unchanged and not self.kb_elsewhere and super().is_modified()

    @classmethod
    def make(cls, config: Any, uri: str, markdown: str, in_nav: bool) -> "GeneratedFile":
        inclusion = InclusionLevel.UNDEFINED if in_nav else InclusionLevel.NOT_IN_NAV
        return cls.generated(config, uri, content=markdown, inclusion=inclusion)


class RedirectFile(GeneratedFile):
    """A redirect page written where the page of `uri` would be: a static HTML file, so
    MkDocs leaves it out of the navigation, the search index and the sitemap."""

    @classmethod
    def make(cls, config: Any, uri: str, html: str) -> "RedirectFile":  # type: ignore[override]
        dest = os.path.relpath(dest_path(config, uri), config.site_dir).replace(os.sep, "/")
        return cls.generated(config, dest, content=html)


def dest_path(config: Any, uri: str) -> str:
    """Where MkDocs writes the page of `uri` in the site."""
    return File(uri, src_dir=None, dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls).abs_dest_path


def _nav_paths(nav: Any) -> Iterator[tuple[str, bool]]:
    """Each source path a `nav:` setting names, and whether it gives the page a title."""
    def walk(item: Any, titled: bool) -> Iterator[tuple[str, bool]]:
        if isinstance(item, str):
            yield os.path.normpath(item).replace(os.sep, "/"), titled
        elif isinstance(item, dict):
            for value in item.values():
                yield from walk(value, True)
        elif isinstance(item, (list, tuple)):
            for value in item:
                yield from walk(value, False)

    return walk(nav or [], False)


def nav_uris(nav: Any) -> set[str]:
    """The source paths a `nav:` setting names."""
    return {uri for uri, _ in _nav_paths(nav)}


def untitled_nav_uris(nav: Any) -> set[str]:
    """The source paths a `nav:` setting names without a title (MkDocs takes the page's)."""
    return {uri for uri, titled in _nav_paths(nav) if not titled}


def never_modified() -> bool:
    return False


def skip_unowned(files: Iterable[Any], ours: set[str]) -> None:
    """In the second rendering process: only its own generated pages are rendered; static
    files and every other page are the first process's."""
    for f in files:
        if isinstance(f, GeneratedFile):
            f.kb_elsewhere = f.src_uri not in ours
        else:
            f.is_modified = never_modified
