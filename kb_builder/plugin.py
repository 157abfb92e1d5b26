"""The `kb` MkDocs plugin: thin glue between MkDocs hooks and the pipeline."""
from __future__ import annotations

import gc
import logging
import os
import posixpath
import re
import shutil
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from . import outdir, parallel, partials
from .cache import PageRecord, config_fingerprint
from .i18n import labels_for, site_language
from .pages import CATEGORY_DIR, ERROR_PAGE, HOME, HUB_DIR, TAG_DIR
from .pipeline import Generated, Settings, generate, search_docs
from .safe import sanitize_html
from .schema import MAX_KEYWORDS, MAX_TAGS
from .sitebuild import CONTENT_ENV, NoDirtyWarning
from .terminal import clean

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
    max_tags = c.Type(int, default=MAX_TAGS)  # per entry: the rest are dropped with a warning
    max_keywords = c.Type(int, default=MAX_KEYWORDS)


class KbPlugin(BasePlugin[KbPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.generated: Generated | None = None
        self.generated_uris: set[str] = set()
        self.content_override: str | None = None  # set by `kb build --content`
        self.progress = None  # a pipeline.ProgressFn, set by `kb build` (see progress.py)
        # Set by `kb build`, which runs MkDocs in dirty mode into an empty directory:
        # the pages may then be rendered by two processes (parallel.py).
        self.parallel = False
        self._worker: parallel.Worker | None = None
        self._counter: parallel.SharedCounter | None = None
        self._rendered = self._to_render = 0

    # -- configuration -------------------------------------------------------------
    def on_startup(self, *, command, dirty) -> None:
        global _SERVING
        if command == "serve":  # rebuilds follow in this process: remember what they can reuse
            from . import analyze, ingest, normalize, pages, pipeline

            _SERVING = True
            analyze.keep_segments(True)
            ingest.remember_reads(True)
            pages.keep_renders(True)
            normalize.keep_normalized(True)
            pipeline.keep_search_docs(True)
            # MkDocs warns that dirty builds leave navigation and links stale; the kb
            # plugin re-renders every page whose content changed (cache.PageRecord).
            build_log = logging.getLogger("mkdocs.commands.build")
            if not any(isinstance(f, NoDirtyWarning) for f in build_log.filters):
                build_log.addFilter(NoDirtyWarning())

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
            max_tags=self.config.max_tags,
            max_keywords=self.config.max_keywords,
        )

    def on_config(self, config):
        from . import browser_index

        # Our worker answers the search box; Material's plugin need not segment every page.
        browser_index.mute_material_search(config)
        try:  # `mkdocs build` empties site_dir before kb's hooks write anything (outdir.py)
            outdir.check_target(config.site_dir, outdir.protected(self.content_dir(config), config.config_file_path))
        except outdir.UnsafeTarget as e:
            raise PluginError(f"kb: site_dir {clean(e)}") from None
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
            raise PluginError(f"kb: content directory '{clean(content)}' does not exist")
        settings = self.settings(config)
        self._glossary_files = [settings.glossary_file] if settings.glossary_file else []
        self._index_job = None

        def start_indexes(entries) -> None:
            # The search indexes need the entries and, from the link graph, only their
            # error signatures: a forked child segments every document while this
            # process links and renders, is sent the signatures, and builds both
            # indexes (on_post_build collects them).
            self._index_job = _IndexJob.start(entries, self._glossary_files, config,
                                              whoosh=self.config.search_index)

        def linked(entries, graph) -> None:
            self._docs = search_docs(entries, graph)
            if self._index_job is not None:
                self._index_job.send_errors(self._docs)

        generated = generate(settings, **({"progress": self.progress} if self.progress else {}),
                             normalized=start_indexes, gathered=linked)
        self.generated = generated
        corpus = generated.corpus
        for finding in corpus.findings:
            if finding.severity.value == "error":
                log.warning("kb: %s: %s", clean(finding.location()), clean(finding.message))
        if corpus.skipped and self.config.strict:
            raise PluginError("kb: %d content files were skipped (strict mode):\n%s" % (
                len(corpus.skipped), "\n".join(f"  {clean(s.path)}: {clean(s.reason)}" for s in corpus.skipped)))
        unresolved = generated.graph.unresolved
        if unresolved:
            log.info("kb: %d references could not be resolved to entries", len(unresolved))
            if self.config.strict_references:
                raise PluginError("kb: unresolved references (strict_references):\n" + "\n".join(
                    f"  {entry_id}: {clean(ref.text)}" for entry_id, ref in unresolved[:50]))
        if self.provided_nav:
            # Pages the site author wrote in docs/ follow the generated sections.
            config.nav.extend(f.src_uri for f in files.documentation_pages()
                              if f.src_uri not in generated.pages)
        in_nav = _nav_uris(config.nav)
        self.generated_uris = set()
        # Live preview (dirty rebuilds): pages whose markdown is as last time are not rendered again.
        self.page_record = PageRecord(config.site_dir, config_fingerprint(config))
        self._files = files
        for uri, markdown in generated.pages.items():
            if files.get_file_from_path(uri) is not None:
                continue  # a page the site author wrote wins over a generated one
            inclusion = InclusionLevel.UNDEFINED if uri in in_nav else InclusionLevel.NOT_IN_NAV
            file = _GeneratedFile.generated(config, uri, content=markdown, inclusion=inclusion)
            file.kb_unchanged = self.page_record.unchanged(uri, markdown, file.abs_dest_path)
            files.append(file)
            self.generated_uris.add(uri)
        self._rendered, self._to_render = 0, len(files.documentation_pages())
        return files

    def on_nav(self, nav, config, files):
        self._nav = nav
        if self.parallel and not _SERVING and self.generated is not None and parallel.can_fork():
            self._render_in_two_processes(config, files)
        return nav

    def _render_in_two_processes(self, config, files: Files) -> None:
        """Fork: this process and a child each render about half of the pages.

        The pages of the author's docs/ and static files stay here; the generated
        pages are split by size.  (The search indexes are a third process's work,
        `_IndexJob`.)"""
        generated = [f for f in files.documentation_pages() if f.src_uri in self.generated_uris]
        if len(generated) < 2:
            return
        weights = [(f.src_uri, _PAGE_COST + len(self.generated.pages[f.src_uri])) for f in generated]
        _, theirs = parallel.split(weights, 2)
        self._counter = parallel.SharedCounter(2)
        worker = parallel.Worker.fork()
        if worker is not None:  # the parent: leave the child's pages alone
            self._worker = worker
            for f in generated:
                if f.src_uri in theirs:
                    f.kb_elsewhere = True
            return
        # The child: only its pages; static files, theme templates and post-build
        # work (indexes, sitemap) are the parent's.
        for f in files:
            if isinstance(f, _GeneratedFile):
                f.kb_elsewhere = f.src_uri not in theirs
            else:
                f.is_modified = _unmodified  # type: ignore[method-assign]
        config.theme.static_templates.clear()
        config["extra_templates"] = []
        self._warnings = _WarningCounter()
        logging.getLogger("mkdocs").addHandler(self._warnings)

    def on_env(self, env, config, files):
        # A dirty rebuild does not read unchanged pages, so their titles would be missing
        # from the navigation of the pages it renders: read the sources of those in the nav.
        for page in getattr(self, "_nav", None).pages if getattr(self, "_nav", None) else ():
            if page.markdown is None:
                page.read_source(config)
        if _SERVING:
            env.bytecode_cache = _template_code()
        custom = config.theme.custom_dir
        nav = getattr(self, "_nav", None)
        partials.install(env, [d for d in config.theme.dirs if d != custom],
                         [p.file.src_uri for p in nav.pages] if nav is not None else None)
        return env

    def on_pre_page(self, page, config, files):
        if page.file.src_uri in self.generated_uris:
            if not _REUSE_MARKDOWN:
                raise PluginError("kb: this MkDocs lacks the page internals kb relies on (kb needs MkDocs 1.6)")
            page.render = lambda config, files, page=page: self._render_generated(page, config, files)
        return page

    def _render_generated(self, page, config, files) -> None:
        """`Page.render` with one Markdown converter for all generated pages.

        MkDocs builds a new converter, with every extension, for each page; reset
        between pages, one converter gives the same HTML at a fraction of the cost."""
        from mkdocs.structure import pages as mk
        from mkdocs.structure.toc import get_toc

        md = getattr(self, "_markdown", None)
        if md is None:
            import markdown

            md = self._markdown = markdown.Markdown(extensions=config["markdown_extensions"],
                                                    extension_configs=config["mdx_configs"] or {})
        md.reset()
        raw_html = mk._RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = mk._ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative = mk._RelativePathTreeprocessor(page.file, files, config)
        relative._register(md)
        title = mk._ExtractTitleTreeprocessor()
        title._register(md)
        md.preprocessors.register(_EntryListStash(md, page.file, files), "kb_entry_lists", 25)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if mk.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors

    def on_page_content(self, html: str, page, config, files):
        if self._counter is not None:
            self._counter.add(1 if parallel.in_child() else 0)
            if parallel.parent_gone():  # the build was interrupted: nothing will use these pages
                parallel.exit_child(1)
        if self.progress and not parallel.in_child():
            self._rendered += 1
            done = self._counter.total() if self._counter is not None else self._rendered
            self.progress("render", min(done, self._to_render), self._to_render)
        if page.file.src_uri in self.generated_uris:
            return sanitize_html(html)
        return html

    def on_post_page(self, output: str, page, config):
        if self._counter is not None:  # a full build: the HTML is written next, nothing reads it again
            page.content = None
        return output

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
        record = getattr(self, "page_record", None)
        if record is not None:
            for uri in record.removed():  # an entry or tag that is gone: its old page goes too
                if self._files.get_file_from_path(uri) is None:
                    stale = File(uri, src_dir=None, dest_dir=config.site_dir,
                                 use_directory_urls=config.use_directory_urls).abs_dest_path
                    if os.path.isfile(stale):
                        os.remove(stale)
        from . import browser_index, search

        if self.progress:
            self.progress("index", 0, len(self.generated.entries))
        docs, glossary_files = self._docs, self._glossary_files  # both set by on_files
        index_dir = search.index_dir_for_site(config.site_dir)
        job, self._index_job = self._index_job, None
        if job is None or not job.finish(config.site_dir, index_dir if self.config.search_index else None):
            # Each document segmented once, for both indexes.
            analysis = search.analyse_docs(docs, glossary_files)
            browser_index.write(config.site_dir, docs, config,  # the site's search box
                                glossary_files=glossary_files, analysis=analysis)
            if self.config.search_index:
                if _SERVING:
                    # The preview's search box uses the browser index written above; the
                    # whoosh index (for `kb search`) follows in a background process, so
                    # the browser reloads without waiting for it.
                    _start_background_index(docs, index_dir, glossary_files)
                else:
                    search.build_index(docs, index_dir, glossary_files=glossary_files, analysis=analysis)
        if self.progress:
            self.progress("index", len(docs), len(docs))
        if record is not None:
            record.commit()
        outdir.write_marker(config.site_dir)
        if _SERVING:
            _settle_heap()

    on_post_build = CombinedEvent(_end_of_child, _post_build)

    def on_build_error(self, error):
        if parallel.in_child():
            parallel.exit_child(1)  # MkDocs logged the error; the parent reports the failure
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()
        job, self._index_job = getattr(self, "_index_job", None), None
        if job is not None:
            job.cancel()

    def on_serve(self, server, config, builder):
        server.watch(str(self.content_dir(config)))
        return server


_SERVING = False  # `kb serve`: the indexes are built in-process, reusing remembered segmentations
_TEMPLATE_CODE: list = []


def _template_code():
    """`kb serve`: compiled templates kept between rebuilds.  MkDocs makes a new Jinja
    environment for every build, which compiled the theme's ~120 templates each time;
    Jinja checks each template's source checksum, so an edited template is compiled again."""
    if not _TEMPLATE_CODE:
        import jinja2

        class MemoryCode(jinja2.BytecodeCache):
            def __init__(self) -> None:
                self.store: dict[str, bytes] = {}

            def load_bytecode(self, bucket) -> None:
                data = self.store.get(bucket.key)
                if data is not None:
                    bucket.bytecode_from_string(data)

            def dump_bytecode(self, bucket) -> None:
                self.store[bucket.key] = bucket.bytecode_to_string()

        _TEMPLATE_CODE.append(MemoryCode())
    return _TEMPLATE_CODE[0]


_background_index: dict = {}  # index dir -> the process writing it under `kb serve`
# The job file is read and removed first, then the child ties its life to kb serve's
# (a kill -9 of kb serve left it indexing at full CPU).
_INDEX_CHILD = (
    "import os, pickle, sys\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    job = f.read()\n"
    "os.remove(sys.argv[1])\n"
    "from kb_builder.parallel import die_with_parent\n"
    "die_with_parent(int(sys.argv[2]))\n"
    "from kb_builder import search\n"
    "docs, index_dir, glossary_files = pickle.loads(job)\n"
    "search.build_index(docs, index_dir, glossary_files=glossary_files)\n"
)


def _start_background_index(docs, index_dir: Path, glossary_files: list) -> None:
    """Write the whoosh index in a separate process; a newer rebuild replaces an unfinished one."""
    import pickle
    import shutil
    import subprocess
    import sys
    import tempfile

    index_dir = Path(index_dir)
    running = _background_index.pop(str(index_dir), None)
    if running is not None and running.poll() is None:
        running.terminate()
        running.wait(10)
    for stale in index_dir.parent.glob(f".{index_dir.name}.tmp-*"):  # left by a terminated writer
        shutil.rmtree(stale, ignore_errors=True)
    fd, job = tempfile.mkstemp(prefix="kb-index-job-", suffix=".pickle")
    with os.fdopen(fd, "wb") as f:
        pickle.dump((list(docs), str(index_dir), [str(g) for g in glossary_files]), f)
    # A fresh interpreter, not a fork: the live-reload server runs threads in this process.
    # Quiet: `kb serve` may stop (and MkDocs delete its temporary site) before it is done.
    _background_index[str(index_dir)] = subprocess.Popen(
        [sys.executable, "-c", _INDEX_CHILD, job, str(os.getpid())], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


_HEAP_SETTLED = False
_THRESHOLDS: list[int] = []  # the collector's thresholds before kb serve changed them


def _settle_heap() -> None:
    """kb serve, after the first build: collect once, then keep what survived (jieba's
    dictionary, the remembered reads, segmentations, renders and search index) out of the
    garbage collector's full passes.  Without this, a full pass over those millions of
    long-lived objects lands in most rebuilds (0.3-0.5 s a save at 5,000 entries)."""
    global _HEAP_SETTLED
    if not _HEAP_SETTLED:
        gc.collect()
        gc.freeze()
        # What stays unfrozen is small, so full passes would come several times a save:
        # let them come about every tenth of the collections of the middle generation.
        _THRESHOLDS[:] = gc.get_threshold()
        young, middle, old = _THRESHOLDS
        gc.set_threshold(young, middle, max(old, 100))
        _HEAP_SETTLED = True


def stop_serving() -> None:
    """Leave `kb serve` mode: later builds in this process behave like `kb build` again."""
    global _SERVING, _HEAP_SETTLED
    from . import analyze, ingest, normalize, pages, pipeline

    wait_for_background_index()
    _SERVING = False
    if _HEAP_SETTLED:
        gc.unfreeze()
        gc.set_threshold(*_THRESHOLDS)
        _HEAP_SETTLED = False
    analyze.keep_segments(False)
    ingest.remember_reads(False)
    pages.keep_renders(False)
    normalize.keep_normalized(False)
    pipeline.keep_search_docs(False)


def wait_for_background_index(timeout: float | None = None) -> bool:
    """Wait for the `kb serve` whoosh indexes; True when all finished well (or none was running)."""
    import subprocess

    ok = True
    for process in list(_background_index.values()):
        try:
            ok = process.wait(timeout) == 0 and ok
        except subprocess.TimeoutExpired:
            ok = False
    return ok


class _IndexJob:
    """Both search indexes built in a forked child process while MkDocs renders the pages.

    The child segments every document once (`search.analyse_docs`), writes the
    browser index into a scratch site and the whoosh index beside it; `finish`
    moves them into the site.  Whenever anything fails the parent builds them
    itself, the same way."""

    def __init__(self, worker: parallel.Worker, tmp: Path, pipe: int):
        self.worker, self.tmp, self.pipe = worker, tmp, pipe

    @classmethod
    def start(cls, entries, glossary_files, config, whoosh: bool = True) -> "_IndexJob | None":
        """Fork the child with the search documents of `entries`, whose error signatures
        are still to come (`send_errors`)."""
        if _SERVING or not parallel.can_fork():
            return None  # e.g. under `kb serve` (server threads): built in-process
        import tempfile

        docs = search_docs(entries, None)  # only when there is a child to give them to

        site = Path(config.site_dir)
        site.mkdir(parents=True, exist_ok=True)
        # Inside the site being built: moved out of it on the same file system, and
        # removed with it should the build be killed.
        tmp = Path(tempfile.mkdtemp(prefix=".kb-index-", dir=site))
        read_end, write_end = os.pipe()
        try:
            worker = parallel.Worker.fork()
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            os.close(read_end)
            os.close(write_end)
            return None
        if worker is None:  # the child: build, report, exit without running any parent cleanup
            code = 1
            try:
                os.close(write_end)
                import dataclasses
                import pickle

                from . import browser_index, search

                # Segmenting is most of the work and needs no signatures (they teach
                # the segmenter no words); the few documents that have some are
                # analysed again once they arrive, exactly as a whole analysis would.
                analysis = search.analyse_docs(docs, glossary_files)
                with os.fdopen(read_end, "rb") as pipe:
                    errors = pickle.loads(pipe.read())  # EOF without data: the parent gave up
                docs = [dataclasses.replace(d, errors=errors[d.id]) if d.id in errors else d for d in docs]
                analysis = dataclasses.replace(analysis, docs=tuple(docs), terms=tuple(
                    search.doc_terms(d) if d.id in errors else t for d, t in zip(docs, analysis.terms)))
                browser_index.write(tmp / "site", docs, config, glossary_files=glossary_files, analysis=analysis)
                if whoosh:
                    search.build_index(docs, tmp / "index", glossary_files=glossary_files, analysis=analysis).close()
                (tmp / "done").write_text("ok")
                code = 0
            except BaseException:  # noqa: BLE001 - the parent builds the indexes itself
                pass
            finally:
                os._exit(code)
        os.close(read_end)
        return cls(worker, tmp, write_end)

    def send_errors(self, docs) -> None:
        """The error signatures of the final documents (the rest of each is what the child has)."""
        import pickle

        payload = pickle.dumps({d.id: d.errors for d in docs if d.errors})
        try:
            with os.fdopen(self.pipe, "wb") as pipe:
                pipe.write(payload)
        except OSError:
            pass  # the child is gone: finish() sees it and the indexes are built here
        self.pipe = -1

    def finish(self, site_dir, index_dir: Path | None) -> bool:
        """Move the child's indexes into `site_dir`; False when it did not finish them."""
        from . import browser_index

        self._close_pipe()
        try:
            self.worker.wait()
            if not (self.tmp / "done").is_file():
                return False
            browser_index.move_into(self.tmp / "site", site_dir)
            if index_dir is not None:
                index_dir = Path(index_dir)
                if index_dir.exists():
                    shutil.rmtree(index_dir)
                index_dir.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(self.tmp / "index"), str(index_dir))
            return True
        except (OSError, parallel.WorkerFailed):
            return False
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _close_pipe(self) -> None:
        if self.pipe >= 0:
            os.close(self.pipe)  # never sent: the child reads EOF and gives up
            self.pipe = -1

    def cancel(self) -> None:
        self._close_pipe()
        self.worker.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


class _GeneratedFile(File):
    """A generated page that MkDocs' dirty builds skip when its markdown is unchanged
    (cache.PageRecord) or when the other process of a two-process render owns it."""

    kb_unchanged = False
    kb_elsewhere = False

    def is_modified(self) -> bool:
        return not self.kb_unchanged and not self.kb_elsewhere and super().is_modified()


class _EntryListStash:
    """Python-Markdown preprocessor: the entry lists `pages.entry_block` writes go into
    the page as they are (no HTML parsing), their `.md` links turned into page URLs
    the way MkDocs turns markdown links into URLs.

    Only a block whose every line is an item exactly as `pages` writes it (escaped
    text, no other markup) is passed through; anything else is left to Markdown."""

    def __init__(self, md, file: File, files: Files):
        self.md, self.file, self.files = md, file, files

    def run(self, lines: list[str]) -> list[str]:
        from .pages import ENTRY_LIST_END, ENTRY_LIST_START

        out: list[str] = []
        i, n = 0, len(lines)
        while i < n:
            if lines[i] == ENTRY_LIST_START:
                j = i + 1
                while j < n and _ENTRY_ITEM.fullmatch(lines[j]):
                    j += 1
                if j < n and j > i + 1 and lines[j] == ENTRY_LIST_END:
                    block = "\n".join(lines[i:j + 1])
                    out.extend(("", self.md.htmlStash.store(_HREF.sub(self._url, block)), ""))
                    i = j + 1
                    continue
            out.append(lines[i])
            i += 1
        return out

    def _url(self, m) -> str:
        from mkdocs.utils import get_relative_url

        target = m.group(1)
        path, _, fragment = target.partition("#")
        found = self.files.get_file_from_path(
            posixpath.normpath(posixpath.join(posixpath.dirname(self.file.src_uri), path)))
        if found is None:
            log.warning("kb: '%s' links to '%s', which is not in the site", self.file.src_uri, target)
            return m.group(0)
        url = get_relative_url(found.url, self.file.url)
        return f'href="{url}{"#" + fragment if fragment else ""}"'


_ENTRY_ITEM = re.compile(r'<li><a href="[^"<>]*">[^<>]*</a>(?: <small class="kb-date">[^<>]*</small>)?'
                         r'(?:<br><span class="kb-desc">[^<>]*</span>)?</li>')
_HREF = re.compile(r'href="([^":#<>]+\.md(?:#[^"<>]*)?)"')


def _can_reuse_markdown() -> bool:
    """The MkDocs internals `_render_generated` mirrors are those of the pinned MkDocs."""
    try:
        from mkdocs.structure import pages as mk

        return all(hasattr(mk, n) for n in ("_RawHTMLPreprocessor", "_ExtractAnchorsTreeprocessor",
                                             "_RelativePathTreeprocessor", "_ExtractTitleTreeprocessor", "log"))
    except ImportError:
        return False


_REUSE_MARKDOWN = _can_reuse_markdown()


def _unmodified() -> bool:
    return False


# Splitting the pages between two processes: a page costs about as much as this many
# characters of markdown before its text (template, extensions).
_PAGE_COST = 1500


class _WarningCounter(logging.Handler):
    """Warnings logged in the child of a two-process render (strict mode fails on them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


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
