"""The `kb` MkDocs plugin: thin glue between MkDocs hooks and the pipeline."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .i18n import labels_for, site_language
from .pages import CATEGORY_DIR, ERROR_PAGE, HOME, HUB_DIR, TAG_DIR
from .pipeline import Generated, Settings, generate, search_docs
from .safe import sanitize_html
from .sitebuild import CONTENT_ENV

log = logging.getLogger("mkdocs.plugins.kb")


class KbPluginConfig(base.Config):
    content_dir = c.Type(str, default="content")
    site_tags = c.ListOfItems(c.Type(str), default=[])
    tag_aliases = c.DictOfItems(c.Type(str), default={})
    tag_labels = c.Type(dict, default={})
    hubs = c.Optional(c.File(exists=True))
    glossary = c.Optional(c.File(exists=True))
    related = c.Type(int, default=5)
    edit_url = c.Optional(c.Type(str))
    strict = c.Type(bool, default=False)  # a skipped content file fails the build
    strict_references = c.Type(bool, default=False)  # an unresolved reference fails the build
    search_index = c.Type(bool, default=True)  # write the whoosh index for `kb search --site-dir`
    nav = c.Type(bool, default=True)  # provide a short navigation when mkdocs.yml has none


class KbPlugin(BasePlugin[KbPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.generated: Generated | None = None
        self.generated_uris: set[str] = set()
        self.content_override: str | None = None  # set by `kb build --content`
        self.progress = None  # a pipeline.ProgressFn, set by `kb build` (see progress.py)
        self._rendered = self._to_render = 0

    # -- configuration -------------------------------------------------------------
    def content_dir(self, config) -> Path:
        raw = self.content_override or os.environ.get(CONTENT_ENV) or self.config.content_dir
        base_dir = Path(config.config_file_path or ".").resolve().parent
        return (base_dir / raw).resolve()

    def settings(self, config) -> Settings:
        content = self.content_dir(config)
        base_dir = Path(config.config_file_path or ".").resolve().parent
        try:
            prefix = content.relative_to(base_dir).as_posix()
            inside_repo = True
        except ValueError:
            prefix, inside_repo = content.name, False
        edit_url = self.config.edit_url
        if not edit_url and config.repo_url and inside_repo:
            edit_url = config.repo_url.rstrip("/") + "/edit/main/{path}"
        return Settings(
            content_dir=content,
            lang=site_language(config.theme.get("language")),
            site_tags=tuple(self.config.site_tags),
            tag_aliases=dict(self.config.tag_aliases),
            tag_labels=dict(self.config.tag_labels),
            hubs_file=Path(self.config.hubs) if self.config.hubs else None,
            glossary_file=Path(self.config.glossary) if self.config.glossary else None,
            related_limit=self.config.related,
            edit_url=edit_url if inside_repo else None,
            source_prefix=prefix,
        )

    def on_config(self, config):
        self.provided_nav = False
        if self.config.nav and not config.nav:
            self.provided_nav = True
            t = labels_for(site_language(config.theme.get("language")))
            config.nav = [
                {t["home"]: HOME},
                {t["troubleshooting"]: f"{HUB_DIR}/index.md"},
                {t["error_index"]: ERROR_PAGE},
                {t["tag_index"]: f"{TAG_DIR}/index.md"},
                {t["categories"]: f"{CATEGORY_DIR}/index.md"},
            ]
        return config

    # -- content ---------------------------------------------------------------------
    def on_files(self, files: Files, config) -> Files:
        content = self.content_dir(config)
        if not content.is_dir():
            raise PluginError(f"kb: content directory '{content}' does not exist")
        generated = generate(self.settings(config), **({"progress": self.progress} if self.progress else {}))
        self.generated = generated
        corpus = generated.corpus
        for finding in corpus.findings:
            if finding.severity.value == "error":
                log.warning("kb: %s: %s", finding.location(), finding.message)
        if corpus.skipped and self.config.strict:
            raise PluginError("kb: %d content files were skipped (strict mode):\n%s" % (
                len(corpus.skipped), "\n".join(f"  {s.path}: {s.reason}" for s in corpus.skipped)))
        unresolved = generated.graph.unresolved
        if unresolved:
            log.info("kb: %d references could not be resolved to entries", len(unresolved))
            if self.config.strict_references:
                raise PluginError("kb: unresolved references (strict_references):\n" + "\n".join(
                    f"  {entry_id}: {ref.text}" for entry_id, ref in unresolved[:50]))
        if self.provided_nav:
            # Pages the site author wrote in docs/ follow the generated sections.
            config.nav.extend(f.src_uri for f in files.documentation_pages()
                              if f.src_uri not in generated.pages)
        in_nav = _nav_uris(config.nav)
        self.generated_uris = set()
        for uri, markdown in generated.pages.items():
            if files.get_file_from_path(uri) is not None:
                continue  # a page the site author wrote wins over a generated one
            inclusion = InclusionLevel.UNDEFINED if uri in in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, uri, content=markdown, inclusion=inclusion))
            self.generated_uris.add(uri)
        self._rendered, self._to_render = 0, len(files.documentation_pages())
        return files

    def on_page_content(self, html: str, page, config, files):
        if self.progress:
            self._rendered += 1
            self.progress("render", self._rendered, self._to_render)
        if page.file.src_uri in self.generated_uris:
            return sanitize_html(html)
        return html

    def on_post_build(self, config):
        if self.generated is None:
            return
        from . import browser_index, search

        if self.progress:
            self.progress("index", 0, len(self.generated.entries))
        docs = search_docs(self.generated.entries, self.generated.graph)
        browser_index.write(config.site_dir, docs, config)  # the site's search box
        if self.config.search_index:
            glossary = self.settings(config).glossary_file
            search.build_index(docs, search.index_dir_for_site(config.site_dir),
                               glossary_files=[glossary] if glossary else ())
        if self.progress:
            self.progress("index", len(docs), len(docs))

    def on_serve(self, server, config, builder):
        server.watch(str(self.content_dir(config)))
        return server


def _nav_uris(nav) -> set[str]:
    found: set[str] = set()

    def walk(item) -> None:
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(nav or [])
    return {os.path.normpath(u).replace(os.sep, "/") for u in found}
