"""What kb's own code and its environment are, as one digest: kb's files (code and shipped
data), Python's version and the installed distributions with their versions.

Whatever kb keeps between processes (the build cache, the documents of a whoosh index an
update takes over) is valid only for the code that made it: both ask here."""
from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def installed() -> list[str]:
    """The installed distributions with their versions (their metadata folders' names in the
    environment's package folders; not the current folder's, which `python -m` puts on the path)."""
    import site
    import sysconfig

    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    if site.ENABLE_USER_SITE:
        folders.add(site.getusersitepackages())
    names = set()
    for folder in folders:
        try:
            names.update(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(names)


@lru_cache(maxsize=1)  # one process runs one version of kb: read its files once
def environment() -> str:
    """kb's code and shipped files, Python's version and the installed packages: a change to
    any may change what kb derives from the same inputs."""
    h = hashlib.blake2b(digest_size=16)
    h.update(sys.version.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(f"{path.relative_to(PACKAGE).as_posix()}\0".encode() + path.read_bytes() + b"\0")
    h.update("\n".join(installed()).encode())
    return h.hexdigest()
