"""The site's search box: kb's browser index written into a built site, Material's own index muted.

Material's search plugin would segment every page and ship its text; `mute_material_search`
leaves it only its settings (which the page highlighter uses), and `write` puts the files
`browser_index.build` made into the site, replacing Material's ``search/search_index.json``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .browser_index import INDEX_DIR, MATERIAL_INDEX, BrowserIndex


def material_config(config: Any) -> dict | None:
    """Material's search configuration (lang, separator, ...) from the MkDocs config, if any."""
    plugins = getattr(config, "plugins", None) or {}
    plugin = plugins.get("material/search") or plugins.get("search")
    cfg = getattr(plugin, "config", None)
    if cfg is None:
        return None
    out = {}
    for key in ("lang", "separator", "pipeline", "fields"):
        try:
            out[key] = cfg[key]
        except (KeyError, TypeError):
            pass
    # Material's own index is replaced: do not let it write its copy of the page text.
    index = getattr(plugin, "search_index", None)
    if index is not None and hasattr(index, "entries"):
        index.entries = []
    return out or None


class _NoMaterialIndex:
    """Stands in for Material's search index: indexes nothing, writes only the configuration."""

    def __init__(self, config: dict):
        self.config = config
        self.entries: list = []

    def add_entry_from_context(self, page) -> None:
        pass

    def generate_search_index(self, prev=None) -> str:
        keys = ("lang", "separator", "pipeline", "fields")
        return json.dumps({"config": {k: self.config.get(k) for k in keys}, "docs": []},
                          separators=(",", ":"), default=str)


def mute_material_search(config: Any) -> bool:
    """Stop Material's search plugin from indexing the pages (it runs jieba over every page).

    Call from `on_config` of a plugin listed after ``search``; the search box and
    Material's search settings stay.  Returns whether the plugin was found.
    """
    plugins = getattr(config, "plugins", None) or {}
    plugin = plugins.get("material/search") or plugins.get("search")
    index = getattr(plugin, "search_index", None)
    if index is None or not hasattr(index, "add_entry_from_context"):
        return False
    if not isinstance(index, _NoMaterialIndex):
        plugin.search_index = _NoMaterialIndex(dict(getattr(index, "config", {}) or {}))
    return True


def write(site_dir: Path | str, index: BrowserIndex) -> BrowserIndex:
    """Write the browser index into a built site and return it (`.sizes()`: file count, raw/gzip bytes).

    Replaces Material's ``search/search_index.json``.  An index `build` updated from the
    one the site holds replaces only the files that changed."""
    site = Path(site_dir)
    target = site / INDEX_DIR
    held = _read(target / "meta.json")
    if held is not None and held == index.files.get(f"{INDEX_DIR}/meta.json"):
        # The site holds this very index (meta.json, written last, names every file by its
        # digest): a rebuild with nothing searchable edited.  Material's file may be its own again.
        (site / MATERIAL_INDEX).write_bytes(index.files[MATERIAL_INDEX])
        return index
    if index.changed is not None and held is not None and held == index.previous_meta:
        # kb serve, and the site holds the last build's index: replace only the files that changed.
        for name in sorted(index.changed, key=lambda x: x.endswith("/meta.json")):  # meta.json last
            path = site / name
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(path.name + ".kb-part")
            part.write_bytes(index.files[name])
            os.replace(part, path)
        (site / MATERIAL_INDEX).write_bytes(index.files[MATERIAL_INDEX])
        return index
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".kb-tmp-", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a web server must read it
    try:
        for name, data in index.files.items():
            if name.startswith(INDEX_DIR + "/"):
                path = tmp / name[len(INDEX_DIR) + 1:]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (site / MATERIAL_INDEX).write_bytes(index.files[MATERIAL_INDEX])
    return index


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def move_into(built_site: Path | str, site_dir: Path | str) -> None:
    """Move an index `write` put into `built_site` (a scratch site) into `site_dir`."""
    src, dst = Path(built_site), Path(site_dir)
    target = dst / INDEX_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(src / INDEX_DIR), str(target))
    os.replace(src / MATERIAL_INDEX, dst / MATERIAL_INDEX)
