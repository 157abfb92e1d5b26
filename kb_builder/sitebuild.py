"""Building the site through MkDocs, atomically: a failed build leaves the old site intact."""
from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import buildcache, defaults, outdir, ports, siteindex
from .pipeline import Generated

CONTENT_ENV = "KB_CONTENT_DIR"  # lets `kb serve`/`kb build --content` point the plugin elsewhere


class BuildError(RuntimeError):
    pass


@dataclass
class BuildResult:
    site_dir: Path
    generated: Generated
    seconds: float
    index_dir: Path | None = None  # the whoosh index beside the site (None: not written)
    reused_pages: int = 0  # generated pages copied from the previous site (the build cache), not rendered
    cache: dict | None = None  # the build cache: read or why not, written or why not (None: not used)

    def summary(self) -> dict:
        """What `kb build` reports (`--json`: exactly this)."""
        generated, corpus = self.generated, self.generated.corpus
        return {
            "site_dir": str(self.site_dir), "index_dir": str(self.index_dir) if self.index_dir else None,
            "entries_in": corpus.files_seen, "entry_pages": generated.entry_pages,
            "listing_pages": len(generated.pages) - generated.entry_pages,
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in corpus.skipped],
            "seconds": round(self.seconds, 2), "links": generated.graph.stats, "reused_pages": self.reused_pages,
            "cache": self.cache,
        }

    def cache_line(self) -> str | None:
        """One terminal line: was the build cache read (else why not), and written."""
        c = self.cache
        if c is None:
            return None
        read = (f"read, {self.reused_pages} pages copied from the previous site" if c["read"]
                else f"not read ({c['cold_because']}): a cold build")
        written = "written" if c["written"] else f"NOT written ({c['not_written_because']})"
        return f"build cache {c['file']}: {read}; {written}"


def load_config(config_file: str | Path, content: str | Path | None = None, site_dir: str | Path | None = None,
                site_url: str | None = None):
    from mkdocs.config import load_config as mk_load

    config_path = Path(config_file)
    if not config_path.is_file():
        raise BuildError(f"no MkDocs configuration at '{config_file}' (use --config PATH)")
    overrides = {}
    if site_dir is not None:
        overrides["site_dir"] = str(Path(site_dir).resolve())
    if site_url:
        overrides["site_url"] = site_url
    old = os.environ.get(CONTENT_ENV)
    if content is not None:
        os.environ[CONTENT_ENV] = str(Path(content).resolve())
    try:
        config = mk_load(str(config_path), **overrides)
    finally:
        if content is not None:
            if old is None:
                os.environ.pop(CONTENT_ENV, None)
            else:
                os.environ[CONTENT_ENV] = old
    plugin = config.plugins.get("kb")
    if plugin is None:
        raise BuildError(f"'{config_file}' does not enable the kb plugin (plugins: [kb])")
    # MkDocs keeps plugin instances between loads in one process: reset what a build sets.
    plugin.content_override = str(Path(content).resolve()) if content is not None else None
    plugin.progress = None
    plugin.parallel = False
    plugin.cache = None
    return config, plugin


@contextmanager
def configuration(config_file: str | Path | None, content: str | Path | None = None, lang: str | None = None,
                  site_url: str | None = None) -> Iterator[Path]:
    """The configuration file to build with: `config_file`, or (None) a temporary one with
    the built-in configuration for the entries in `content` (default: ``content``)."""
    if config_file is not None:
        yield Path(config_file)
        return
    with defaults.config_file(content or "content", lang, site_url) as path:
        yield path


def setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    logger = logging.getLogger("mkdocs")
    handler = next((h for h in logger.handlers if getattr(h, "_kb", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._kb = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    # Quiet hides warnings from the terminal only: `strict: true` still counts them.
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    handler.setLevel(logging.ERROR if quiet else logging.NOTSET)
    logger.propagate = False


class NoDirtyWarning(logging.Filter):
    """Drops MkDocs' warning about dirty builds: kb's dirty builds render every page whose
    content changed (`kb serve`) or go into an empty directory (`kb build`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "A 'dirty' build is being performed" not in record.getMessage()


def _child_never_returns(pid: int) -> None:
    """A forked rendering process ends in the plugin; should it get here, it must not touch the site."""
    if os.getpid() != pid:
        os._exit(1)


def build_site(config_file: str | Path | None = "mkdocs.yml", content: str | Path | None = None,
               site_dir: str | Path | None = None, strict: bool = False, progress=None,
               processes: int = 2, lang: str | None = None, site_url: str | None = None,
               cache: bool = False) -> BuildResult:
    """Build into a temporary directory beside the target and swap it in on success.

    `config_file`: None builds with the built-in configuration (defaults.py) the
    entries in `content` (default: ``content``); `lang` chooses its language.
    `progress`: a pipeline.ProgressFn told about each stage (see progress.py).
    `processes`: 2 lets pages render in two processes where that is possible.
    `cache`: start from what the last build of this site kept (buildcache.py), and keep
    what this one derives (`kb build`; `--no-cache` builds cold)."""
    if config_file is None:
        with configuration(None, content, lang, site_url) as builtin:
            # Nothing may be written over the current folder, as with a mkdocs.yml in it.
            return _build(builtin, content or "content", site_dir or "site", strict, progress, processes,
                          None, outdir.protected(content or "content", None), cache, None)
    return _build(config_file, content, site_dir, strict, progress, processes, site_url, None, cache, config_file)


def _build(config_file: str | Path, content: str | Path | None, site_dir: str | Path | None, strict: bool,
           progress, processes: int, site_url: str | None, guarded: list | None, cache: bool = False,
           cache_config: str | Path | None = None) -> BuildResult:
    """`cache_config`: the configuration file the cache is named by (None: the built-in one)."""
    import time

    started = time.perf_counter()
    # Checked before MkDocs reads the configuration (which has its own, narrower, checks)
    # and again once the configuration names the content folder.
    if site_dir is not None:
        outdir.check_not_protected(site_dir, guarded or outdir.protected(content, config_file))
    config, plugin = load_config(config_file, content, site_dir, site_url)
    if strict:
        plugin.config.strict = True
    plugin.progress = progress
    final = Path(config.site_dir).resolve()
    protected = guarded or outdir.protected(plugin.content_dir(config), config.config_file_path)
    outdir.check_target(site_dir if site_dir is not None else final, protected)
    index = siteindex.index_dir(final)
    if plugin.config.search_index:
        outdir.check_target(index, protected)
    outdir.clean_leftovers(final)
    tmp = outdir.temp_dir(final, "building")
    built_index = siteindex.index_dir(tmp)
    config.site_dir = str(tmp)
    # The directory is new, so MkDocs' dirty mode renders every page except those a page
    # record copies from the previous site (`cache`), and a page can say it is not
    # modified: how two processes share the rendering (parallel.py).
    plugin.parallel = processes > 1
    if cache:
        plugin.cache = buildcache.BuildCache(buildcache.cache_file(cache_config, plugin.content_dir(config)), final)
    with _thawed_at_end():
        return _build_into(config, plugin, tmp, final, built_index, index, started)


@contextmanager
def _thawed_at_end() -> Iterator[None]:
    """A restored build cache freezes what it restored (buildcache.BuildCache.session): the
    collector skips it for the rest of the build, which thaws it however it ends.  A freeze
    made before the build, by whoever called it, is left alone."""
    frozen = gc.get_freeze_count() > 0
    try:
        yield
    finally:
        if not frozen:
            gc.unfreeze()


def _build_into(config, plugin, tmp: Path, final: Path, built_index: Path, index: Path,
                started: float) -> BuildResult:
    """MkDocs builds into `tmp`, swapped in at `final`; then the cache is written."""
    import time

    from mkdocs.commands.build import build

    quiet = NoDirtyWarning()
    build_log = logging.getLogger("mkdocs.commands.build")
    build_log.addFilter(quiet)
    pid = os.getpid()
    try:
        build(config, dirty=True)
        _child_never_returns(pid)
        if built_index.is_dir():  # the index first: the site's swap may empty a mount point
            siteindex.put(built_index, index)
        previous = outdir.swap_in_keeping(tmp, final)
    except BaseException:
        if plugin.cache is not None:
            plugin.cache.discard()
        plugin.cache = None
        _child_never_returns(pid)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(built_index, ignore_errors=True)
        raise
    finally:
        build_log.removeFilter(quiet)
    # The previous site is removed while the cache is written (mostly system calls, which
    # leave the interpreter to the other thread).
    remover = threading.Thread(target=shutil.rmtree, args=(previous,), kwargs={"ignore_errors": True})
    if previous is not None:
        remover.start()
    report = None
    try:
        if plugin.generated is None:
            raise BuildError("the kb plugin generated nothing")
        if plugin.cache is not None:  # only after a build that went well, with its site in place
            plugin.cache.save()
            report = plugin.cache.report
            plugin.cache = None
    finally:
        if previous is not None:
            remover.join()
    return BuildResult(final, plugin.generated, time.perf_counter() - started,
                       index if plugin.config.search_index else None, plugin.reused, report)


def serve_site(config_file: str | Path | None, content: str | Path | None, dev_addr: str, verbose: bool = False,
               lang: str | None = None) -> None:
    """`kb serve`: MkDocs' live-reload server, with dirty rebuilds (the kb plugin re-renders
    only the pages an edit changed).  `config_file` None: the built-in configuration."""
    import logging

    from mkdocs.commands.serve import serve

    from .serving import SERVE_BUILD_TYPE

    ports.check_free(dev_addr)  # before a build that can take a minute
    if config_file is None:
        with configuration(None, content, lang) as builtin:
            return serve_site(builtin, content or "content", dev_addr, verbose)
    setup_logging(verbose, False)
    # Like `mkdocs serve`: show where the site is served and each rebuild.
    logging.getLogger("mkdocs").setLevel(logging.DEBUG if verbose else logging.INFO)
    if content:
        os.environ[CONTENT_ENV] = str(Path(content).resolve())
    serve(config_file=str(config_file), livereload=True, build_type=SERVE_BUILD_TYPE, dev_addr=dev_addr,
          open_in_browser=False)


def _build_errors() -> tuple[type[BaseException], ...]:
    from mkdocs.exceptions import MkDocsException

    return (BuildError, MkDocsException, OSError)


BUILD_ERRORS = _build_errors()  # what `kb` reports as one line "error: ..."
