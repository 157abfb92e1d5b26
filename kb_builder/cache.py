"""What a rebuild can reuse from the previous one (live preview: `kb serve`).

`kb serve` runs MkDocs' dirty rebuilds (`SERVE_BUILD_TYPE`): MkDocs then renders
only pages whose `File.is_modified()` is true.  For generated pages that is
always true, so the plugin asks `PageRecord` instead: a page is unchanged when
its markdown has the same hash as in the last successful build into the same
site directory with the same configuration and theme, and its HTML is still
there.  Everything that depends on the whole corpus (tags, hubs, related
questions, backlinks, the home page) is recomputed on every rebuild, so a
page whose content depends on the edited entry gets new markdown and is
rendered again; the rest are left as they are.  The search indexes are written
from all entries after every build.

The record lives in this process's memory (MkDocs' live-reload server rebuilds
in the same process, with a fresh plugin instance each time) and is dropped
when a build starts, so a failed build makes the next one render everything.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Mapping

SERVE_BUILD_TYPE = "dirty"  # what `kb serve` passes to mkdocs.commands.serve.serve

_records: dict[tuple[str, str], dict[str, str]] = {}
# The markdown each recorded hash was computed from: a page string that is the very same
# object as last time (pages.keep_renders hands back unchanged entry pages) is not hashed again.
_sources: dict[tuple[str, str], dict[str, str]] = {}


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def config_fingerprint(config) -> str:
    """The configuration file and theme overrides: a change to either renders every page again."""
    h = hashlib.blake2b(digest_size=16)
    path = getattr(config, "config_file_path", None)
    if path and os.path.isfile(path):
        h.update(Path(path).read_bytes())
    custom = (config.theme.get("custom_dir") if getattr(config, "theme", None) else None) or ""
    if custom and os.path.isdir(custom):
        for root, _, files in sorted(os.walk(custom)):
            for name in sorted(files):
                full = os.path.join(root, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                h.update(f"{full}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for key in ("site_url", "use_directory_urls", "markdown_extensions", "extra"):
        h.update(repr(config.get(key)).encode())
    return h.hexdigest()


class PageRecord:
    """The generated pages of the last build into one site directory (uri -> markdown hash)."""

    def __init__(self, site_dir: str, fingerprint: str):
        self.key = (os.path.realpath(site_dir), fingerprint)
        # Taken out until the build succeeds: a failed build leaves nothing to trust.
        self.previous: dict[str, str] = _records.pop(self.key, {})
        self.previous_sources: dict[str, str] = _sources.pop(self.key, {})
        # Other configurations of this site directory are stale once it is rebuilt.
        for other in [k for k in _records if k[0] == self.key[0]]:
            del _records[other]
            _sources.pop(other, None)
        self.current: dict[str, str] = {}
        self.sources: dict[str, str] = {}

    def unchanged(self, uri: str, markdown: str, dest_path: str) -> bool:
        h = self.previous.get(uri) if self.previous_sources.get(uri) is markdown else None
        if h is None:
            h = digest(markdown)
        self.current[uri] = h
        self.sources[uri] = markdown
        return self.previous.get(uri) == h and os.path.isfile(dest_path)

    def removed(self) -> Iterable[str]:
        """Pages of the previous build that this one no longer generates."""
        return [uri for uri in self.previous if uri not in self.current]

    def commit(self) -> None:
        _records[self.key] = dict(self.current)
        _sources[self.key] = dict(self.sources)


def forget_all() -> None:
    _records.clear()
    _sources.clear()


def record_of(site_dir: str) -> Mapping[str, str]:
    """For tests: the last committed record of a site directory."""
    real = os.path.realpath(site_dir)
    for (site, _), pages in _records.items():
        if site == real:
            return pages
    return {}
