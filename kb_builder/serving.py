"""`kb serve`: one object for everything a live preview keeps between rebuilds.

MkDocs' live-reload server rebuilds the site in this process after every save,
keeping the kb plugin (it has `on_startup`).  `Serving` holds:

* the build session (session.py): the store of derived values and the cuts,
  so a rebuild recomputes only what an edit changed;
* per site folder, which generated pages were written and from what page
  (`PageRecord`): MkDocs' dirty rebuilds render only the pages that changed;
* compiled theme templates (MkDocs makes a new Jinja environment per build);
* the background process writing the whoosh index for `kb search` (each one leaves the
  documents' terms to the next in a folder of the session's own: a save cuts only what changed);
* the collector settings (after the first build, and before each rebuild, what the
  builds made and still use is frozen).

`stop()` ends serving: later builds in this process are clean builds again.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .session import Session

SERVE_BUILD_TYPE = "dirty"  # what `kb serve` passes to mkdocs.commands.serve.serve


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def config_fingerprint(config: Any) -> str:
    """The configuration file, theme overrides and navigation (kb's follows the sections the
    site has): a change to any renders every page again."""
    h = hashlib.blake2b(digest_size=16)
    path = getattr(config, "config_file_path", None)
    if path and os.path.isfile(path):
        h.update(Path(path).read_bytes())
    for folder in getattr(getattr(config, "theme", None), "dirs", ()) or ():
        if "site-packages" in str(folder) and "kb_builder" not in str(folder):
            continue  # an installed theme changes only with its version, which the config names
        for root, _, files in sorted(os.walk(folder)):
            for name in sorted(files):
                full = os.path.join(root, name)
                try:  # the bytes, not the times: a fresh checkout (CI) keeps `kb build`'s cache
                    data = Path(full).read_bytes()
                except OSError:
                    continue
                h.update(f"{os.path.relpath(full, folder)}\0{len(data)}\0".encode() + data)
    for key in ("site_url", "use_directory_urls", "markdown_extensions", "extra", "nav"):
        h.update(repr(config.get(key)).encode())
    return h.hexdigest()


class PageRecord:
    """The generated pages of the last build into one site folder (uri -> page digest)."""

    def __init__(self, fingerprint: str, previous: Mapping[str, str], same_frame: bool = True,
                 reuse: Callable[[str, str], bool] | None = None):
        """`same_frame`: the configuration, theme and navigation are as last time; when not,
        every page is rendered again, and the pages no longer generated still go.
        `reuse(uri, dest_path)`: puts an unchanged page the folder lacks in place (`kb build`
        builds into a new folder: buildcache.Reuse copies it from the previous site)."""
        self.fingerprint = fingerprint
        self.previous = previous
        self.same_frame = same_frame
        self.reuse = reuse
        self.current: dict[str, str] = {}
        self.written: dict[str, str] = {}  # uri -> where the page is

    def unchanged(self, uri: str, page: Any, dest_path: str) -> bool:
        """Whether a generated page (`pages.Page`) is written from what it was last time."""
        return self._unchanged(uri, page.digest, dest_path)

    def unchanged_text(self, uri: str, text: str, dest_path: str) -> bool:
        """Whether what `uri` is written from (a redirect's HTML) is as last time."""
        return self._unchanged(uri, digest(text), dest_path)

    def _unchanged(self, uri: str, h: str, dest_path: str) -> bool:
        # Recorded either way, so `removed` knows the address is still in use.
        self.current[uri] = h
        self.written[uri] = dest_path
        if not (self.same_frame and self.previous.get(uri) == h):
            return False
        return os.path.isfile(dest_path) or (self.reuse is not None and self.reuse(uri, dest_path))

    def removed(self) -> list[str]:
        """Pages of the previous build that this one no longer generates."""
        return [uri for uri in self.previous if uri not in self.current]


def template_code(kept: dict[str, bytes]) -> Any:
    """A Jinja bytecode cache holding compiled templates in `kept` (template key -> code);
    Jinja checks each template's source checksum, so an edited template is compiled again."""
    import jinja2

    class MemoryCode(jinja2.BytecodeCache):
        def load_bytecode(self, bucket) -> None:
            data = kept.get(bucket.key)
            if data is not None:
                bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket) -> None:
            kept[bucket.key] = bucket.bytecode_to_string()

    return MemoryCode()


# The job file is read and removed first, then the child ties its life to kb serve's
# (a kill -9 of kb serve left it indexing at full CPU), before the slow imports.
_INDEX_CHILD = (
    "import os, sys\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    job = f.read()\n"
    "os.remove(sys.argv[1])\n"
    "from kb_builder.parallel import die_with_parent\n"
    "die_with_parent(int(sys.argv[2]))\n"
    "from kb_builder.serving import index_child\n"
    "index_child(job)\n"
)


def index_child(job: bytes) -> None:
    """The background whoosh index writer (a fresh interpreter, see `Serving.index_in_background`)."""
    from .analyze import Analyzer
    from .documents import analyse_docs
    from .search import build_index

    docs, words, glossary, index_dir, kept = pickle.loads(job)
    # The documents' terms as the last writer of this session left them: only the documents
    # an edit changed are cut again (cutting all 5,000 took one core 15-20 s per save).
    store = _read_store(kept)
    analysis = analyse_docs(docs, Analyzer.of(words), glossary, store=store)
    # The index this one replaces is updated: only the documents the edit changed are written.
    build_index(docs, index_dir, analysis, previous=index_dir)
    store.end_build()
    partial = f"{kept}.{os.getpid()}"
    with open(partial, "wb") as f:
        pickle.dump(store, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, kept)  # whole or not at all: a writer terminated midway leaves the last one


def _read_store(path: str) -> Any:
    from .store import Store, unpickle

    try:
        with open(path, "rb") as f:
            found = unpickle(f)  # written by this session's own writers (a folder of its own)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        found = None
    return found if isinstance(found, Store) else Store()  # none yet: everything is cut, as in a clean build


class Serving:
    def __init__(self) -> None:
        self.session = Session(serving=self)
        self._records: dict[str, tuple[str, dict[str, str]]] = {}
        self._background: dict[str, subprocess.Popen] = {}
        self._jobs: dict[str, tuple] = {}  # what each writer was given: (documents, words, glossary)
        self._template_code: Any = None
        self._thresholds: tuple[int, int, int] | None = None
        self._built = False
        self._scratch: str | None = None  # a folder of this session's own (mkdtemp)

    # -- pages
    def page_record(self, site_dir: str, fingerprint: str) -> PageRecord:
        """The record of the last build into `site_dir`; taken until `commit`: a failed build
        leaves nothing to trust, and the next one renders every page."""
        fp, previous = self._records.pop(os.path.realpath(site_dir), ("", {}))
        return PageRecord(fingerprint, previous, fp == fingerprint)

    def commit(self, site_dir: str, record: PageRecord) -> None:
        self._records[os.path.realpath(site_dir)] = (record.fingerprint, dict(record.current))

    def record_of(self, site_dir: str) -> Mapping[str, str]:
        """For tests: the committed record of a site folder."""
        return self._records.get(os.path.realpath(site_dir), ("", {}))[1]

    # -- theme templates
    def template_code(self) -> Any:
        """Compiled templates kept between rebuilds."""
        if self._template_code is None:
            self._template_code = template_code({})
        return self._template_code

    # -- the whoosh index
    def index_in_background(self, docs: Iterable[Any], words: Iterable[str], glossary: Any, index_dir: Path) -> None:
        """Write the whoosh index in another process; a newer rebuild replaces an unfinished one.
        A fresh interpreter, not a fork: the live-reload server runs threads in this process."""
        index_dir = Path(index_dir)
        key, given = str(index_dir), (tuple(docs), frozenset(words), glossary)
        running = self._background.get(key)
        # (tuples compare each element's identity first: a rebuild's unchanged documents are the last one's)
        if running is not None and self._jobs.get(key) == given and (
                running.poll() is None or (running.returncode == 0 and index_dir.is_dir())):
            return  # these very documents' index is written, or being written
        self._jobs[key] = given
        running = self._background.pop(key, None)
        if running is not None and running.poll() is None:
            running.terminate()
            running.wait(10)
        for stale in index_dir.parent.glob(f".{index_dir.name}.tmp-*"):  # left by a terminated writer
            shutil.rmtree(stale, ignore_errors=True)
        if self._scratch is None:  # the writers' terms between saves (`index_child`), removed by `stop`
            self._scratch = tempfile.mkdtemp(prefix="kb-serve-")
        kept = os.path.join(self._scratch, f"terms-{digest(key)}.pickle")
        fd, job = tempfile.mkstemp(prefix="kb-index-job-", suffix=".pickle")
        with os.fdopen(fd, "wb") as f:
            pickle.dump((list(given[0]), given[1], glossary, key, kept), f)
        # Quiet: `kb serve` may stop (and MkDocs delete its temporary site) before it is done.
        self._background[key] = subprocess.Popen(
            [sys.executable, "-c", _INDEX_CHILD, job, str(os.getpid())], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    def wait_for_index(self, timeout: float | None = None) -> bool:
        """Wait for the background indexes; True when all finished well (or none was running)."""
        ok = True
        for process in list(self._background.values()):
            try:
                ok = process.wait(timeout) == 0 and ok
            except subprocess.TimeoutExpired:
                ok = False
        return ok

    # -- memory
    def built(self) -> None:
        """A build is done (what it made is collected and frozen before the next one)."""
        self._built = True

    def settle_heap(self) -> None:
        """Between builds (after the first build, before each rebuild): collect what the
        last build left and freeze what survived (jieba's dictionary, the store), so the
        collector's passes walk only what each rebuild makes.  Once the heap is frozen a
        collection walks only what was made since: one rebuild's objects, not millions.
        Without this, a full pass over everything made since the first build came every
        other edit, and took longer the longer the preview ran.  Called where the last
        build's pages and files are no longer referenced: frozen, they would never be freed."""
        if not self._built:
            return
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, old = self._thresholds
            # What stays unfrozen is one rebuild's: let full passes come every tenth as often.
            gc.set_threshold(young, middle, max(old, 100))
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        self.wait_for_index()
        self._jobs.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        if self._thresholds is not None:
            gc.unfreeze()
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
