"""The one place that reaches into MkDocs' internals (MkDocs 1.6 and forks that keep its structure).

* `render_page`: `Page.render` with one Markdown converter shared by all generated
  pages.  MkDocs builds a new converter, with every extension, for each page;
  reset between pages, one converter gives the same HTML at a fraction of the
  cost.  It mirrors `mkdocs.structure.pages.Page.render` and its private
  tree processors; `tests/test_mkdocs_adapter.py` pins that both give the same
  page, and `supported()` says whether this MkDocs has what it needs.
* `GeneratedFile`: a generated page that dirty builds skip when told to.
* `KeptFiles`: `kb serve`'s generated files kept from one rebuild to the next with the
  `Page` MkDocs made for each (MkDocs makes none for a file that has one).
* `ThemeEnvs`: `kb serve`'s theme environments: MkDocs' `Theme.get_env` makes a new Jinja
  environment each time it is asked (three times in Material's search plugin's
  `on_config`, once per build), which compiles every template it loads again and walks
  the theme's folders (Material's: 14,000 files, mostly icons) to list its static files.
"""
from __future__ import annotations

import logging
import os
import weakref
from typing import Any, Iterable, Iterator

import jinja2
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


class KeptFiles:
    """The generated files of a `kb serve` session, kept from one rebuild to the next.

    MkDocs makes a `Page` for every documentation file that has none (`get_navigation`:
    its canonical URL, build date and edit URL), 6,200 of them for 5,000 entries at each
    rebuild, a fifth of a rebuild after one edit; a file kept with the page made for it
    keeps that page.  A file is kept only while it is made from the very same generated
    page (or redirect HTML), outside the navigation (a navigation page takes its title
    and neighbours from the nav at each build), into the same site with the same
    settings; the caller still asks whether the page as written is unchanged.  A page
    kept lets go of its HTML once written (`written`), and a file dropped lets go of its
    page: the two point at each other, and the heap is frozen between rebuilds."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[Any, GeneratedFile]] = {}
        self._now: dict[str, tuple[Any, GeneratedFile]] = {}
        self._frame: tuple = ()
        self._date = ""

    def start(self, config: Any) -> None:
        """A build starts: files kept for another site or other settings are dropped."""
        from mkdocs.utils import get_build_date

        frame = tuple(config.get(key) for key in _FRAME)
        if frame != self._frame:
            self._drop(self._files.values())
            self._files = {}
        self._frame, self._now = frame, {}
        self._date = get_build_date()  # what a page made now would say (the sitemap shows it)

    def get(self, uri: str, source: Any) -> GeneratedFile | None:
        """The file kept for `uri`, when it was made from `source` itself."""
        found = self._files.get(uri)
        if found is None or found[0] is not source:
            return None
        page = getattr(found[1], "page", None)
        if page is not None:
            page.update_date = self._date  # a session may run past midnight
        return found[1]

    def keep(self, uri: str, source: Any, file: GeneratedFile) -> None:
        self._now[uri] = (source, file)

    def end(self) -> None:
        """The files are made: the ones not kept by this build are dropped."""
        self._drop(old for uri, old in self._files.items() if self._now.get(uri, (None, None))[1] is not old[1])
        self._files, self._now = self._now, {}

    def written(self) -> None:
        """The pages are written: the kept ones let go of their HTML."""
        for _, file in self._files.values():
            page = getattr(file, "page", None)
            if page is not None:
                page.content = None

    def clear(self) -> None:
        self._drop(self._files.values())
        self._files, self._now = {}, {}

    @staticmethod
    def _drop(kept: Iterable[tuple[Any, GeneratedFile]]) -> None:
        for _, file in kept:
            file.page = None


# What a file and its page are made from besides the page itself (`KeptFiles`).
_FRAME = ("site_dir", "docs_dir", "use_directory_urls", "site_url", "repo_url", "edit_uri", "edit_uri_template")


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


class ThemeEnvs:
    """The Jinja environments of a theme's `get_env` for one `kb serve` session: each with the
    session's compiled templates (Jinja compares each template's source checksum, so an
    edited template is compiled again) and a loader that lists the files of the theme's
    installed folders once.  The theme's `custom_dir`, which a site edits, is walked every
    time, as are folders under the docs folder or a `watch` path."""

    def __init__(self, code: Any):
        self.code = code
        self._listed: dict[str, tuple[str, ...]] = {}

    def install(self, config: Any) -> None:
        theme = config.theme
        edited = [os.path.realpath(d) for d in (theme.custom_dir, config.docs_dir, *(config.watch or ())) if d]
        # The theme only by a weak reference: a theme holding a function that holds it would
        # be a cycle, which `kb serve`'s frozen heap would never free (test_serve_heap).
        of_theme, make, code, listed = weakref.ref(theme), type(theme).get_env, self.code, self._listed

        def get_env() -> Any:
            theme = of_theme()
            env = make(theme)
            env.bytecode_cache = code
            fixed = [d for d in theme.dirs if not any(_within(os.path.realpath(d), e) for e in edited)]
            env.loader = _ListedOnce(env.loader.searchpath, listed, fixed)
            return env

        theme.get_env = get_env


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class _ListedOnce(jinja2.FileSystemLoader):
    """A FileSystemLoader whose `list_templates` walks each folder of `fixed` once (`listed`
    keeps what it found)."""

    def __init__(self, searchpath: list[str], listed: dict[str, tuple[str, ...]], fixed: list[str]):
        super().__init__(searchpath)
        self._listed, self._fixed = listed, set(fixed)

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for folder in self.searchpath:
            names = self._listed.get(folder) if folder in self._fixed else None
            if names is None:
                names = tuple(jinja2.FileSystemLoader(folder).list_templates())
                if folder in self._fixed:
                    self._listed[folder] = names
            found.update(names)
        return sorted(found)
