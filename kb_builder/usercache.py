"""Where kb keeps files between runs: ``$KB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kb_builder``,
else ``~/.cache/kb_builder``.  Build caches live in its ``builds`` folder (buildcache.py), a
fast copy of jieba's dictionary beside them (jieba_dict.py)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

CACHE_ENV = "KB_CACHE_DIR"


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """$KB_CACHE_DIR, else the user's cache folder (XDG)."""
    environ = os.environ if environ is None else environ
    given = environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    xdg = environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"  # XDG: relative paths are ignored
    return base / "kb_builder"
