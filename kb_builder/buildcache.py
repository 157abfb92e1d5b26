"""`kb build`'s cache: what one build derived, kept on disk for the next build of the same site.

A build's session store (store.py: parsed files, normalised entries, the link graph's
parts, rendered page records, search documents and their analysis, the browser index)
and the record of the pages it wrote (serving.PageRecord, as `kb serve` keeps them) are
written here after a successful build.  The next `kb build` of the same configuration
and content starts from them: the store answers what did not change, and pages whose
inputs are unchanged are copied from the previous site instead of rendered again.

One file per site: ``<root>/builds/<hash of the configuration file and content folder>``,
where the root is ``$KB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kb_builder``, else
``~/.cache/kb_builder``.  The file starts with a line of JSON (format, kb's version,
Python's, a digest of kb's code and of the installed packages' versions, the site's
settings, the payload's length and digest); a file whose header differs, or that is
truncated or unreadable, is ignored and the build is a cold one.  The payload is a
pickle: the cache folder must be trusted like the content (only kb's own builds write it).
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import pickle
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import codeid
from .serving import PageRecord, template_code
from .session import Session
from .store import Store, unpickle
from .usercache import cache_root

FORMAT = 1
MAGIC = b"kb-build-cache\n"
_HEADER_LIMIT = 4096
_BLOCK = 1 << 20
_TMP_SUFFIX = ".tmp"

log = logging.getLogger("mkdocs.plugins.kb.cache")


def cache_file(config_file: Path | str | None, content_dir: Path | str,
               environ: Mapping[str, str] | None = None) -> Path:
    """The cache of one site: its configuration file (None: the built-in one) and content folder."""
    config = str(Path(config_file).resolve()) if config_file is not None else "(built-in configuration)"
    key = hashlib.blake2b(f"{config}\0{Path(content_dir).resolve()}".encode(), digest_size=12).hexdigest()
    return cache_root(environ) / "builds" / f"{key}.pickle"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kb-builder")
    except PackageNotFoundError:
        return "unknown"


def _stamp(st: os.stat_result) -> tuple[int, int]:
    """A file's size and time, in whole seconds: what an archive (a CI cache) restores."""
    return st.st_size, st.st_mtime_ns // 1_000_000_000


@dataclass
class SiteRecord:
    """The pages one build wrote into a site folder: uri -> (page digest, size, mtime in seconds)."""

    fingerprint: str
    pages: dict[str, tuple[str, int, int]]


@dataclass
class Saved:
    store: Store
    sites: dict[str, SiteRecord] = field(default_factory=dict)  # real path of the site -> its record
    templates: dict[str, bytes] = field(default_factory=dict)  # the theme's compiled templates


class Reuse:
    """Copies a page from the previous site into the one being built, when the previous
    site still holds it as the last build wrote it (a page changed or removed since is
    rendered again)."""

    def __init__(self, previous: Path, building: Path, pages: Mapping[str, tuple[str, int, int]]):
        self.previous, self.building, self.pages = previous, building, pages

    def __call__(self, uri: str, dest_path: str) -> bool:
        known = self.pages.get(uri)
        if known is None:
            return False
        source = self.previous / os.path.relpath(dest_path, self.building)
        try:
            st = os.lstat(source)
            if not stat.S_ISREG(st.st_mode) or _stamp(st) != known[1:]:
                return False
            os.makedirs(os.path.dirname(dest_path), exist_ok=True)
            try:  # a second name for the file: no build writes into a page it did not render
                os.link(source, dest_path, follow_symlinks=False)
            except OSError:
                shutil.copy2(source, dest_path, follow_symlinks=False)  # the time too: the next build checks it
        except OSError:
            return False
        return True


class BuildCache:
    """One `kb build`'s use of its site's cache: `session` and `page_record` when the build
    starts, `built` when the plugin is done, `save` once the site is in place."""

    def __init__(self, path: Path, site_dir: Path):
        self.path, self.site_dir = Path(path), Path(site_dir)
        self.header: dict = {}  # what the cache must have been made with (`session` sets it)
        self.saved: Saved | None = None
        self._store: Store | None = None
        self._record: SiteRecord | None = None
        self._templates: dict[str, bytes] = {}
        self._parts: list[Path] = []  # values another process derived, saved after the store (keep_part)
        self._part_lost: str | None = None
        # What `kb build` reports: whether the cache was read (else why not) and written.
        self.report: dict[str, Any] = {"file": str(self.path), "read": False, "cold_because": None,
                                       "written": False, "not_written_because": None}

    def session(self, settings: str) -> Session:
        """A session holding what the last build with these settings derived (else an empty one)."""
        # Made once: the file this build writes claims what the one it read was checked against.
        self.header = _header(settings)
        self.saved, why = load(self.path, self.header)
        self.report.update(read=self.saved is not None, cold_because=why or None)
        if self.saved is not None:
            # What was restored lives for the whole build: the collector's full passes need
            # not walk it (seconds at 5k entries); `kb build` unfreezes at its end.
            gc.freeze()
        self._templates = dict(self.saved.templates) if self.saved is not None else {}
        return Session(store=self.saved.store) if self.saved is not None else Session()

    def page_record(self, fingerprint: str, building: Path | str) -> PageRecord:
        """The pages the last build wrote into this site, copied into `building` when unchanged."""
        site = self.saved.sites.get(os.path.realpath(self.site_dir)) if self.saved is not None else None
        if site is None or not self.site_dir.is_dir():
            return PageRecord(fingerprint, {}, False)
        return PageRecord(fingerprint, {uri: page[0] for uri, page in site.pages.items()},
                          site.fingerprint == fingerprint, reuse=Reuse(self.site_dir, Path(building), site.pages))

    def template_code(self) -> Any:
        """The theme's templates as the last build compiled them (serving.template_code)."""
        return template_code(self._templates)

    def built(self, store: Store, record: PageRecord) -> None:
        """The build went well: what to save (the pages as written now)."""
        pages = {}
        for uri, h in record.current.items():
            try:
                st = os.lstat(record.written[uri])
            except (KeyError, OSError):
                continue
            pages[uri] = (h, *_stamp(st))
        self._store, self._record = store, SiteRecord(record.fingerprint, pages)

    def keep_part(self, path: Path | None) -> None:
        """A file of values another process derived for this build's store (indexjob: the
        index child's, whose marks the store took), saved after the store without being read
        here: moved beside the cache now, as the folder it is in goes with the build."""
        if path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, kept = tempfile.mkstemp(prefix=f".{self.path.name}.{os.getpid()}.", suffix=_TMP_SUFFIX,
                                        dir=self.path.parent)
            os.close(fd)
            self._parts.append(Path(kept))  # removed after the save, or with a failed build (discard)
            shutil.move(path, kept)
        except OSError as e:  # the store no longer holds what the part replaced: no cache this time
            self._part_lost = f"{type(e).__name__}: {e}"

    def discard(self) -> None:
        """The build failed: nothing will be saved."""
        for part in self._parts:
            try:
                os.unlink(part)
            except OSError:
                pass
        self._parts = []

    def save(self) -> None:
        """Write the cache (after the site is in place); a failure only costs the next build time."""
        try:
            self._save()
        finally:
            self.discard()

    def _save(self) -> None:
        if self._store is None or self._record is None:
            return
        if self._part_lost is not None:
            self._not_written(f"a part could not be kept ({self._part_lost})")
            return
        sites = dict(self.saved.sites) if self.saved is not None else {}
        sites = {site: record for site, record in sites.items() if os.path.isdir(site)}
        sites[os.path.realpath(self.site_dir)] = self._record
        try:
            save(self.path, self.header, Saved(self._store, sites, self._templates), self._parts)
        except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError, RecursionError) as e:
            self._not_written(f"{type(e).__name__}: {e}")
        else:
            self.report["written"] = True

    def _not_written(self, why: str) -> None:
        """The site is fine, but the next build will be cold: say so."""
        self.report["not_written_because"] = why
        log.warning("kb: the build cache was not written (%s): the next build will be cold", why)


def _header(settings: str) -> dict:
    return {"format": FORMAT, "kb": _version(), "python": sys.version, "environment": codeid.environment(),
            "settings": settings}


def load(path: Path, header: Mapping[str, Any]) -> tuple[Saved | None, str]:
    """The saved build and "", or None (a cold build) and why: there is none, or it is
    another kb's, another setting's, truncated or unreadable.  Never an error."""
    saved, why = _load(path, header)
    if saved is None:
        (log.debug if why == NO_CACHE else log.info)("kb: build cache %s: %s: a cold build", path, why)
    return saved, why


NO_CACHE = "none yet"


def _load(path: Path, header: Mapping[str, Any]) -> tuple[Saved | None, str]:
    started = time.perf_counter()
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                return None, "not a kb build cache"
            line = f.readline(_HEADER_LIMIT)
            found = json.loads(line)
            if not isinstance(found, dict):
                raise ValueError("no header")
            differs = [k for k in header if found.get(k) != header[k]]
            if differs:
                return None, f"made with other {', '.join(_WHAT.get(k, k) for k in differs)}"
            start = f.tell()
            digest, length = hashlib.blake2b(), 0
            # Checked before anything is unpickled, a block at a time: the payload is never
            # held in memory beside what it unpickles to.
            for block in iter(lambda: f.read(_BLOCK), b""):
                digest.update(block)
                length += len(block)
            if length != found.get("length") or digest.hexdigest() != found.get("digest"):
                return None, "truncated or damaged"
            f.seek(start)
            try:
                saved = unpickle(f)
                parts = [unpickle(f) for _ in range(found.get("parts", 0))]
            except Exception as e:  # noqa: BLE001 - a damaged cache only costs a cold build
                return None, f"could not be read ({type(e).__name__})"
    except FileNotFoundError:
        return None, NO_CACHE
    except (OSError, ValueError) as e:
        return None, f"unreadable ({e})"
    if not isinstance(saved, Saved) or not isinstance(saved.store, Store) or \
            not all(isinstance(p, dict) and {"values", "derived"} <= p.keys() for p in parts):
        return None, "holds something else"
    for part in parts:
        saved.store.merge_saved(part)
    log.debug("kb: build cache %s read: %d values, %.1f s", path, len(saved.store), time.perf_counter() - started)
    return saved, ""


# What a header key means, for the line that says why a build was cold.
_WHAT = {"environment": "kb code, Python or installed packages", "settings": "settings", "kb": "kb version",
         "python": "Python", "format": "cache format"}


def save(path: Path, header: Mapping[str, Any], saved: Saved, parts: Sequence[Path] = ()) -> None:
    """Write atomically: a temporary file beside the cache, renamed over it.  `parts`: files
    of pickled values for the store (Store.merge_saved), copied after it as they are."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The header's line is kept free first and written once the payload's length and digest
    # are known: the pickle goes to the file as it is made, never whole into memory.
    room = len(json.dumps(dict(header, length=0, digest="", parts=len(parts)), sort_keys=True)) + 160
    if room >= _HEADER_LIMIT:
        raise ValueError("the build cache header is too long")
    _remove_abandoned(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=_TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + b" " * room + b"\n")
            out = _Digesting(f)
            pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(saved)
            for part in parts:
                with open(part, "rb") as p:
                    shutil.copyfileobj(p, out, _BLOCK)
            head = json.dumps(dict(header, length=out.length, digest=out.digest.hexdigest(), parts=len(parts)),
                              sort_keys=True)
            if len(head) > room:
                raise ValueError("the build cache header outgrew its room")
            f.seek(len(MAGIC))
            f.write(head.encode().ljust(room))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    log.debug("kb: build cache %s written: %.1f MB, %.1f s", path, out.length / 1e6, time.perf_counter() - started)


def _remove_abandoned(path: Path) -> None:
    """Remove the temporary files of writes to `path` whose process is gone (a build killed
    while it wrote the cache): each is as large as the cache.  Only files named as `save`
    names them (`.<cache name>.<pid>.<random>.tmp`) are touched."""
    prefix = f".{path.name}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or _running(int(pid)):
            continue
        try:
            os.unlink(path.parent / name)
        except OSError:
            pass


def _running(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) is a probe only on POSIX (on Windows it ends the process)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: running
        return True
    return True


class _Digesting:
    """A file that hashes and counts what is written to it."""

    def __init__(self, f: Any):
        self._f, self.digest, self.length = f, hashlib.blake2b(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.length += len(data)
        return self._f.write(data)
