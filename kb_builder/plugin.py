"""The `kb` MkDocs plugin: thin glue between MkDocs hooks and the pipeline.

Each hook is a few calls: the pipeline gathers and renders the generated pages
(pipeline.py, pages.py), site_theme.py adds kb's templates and search worker to
the theme, mkdocs_adapter.py is the one place that reaches into MkDocs, the
search indexes are built by a forked child (indexjob.py) or in-process, and
`kb serve` keeps everything reusable in one `Serving` object (serving.py).
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files

from . import (anchors, browser_index, indexjob, mkdocs_adapter, outdir, parallel, partials, pipeline, search,
               search_box, site_theme, siteindex, theme_guard)
from .hubs import HubRulesError
from .i18n import labels_for, site_language
from .pages import default_nav
from .pipeline import Generated, Settings
from .safe import sanitize_html
from .schema import MAX_KEYWORDS, MAX_TAGS
from .serving import Serving, config_fingerprint, digest
from .session import Session
from .tagplan import MIN_ENTRIES
from .sitebuild import CONTENT_ENV, NoDirtyWarning
from .terminal import clean

log = logging.getLogger("mkdocs.plugins.kb")

# Splitting the pages between two processes: a page costs about as much as this many
# characters of markdown before its text (template, extensions).
PAGE_COST = 1500


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
    max_tags = c.Type(int, default=MAX_TAGS)  # per entry: the rest are dropped with a warning
    max_keywords = c.Type(int, default=MAX_KEYWORDS)
    tag_min_entries = c.Type(int, default=MIN_ENTRIES)  # a tag with fewer entries links to a search


class KbPlugin(BasePlugin[KbPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        # MkDocs keeps this instance for as long as the process runs (it has on_startup):
        # what one build sets is reset by on_config.
        self.serving: Serving | None = None
        # `kb serve`'s generated files, each with its MkDocs page, from one rebuild to the next
        self._kept_files: mkdocs_adapter.KeptFiles | None = None
        self._theme_envs: mkdocs_adapter.ThemeEnvs | None = None  # `kb serve`'s, kept between rebuilds
        self.content_override: str | None = None  # set by `kb build --content`
        self.progress = None  # a pipeline.ProgressFn, set by `kb build` (see progress.py)
        self.parallel = False  # set by `kb build` (a new site folder, dirty mode: parallel.py)
        self.cache = None  # set by `kb build`: its buildcache.BuildCache (None: a cold build)
        self._start_build()

    def _start_build(self) -> None:
        self.session = self.serving.session if self.serving is not None else Session()
        self.generated: Generated | None = None
        self.pages: dict = {}
        self._docs: tuple = ()
        self._worker: parallel.Worker | None = None
        self._counter: parallel.SharedCounter | None = None
        self._index_job: indexjob.IndexJob | None = None
        self._record = None
        self._converter: mkdocs_adapter.SharedConverter | None = None
        self._files: Files | None = None  # this build's, from on_files
        self._nav = None  # this build's, from on_nav
        self._rendered = self._to_render = 0
        self._unwired = 0
        self.reused = 0  # generated pages not rendered again (a dirty rebuild, `kb build`'s cache)

    # -- serving ------------------------------------------------------------------------
    def on_startup(self, *, command, dirty) -> None:
        if command == "serve" and self.serving is None:
            self.serving = Serving()
            self._kept_files = mkdocs_adapter.KeptFiles()
            self._theme_envs = mkdocs_adapter.ThemeEnvs(self.serving.template_code())
            # MkDocs warns that dirty builds leave navigation and links stale; the kb
            # plugin re-renders every page whose content changed (serving.PageRecord).
            build_log = logging.getLogger("mkdocs.commands.build")
            if not any(isinstance(f, NoDirtyWarning) for f in build_log.filters):
                build_log.addFilter(NoDirtyWarning())

    def on_shutdown(self) -> None:
        self.stop_serving()

    def stop_serving(self) -> None:
        """Leave `kb serve` mode: later builds in this process are clean builds again."""
        if self.serving is not None:
            self.serving.stop()
            self.serving = None
        if self._kept_files is not None:
            self._kept_files.clear()
            self._kept_files = None

    def on_serve(self, server, config, builder):
        server.watch(str(self.content_dir(config)))
        if self.serving is not None:  # the first build is done: settle before the first edit
            self._start_build()
            self.serving.settle_heap()
        return server

    # -- configuration --------------------------------------------------------------------
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
            template_dirs=(config.theme.custom_dir,) if config.theme.custom_dir else (),
            directory_urls=bool(config.use_directory_urls),
            max_tags=self.config.max_tags,
            max_keywords=self.config.max_keywords,
            tag_min_entries=self.config.tag_min_entries,
            site_name=config.site_name or "",
        )

    @event_priority(100)  # before Material's search plugin, whose on_config makes theme environments
    def _theme_environments(self, config):
        if self._theme_envs is not None:
            self._theme_envs.install(config)

    def _on_config(self, config):
        self._start_build()  # lets go of the last build's pages and files first: then they are collected
        if self.serving is not None:
            self.serving.settle_heap()
        try:
            site_theme.install(config)
        except site_theme.ThemeError as e:
            raise PluginError(f"kb: {e}") from None
        if self.cache is not None and self.serving is None:  # what the last `kb build` derived
            self.session = self.cache.session(digest(f"{config_fingerprint(config)}\0{self.content_dir(config)}\0"
                                                     f"{sorted(self.config.items())!r}"))
        # Our worker answers the search box; Material's plugin need not segment every page.
        search_box.mute_material_search(config)
        protected = outdir.protected(self.content_dir(config), config.config_file_path)
        # Heading anchors keep Chinese words (a `slugify` the site gives `toc` wins).
        for name in ("toc", "markdown.extensions.toc"):
            if name in config.markdown_extensions:
                config.mdx_configs.setdefault(name, {}).setdefault("slugify", anchors.slugify)
        try:  # `mkdocs build` empties site_dir before kb's hooks write anything (outdir.py)
            outdir.check_target(config.site_dir, protected)
            if self.serving is None and self.config.search_index:
                outdir.check_target(siteindex.index_dir(config.site_dir), protected)
        except outdir.UnsafeTarget as e:
            raise PluginError(f"kb: site_dir {clean(e)}") from None
        if not any(name in config.plugins for name in ("search", "material/search")):
            log.warning("kb: the site has no search box: Material draws it only with its search plugin; "
                        "list it before kb in mkdocs.yml (plugins: [search, kb])")
        if self.serving is None and not config.site_url:
            log.warning("kb: site_url is not set: sitemap.xml lists no pages and pages have no canonical link; "
                        "set site_url in mkdocs.yml (or kb build --site-url URL) to the address the site is "
                        "published at")
        self.provided_nav = False
        if self.config.nav and not config.nav:
            self.provided_nav = True
            config.nav = default_nav(site_language(config.theme.get("language")))
        return config

    on_config = CombinedEvent(_theme_environments, _on_config)

    # -- content ---------------------------------------------------------------------------
    def on_files(self, files: Files, config) -> Files:
        content = self.content_dir(config)
        if not content.is_dir():
            raise PluginError(f"kb: content directory '{clean(content)}' does not exist")
        settings = self.settings(config)
        session = self.session
        whoosh = self.config.search_index

        def normalized(gathered: pipeline.Gathered) -> None:
            # The search indexes need the entries and, from the link graph, only their error
            # signatures: a forked child analyses every document while this process links
            # and renders, is sent the signatures, and builds both indexes.
            if self.serving is None:
                if not session.restored or session.store.misses:
                    # Text to cut in both processes: jieba's dictionary is read once, before the fork
                    # (a restored session with nothing new cuts nothing and never reads it).
                    gathered.analyzer.dictionary  # noqa: B018 - read for its side effect
                self._index_job = _start_index_job(gathered, session, config, whoosh, self.cache is not None,
                                                   self._previous_index())

        def linked(gathered: pipeline.Gathered) -> None:
            self._docs = pipeline.search_docs(gathered.entries, gathered.graph, session)
            if self._index_job is not None:
                self._index_job.send_errors({d.id: d.errors for d in self._docs if d.errors})

        try:
            generated = pipeline.generate(settings, **({"progress": self.progress} if self.progress else {}),
                                          normalized=normalized, gathered=linked, session=session)
        except HubRulesError as e:  # the site's hub rules (`hubs:`): one line naming the file and line
            raise PluginError(f"kb: {clean(str(e))}") from None
        self.generated = generated
        _report(generated, self.config)
        if self.provided_nav:
            # The sections the site has; pages the site author wrote in docs/ follow them.
            config.nav = default_nav(settings.lang, generated.pages) + [
                f.src_uri for f in files.documentation_pages() if f.src_uri not in generated.pages]
        in_nav = mkdocs_adapter.nav_uris(config.nav)
        if self.serving is not None:  # dirty rebuilds: pages as they were last time are not rendered again
            self._record = self.serving.page_record(config.site_dir, config_fingerprint(config))
        elif self.cache is not None:  # pages as the last `kb build` wrote them are copied, not rendered
            self._record = self.cache.page_record(_frame(config, files, generated.pages), config.site_dir)
        kept = self._kept_files
        if kept is not None:
            kept.start(config)
        self.pages = {}
        for uri, page in generated.pages.items():
            if files.get_file_from_path(uri) is not None:
                continue  # a page the site author wrote wins over a generated one
            nav_page = uri in in_nav
            # the file of the last build, with the page MkDocs made for it, when made from this page
            file = kept.get(uri, page) if kept is not None and not nav_page else None
            if file is None:
                file = mkdocs_adapter.GeneratedFile.make(config, uri, page.markdown, nav_page)
            if self._record is not None:
                file.kb_unchanged = self._record.unchanged(uri, page, file.abs_dest_path)
            if kept is not None and not nav_page:
                kept.keep(uri, page, file)
            files.append(file)
            self.pages[uri] = page
        for uri, html in generated.redirects.items():
            # Static files: no navigation, search index or sitemap entry; the address stays.
            if files.get_file_from_path(uri) is None:
                file = kept.get(uri, html) if kept is not None else None
                if file is None:
                    file = mkdocs_adapter.RedirectFile.make(config, uri, html)
                if self._record is not None:
                    file.kb_unchanged = self._record.unchanged_text(uri, html, file.abs_dest_path)
                if kept is not None:
                    kept.keep(uri, html, file)
                if files.get_file_from_path(file.src_uri) is None:
                    files.append(file)
        if kept is not None:
            kept.end()
        self._files = files
        pages = files.documentation_pages()
        self.reused = sum(1 for f in pages if getattr(f, "kb_unchanged", False))
        if self._record is not None:
            log.debug("kb: %d generated pages as the last build wrote them: not rendered again", self.reused)
        self._rendered, self._to_render = 0, len(pages)
        return files

    def on_nav(self, nav, config, files):
        self._nav = nav
        if self.parallel and self.serving is None and self.pages and parallel.can_fork():
            self._render_in_two_processes(config, files)
        return nav

    def _render_in_two_processes(self, config, files: Files) -> None:
        """Fork: this process and a child each render about half of the generated pages
        (split by size); the author's pages, static files and post-build work stay here."""
        generated = [f for f in files.documentation_pages()
                     if f.src_uri in self.pages and not getattr(f, "kb_unchanged", False)]
        if len(generated) < 2:
            return
        weights = [(f.src_uri, PAGE_COST + len(self.pages[f.src_uri].markdown)) for f in generated]
        _, theirs = parallel.split(weights, 2)
        self._counter = parallel.SharedCounter(2)
        worker = parallel.Worker.fork()
        if worker is not None:  # the parent: leave the child's pages alone
            self._worker = worker
            for f in generated:
                if f.src_uri in theirs:
                    f.kb_elsewhere = True
            return
        mkdocs_adapter.skip_unowned(files, theirs)
        config.theme.static_templates.clear()
        config["extra_templates"] = []
        self._warnings = _WarningCounter()
        logging.getLogger("mkdocs").addHandler(self._warnings)

    def on_env(self, env, config, files):
        # A dirty rebuild does not read unchanged pages, so their titles would be missing
        # from the navigation of the pages it renders: read the sources of those in the nav.
        nav = self._nav
        for page in nav.pages if nav is not None else ():
            if page.markdown is None:
                page.read_source(config)
        if self.serving is not None:
            env.bytecode_cache = self.serving.template_code()
        elif self.cache is not None:
            env.bytecode_cache = self.cache.template_code()
        # The theme's own templates, under "theme/" (kb's partials wrap them).
        ours = (config.theme.custom_dir, str(site_theme.THEME_DIR))
        partials.install(env, [d for d in config.theme.dirs if d not in ours],
                         [p.file.src_uri for p in nav.pages] if nav is not None else None)
        env.globals["kb_labels"] = labels_for(site_language(config.theme.get("language")))  # for theme partials
        return env

    def on_pre_page(self, page, config, files):
        if page.file.src_uri in self.pages:
            if not mkdocs_adapter.supported():
                raise PluginError("kb: this MkDocs lacks the page internals kb relies on (kb needs MkDocs 1.6)")
            if self._converter is None:
                self._converter = mkdocs_adapter.SharedConverter(config)
            page.render = lambda config, files, page=page: self._converter.render(page, files)
        return page

    def on_page_content(self, html: str, page, config, files):
        if self._counter is not None:
            self._counter.add(1 if parallel.in_child() else 0)
            if parallel.parent_gone():  # the build was interrupted: nothing will use these pages
                parallel.exit_child(1)
        if self.progress and not parallel.in_child():
            self._rendered += 1
            done = self._counter.total() if self._counter is not None else self._rendered
            self.progress("render", min(done, self._to_render), self._to_render)
        generated = self.pages.get(page.file.src_uri)
        if generated is not None:
            theme_guard.guard_toc(page.toc)  # the ids sanitize_html gives the headings
            return generated.fill_cleaned(html, sanitize_html)
        return html

    def on_post_page(self, output: str, page, config):
        if self._counter is not None:  # a full build: the HTML is written next, nothing reads it again
            page.content = None
        output, wired = site_theme.wire_search(output)
        if not wired:
            self._unwired += 1
        return theme_guard.inert_ellipsis(output)

    # -- after the pages -----------------------------------------------------------------
    @event_priority(100)  # before any plugin's post-build work: that is the parent's
    def _end_of_child(self, config):
        if parallel.in_child():
            warnings = getattr(self, "_warnings", None)
            parallel.exit_child(parallel.Worker.EXIT_STRICT if config.strict and warnings and warnings.count else 0)

    def _post_build(self, config):
        worker, self._worker = self._worker, None
        if worker is not None:  # the other half of the pages
            try:
                worker.wait()
            except parallel.WorkerFailed as e:
                raise PluginError(f"kb: {e}") from None
            if self.progress:
                self.progress("render", self._to_render, self._to_render)
        if self._counter is not None:
            self._counter.close()
            self._counter = None
        if self.generated is None:
            return
        if self._unwired:
            log.warning("kb: %d pages have no Material search configuration to point at kb's search worker "
                        "(a main.html of the site's own replaces Material's?): their search box will not "
                        "find anything", self._unwired)
        record = self._record
        if record is not None:
            for uri in record.removed():  # an entry or tag that is gone: its old page goes too
                if self._files.get_file_from_path(uri) is None:
                    stale = mkdocs_adapter.dest_path(config, uri)
                    if os.path.isfile(stale):
                        os.remove(stale)
        self._write_indexes(config)
        if record is not None and self.serving is not None:
            self.serving.commit(config.site_dir, record)
        outdir.write_marker(config.site_dir)
        self.session.end_build()
        if record is not None and self.cache is not None:
            self.cache.built(self.session.store, record)
        if self._kept_files is not None:
            self._kept_files.written()
        if self.serving is not None:
            self.serving.built()

    on_post_build = CombinedEvent(_end_of_child, _post_build)

    def _write_indexes(self, config) -> None:
        generated, docs = self.generated, self._docs
        if self.progress:
            self.progress("index", 0, len(generated.entries))
        index_dir = siteindex.index_dir(config.site_dir, serving=self.serving is not None)
        job, self._index_job = self._index_job, None

        def move(scratch: Path) -> None:
            if self.cache is not None:  # what the child derived, for the next build
                self.cache.keep_part(indexjob.take_back(scratch, self.session.store))
            if not self.session.restored:
                search_box.move_into(scratch / "site", config.site_dir)
            if self.config.search_index:
                siteindex.put(scratch / "index", index_dir)

        waited = time.perf_counter()
        finished = job is not None and job.finish(move)
        if job is not None:  # how long the pages waited for the indexes: which process is the longer one
            log.debug("kb: the index child was waited for %.1f s (%s)", time.perf_counter() - waited,
                      "done" if finished else "failed: the indexes are built here")
        if finished:
            if self.session.restored:  # the browser index the session holds, updated here (the child's is whoosh)
                analysis = pipeline.analysis(generated, docs, self.session)
                search_box.write(config.site_dir, _browser_index(self.session, analysis, config))
        else:
            analysis = pipeline.analysis(generated, docs, self.session)
            index = _browser_index(self.session, analysis, config)
            search_box.write(config.site_dir, index)  # the site's search box
            if self.config.search_index:
                if self.serving is not None:
                    # The preview's search box uses the browser index written above; the whoosh
                    # index (for `kb search`) follows in a background process.
                    self.serving.index_in_background(docs, generated.analyzer.words, generated.glossary, index_dir)
                else:
                    search.build_index(docs, index_dir, analysis, self._previous_index()).close()
                    outdir.write_marker(index_dir)
        if self.config.search_index and self.serving is None:
            siteindex.write_sources(index_dir, pipeline.sources(self.settings(config), generated.entries))
        if self.progress:
            self.progress("index", len(docs), len(docs))

    def _previous_index(self) -> Path | None:
        """The whoosh index of the site this build replaces, which it updates rather than
        writes whole (`kb build` with its cache; a cold build writes it whole)."""
        return siteindex.index_dir(self.cache.site_dir) if self.cache is not None else None

    def on_build_error(self, error):
        if parallel.in_child():
            parallel.exit_child(1)  # MkDocs logged the error; the parent reports the failure
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()
        job, self._index_job = self._index_job, None
        if job is not None:
            job.cancel()


def _browser_index(session: Session, analysis, config) -> browser_index.BrowserIndex:
    """The browser index, updated from the one the session holds (when it holds one)."""
    return session.store.derive(browser_index.build, analysis, search_box.material_config(config),
                                same=browser_index.same_files)


def _start_index_job(gathered: pipeline.Gathered, session: Session, config, whoosh: bool, keep: bool,
                     previous: Path | None):
    """`keep`: the child hands what it derived back to the parent's store (`kb build`'s cache);
    `previous`: the whoosh index the child updates (index_update.py).
    A session restored from that cache holds every document's analysis and the browser index:
    the parent updates the browser index, the child writes only the whoosh index."""
    restored = session.restored

    def prepare():
        mark = session.store.mark() if keep and not restored else None
        docs = pipeline.search_docs(gathered.entries, None, session)
        if not session.restored:  # remembered: only documents with errors are cut again
            pipeline.analysis(gathered, docs, session)  # (a restored session has them with their errors)
        return docs, mark

    def build(prepared, errors, scratch: Path) -> None:
        docs, mark = prepared
        docs = indexjob.with_errors(docs, errors)
        analysis = pipeline.analysis(gathered, docs, session)
        if not restored:
            search_box.write(scratch / "site", _browser_index(session, analysis, config))
        if mark is not None:  # whoosh's index derives nothing the store keeps: handed back before it
            indexjob.hand_back(scratch, session.store.since(mark))
            session.store.forget_since(mark)  # the browser index's state makes room for whoosh's postings
        if whoosh:
            search.build_index(docs, scratch / "index", analysis, previous).close()

    return indexjob.IndexJob.start(config.site_dir, prepare, build)


def _frame(config, files: Files, pages: dict) -> str:
    """What every page shows besides its own content: the configuration, theme and
    navigation, the titles of the site author's pages, of generated pages the navigation
    names without a title.  A change renders every page again."""
    h = hashlib.blake2b(config_fingerprint(config).encode(), digest_size=16)
    for f in files.documentation_pages():
        if f.src_uri not in pages and f.abs_src_path and os.path.isfile(f.abs_src_path):
            h.update(f"{f.src_uri}\0".encode() + Path(f.abs_src_path).read_bytes() + b"\0")
    for uri in sorted(mkdocs_adapter.untitled_nav_uris(config.nav)):
        if uri in pages:
            h.update(f"{uri}\0{pages[uri].digest}\0".encode())
    return h.hexdigest()


def _report(generated: Generated, options) -> None:
    corpus = generated.corpus
    for finding in corpus.findings:
        if finding.severity.value == "error":
            log.warning("kb: %s: %s", clean(finding.location()), clean(finding.message))
    if corpus.skipped and options.strict:
        raise PluginError("kb: %d content files were skipped (strict mode):\n%s" % (
            len(corpus.skipped), "\n".join(f"  {clean(s.path)}: {clean(s.reason)}" for s in corpus.skipped)))
    unresolved = generated.graph.unresolved
    if unresolved:
        log.info("kb: %d references could not be resolved to entries", len(unresolved))
        if options.strict_references:
            raise PluginError("kb: unresolved references (strict_references):\n" + "\n".join(
                f"  {entry_id}: {clean(ref.text)}" for entry_id, ref in unresolved[:50]))


class _WarningCounter(logging.Handler):
    """Warnings logged in the child of a two-process render (strict mode fails on them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
