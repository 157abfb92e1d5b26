"""The `kb` MkDocs plugin: thin glue between MkDocs hooks and the pipeline."""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .cache import PageRecord, config_fingerprint
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
    def on_startup(self, *, command, dirty) -> None:
        global _SERVING
        if command == "serve":  # rebuilds follow in this process: remember what they can reuse
            from . import analyze, ingest, pages

            _SERVING = True
            analyze.keep_segments(True)
            ingest.remember_reads(True)
            pages.keep_renders(True)
            # MkDocs warns that dirty builds leave navigation and links stale; the kb
            # plugin re-renders every page whose content changed (cache.PageRecord).
            build_log = logging.getLogger("mkdocs.commands.build")
            if not any(isinstance(f, _DirtyWarningFilter) for f in build_log.filters):
                build_log.addFilter(_DirtyWarningFilter())

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
        from . import browser_index

        # Our worker answers the search box; Material's plugin need not segment every page.
        browser_index.mute_material_search(config)
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
        # The whoosh index does not depend on the rendered pages: build it on the
        # other core while MkDocs renders (on_post_build collects it).
        self._docs = search_docs(generated.entries, generated.graph)
        self._index_job = None
        if self.config.search_index:
            glossary = self.settings(config).glossary_file
            self._index_job = _IndexJob.start(self._docs, [glossary] if glossary else [])
        return files

    def on_nav(self, nav, config, files):
        self._nav = nav
        return nav

    def on_env(self, env, config, files):
        # A dirty rebuild does not read unchanged pages, so their titles would be missing
        # from the navigation of the pages it renders: read the sources of those in the nav.
        for page in getattr(self, "_nav", None).pages if getattr(self, "_nav", None) else ():
            if page.markdown is None:
                page.read_source(config)
        return env

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
        docs = getattr(self, "_docs", None) or search_docs(self.generated.entries, self.generated.graph)
        glossary = self.settings(config).glossary_file
        browser_index.write(config.site_dir, docs, config,  # the site's search box
                            glossary_files=[glossary] if glossary else ())
        if self.config.search_index:
            job, self._index_job = getattr(self, "_index_job", None), None
            index_dir = search.index_dir_for_site(config.site_dir)
            if _SERVING:
                # The preview's search box uses the browser index written above; the
                # whoosh index (for `kb search`) follows in a background process, so
                # the browser reloads without waiting for it.
                _start_background_index(docs, index_dir, [glossary] if glossary else [])
            elif job is None or not job.finish(index_dir):
                search.build_index(docs, index_dir, glossary_files=[glossary] if glossary else ())
        if self.progress:
            self.progress("index", len(docs), len(docs))
        if record is not None:
            record.commit()

    def on_build_error(self, error):
        job, self._index_job = getattr(self, "_index_job", None), None
        if job is not None:
            job.cancel()

    def on_serve(self, server, config, builder):
        server.watch(str(self.content_dir(config)))
        return server


_SERVING = False  # `kb serve`: the indexes are built in-process, reusing remembered segmentations
_background_index: dict = {}  # index dir -> the process writing it under `kb serve`
_INDEX_CHILD = (
    "import os, pickle, sys\n"
    "from kb_builder import search\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    docs, index_dir, glossary_files = pickle.load(f)\n"
    "os.remove(sys.argv[1])\n"
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
        [sys.executable, "-c", _INDEX_CHILD, job], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_serving() -> None:
    """Leave `kb serve` mode: later builds in this process behave like `kb build` again."""
    global _SERVING
    from . import analyze, ingest, pages

    wait_for_background_index()
    _SERVING = False
    analyze.keep_segments(False)
    ingest.remember_reads(False)
    pages.keep_renders(False)


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


class _DirtyWarningFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "A 'dirty' build is being performed" not in record.getMessage()


class _IndexJob:
    """`search.build_index` in a forked child process, run while MkDocs renders the pages.

    The child teaches the segmenter the words `browser_index.write` teaches before
    the whoosh index is built in-process, so it cuts text exactly as the sequential
    build; `finish` checks that (jieba's dictionary total must match) and returns
    False, leaving the index to be built in-process, whenever anything differs."""

    def __init__(self, pid: int, tmp: Path):
        self.pid, self.tmp = pid, tmp

    @classmethod
    def start(cls, docs, glossary_files) -> "_IndexJob | None":
        import threading

        if _SERVING or not hasattr(os, "fork") or threading.active_count() > 1 or (os.cpu_count() or 1) < 2:
            return None  # e.g. under `kb serve` (server threads): build in-process
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="kb-index-"))
        try:
            pid = os.fork()
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            return None
        if pid == 0:  # the child: build, report, exit without running any parent cleanup
            code = 1
            try:
                from . import analyze, search

                words: set[str] = set()
                for doc in docs:
                    words.update(doc.tags)
                    words.update(doc.keywords)
                for group in search.load_glossary(glossary_files):
                    words.update(group)
                analyze.add_words(w for w in words if len(w) <= 16)
                (tmp / "total").write_text(str(analyze.jieba_total()))
                index = search.build_index(docs, tmp / "index", glossary_files=glossary_files)
                index.close()
                code = 0
            except BaseException:  # noqa: BLE001 - the parent builds the index itself
                pass
            finally:
                os._exit(code)
        return cls(pid, tmp)

    def finish(self, index_dir: Path) -> bool:
        from . import analyze

        try:
            _, status = os.waitpid(self.pid, 0)
            total = (self.tmp / "total").read_text() if (self.tmp / "total").is_file() else ""
            if os.waitstatus_to_exitcode(status) != 0 or total != str(analyze.jieba_total()):
                return False
            index_dir = Path(index_dir)
            if index_dir.exists():
                shutil.rmtree(index_dir)
            index_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(self.tmp / "index"), str(index_dir))
            return True
        except OSError:
            return False
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def cancel(self) -> None:
        import signal

        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)


class _GeneratedFile(File):
    """A generated page that MkDocs' dirty builds skip when its markdown is unchanged (cache.PageRecord)."""

    kb_unchanged = False

    def is_modified(self) -> bool:
        return not self.kb_unchanged and super().is_modified()


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
