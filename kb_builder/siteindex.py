"""Where a site's whoosh index (for `kb search --site-dir`) lives: beside the site, not in it.

The site folder is what gets published; the whoosh index is kb's working data (about
6 MB for 900 entries, with whoosh's lock file), so it is kept in ``<site>.kb-index``
next to the site folder.  A site built by an older kb holds it as ``_kb_index``
inside; `find` still reads that one.  Under `kb serve` the site is a temporary
folder nobody publishes and the index stays inside it, removed with it.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Mapping

from . import outdir

SUFFIX = ".kb-index"
INSIDE = "_kb_index"  # where older sites (and the live preview) keep it
SOURCES = "kb-sources.json"  # entry id -> its source file as shown, for `kb search`


def index_dir(site_dir: Path | str, serving: bool = False) -> Path:
    """Where a build writes the whoosh index of the site it writes to `site_dir`."""
    if serving:
        return Path(site_dir) / INSIDE
    site = Path(os.path.abspath(site_dir))
    return site.with_name(site.name + SUFFIX)


def find(site_dir: Path | str) -> Path:
    """The whoosh index of a built site: beside it, or inside a site an older kb built."""
    beside, inside = index_dir(site_dir), Path(site_dir) / INSIDE
    return inside if not beside.is_dir() and inside.is_dir() else beside


def put(built: Path | str, target: Path | str) -> None:
    """Put a finished index folder in place of `target` (replaced whole, marked as kb's).

    `built` may be on another file system (a scratch folder inside a site that is a
    mount point): it is copied beside `target` first, so the swap is a rename."""
    built, target = Path(built), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.stat(built).st_dev != os.stat(target.parent).st_dev:
        tmp = outdir.temp_dir(target, "building")
        shutil.copytree(built, tmp, dirs_exist_ok=True)
        shutil.rmtree(built)
        built = tmp
    outdir.swap_in(built, target)


def write_sources(index_dir: Path | str, sources: Mapping[str, str]) -> None:
    """Record each entry's source file beside its index (`kb search` shows it)."""
    path = Path(index_dir) / SOURCES
    path.write_text(json.dumps(dict(sources), ensure_ascii=False, sort_keys=True), encoding="utf-8")


def read_sources(index_dir: Path | str | None) -> dict[str, str]:
    """The source files `write_sources` recorded; none for an index without them."""
    if index_dir is None:
        return {}
    try:
        data = json.loads((Path(index_dir) / SOURCES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) \
        else {}
