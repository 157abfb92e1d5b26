"""Where kb writes: which output folders it may replace, and replacing them.

`kb build`, `kb export` and `kb index` build into a temporary folder and then put
it in place of their output folder whole, so the output folder must be one kb
made (it holds the `MARKER` file), an empty or missing one, or a site an older kb
built before the marker existed (recognised by its layout).  Never the content
folder, the configuration's folder, the home folder or a folder holding any of
them, never a repository (`.git`), never a file.

A mount point (e.g. a Docker volume) cannot be renamed: kb builds inside it and
replaces its contents once the new output is complete.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterable

MARKER = ".kb-output"
_MARKER_TEXT = ("This folder was written by kb (kb_builder). Each `kb build` or `kb export` into it\n"
                "replaces everything in it: keep nothing else here.\n")
_VCS = (".git", ".hg", ".svn")


class UnsafeTarget(ValueError):
    """The output folder is one kb must not replace (the command exits 2)."""


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_not_protected(target: Path | str, protected: Iterable[tuple[Path | str, str]] = ()) -> None:
    """Raise UnsafeTarget when `target` is or holds one of the `protected` folders
    ((folder, what it is) pairs) or the home folder."""
    final = Path(target).resolve()
    guarded = list(protected)
    try:
        guarded.append((Path.home(), "the home folder"))
    except RuntimeError:  # no home folder to protect
        pass
    hits = [(folder, what) for folder, what in ((Path(f).resolve(), w) for f, w in guarded)
            if _is_within(folder, final)]
    if hits:
        folder, what = min(hits, key=lambda hit: hit[0] != final)  # "is X" says more than "holds X"
        where = "is" if folder == final else "holds"
        raise UnsafeTarget(f"'{target}' {where} {what} ({folder}); kb replaces its output folder whole, "
                           "so give it a folder of its own")


def check_target(target: Path | str, protected: Iterable[tuple[Path | str, str]] = ()) -> None:
    """Raise UnsafeTarget unless kb may replace `target` whole (see the module's docstring).

    `protected`: (folder, what it is) pairs, e.g. (content dir, "the content folder"),
    that `target` must neither be nor hold; the home folder is always protected."""
    check_not_protected(target, protected)
    shown = str(target)
    final = Path(target).resolve()
    if not os.path.lexists(final):
        return
    if not final.is_dir():
        raise UnsafeTarget(f"'{shown}' is a file, not a folder; kb will not replace it")
    names = [n for n in os.listdir(final) if not _OWN_TEMP.fullmatch(n)]
    vcs = next((n for n in names if n in _VCS), None)
    if vcs is not None:
        raise UnsafeTarget(f"'{shown}' holds {vcs} (a repository); kb replaces its output folder whole, "
                           "so give it a folder of its own")
    if not names or (MARKER in names and (final / MARKER).is_file()) or _older_output(final, names):
        return
    raise UnsafeTarget(f"'{shown}' is not empty and kb did not make it (no {MARKER} file in it); give a new or "
                       f"empty folder, or, if an older kb built it, delete it yourself first (rm -r '{shown}')")


def protected(content_dir: Path | str | None, config_file: Path | str | None) -> list[tuple[Path, str]]:
    """The folders an output folder must neither be nor hold: the content folder and the
    configuration's folder (the current folder when there is no configuration file)."""
    folders = [(Path(content_dir), "the content folder")] if content_dir is not None else []
    if config_file is not None and Path(config_file).is_file():
        folders.append((Path(config_file).resolve().parent, f"the folder of {Path(config_file).name}"))
    else:
        folders.append((Path.cwd(), "the current folder"))
    return folders


def _older_output(folder: Path, names: list[str]) -> bool:
    """A site or export written before kb wrote `MARKER`: kb's own layout and no hidden files."""
    if any(n.startswith(".") for n in names):
        return False
    top = set(names)
    if "index.html" in top and "sitemap.xml" in top and (folder / "q").is_dir() \
            and ((folder / "search" / "kb").is_dir() or (folder / "_kb_index").is_dir()):
        return True
    if "index.md" in top and (folder / "q").is_dir():  # `kb export`: markdown pages only
        for _, dirs, files in os.walk(folder):
            if any(not f.endswith(".md") or f.startswith(".") for f in files) or any(d.startswith(".") for d in dirs):
                return False
        return True
    return False


def write_marker(folder: Path | str) -> None:
    (Path(folder) / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")


# --------------------------------------------------------------------------- temporary folders

# Beside the output: '.<name>.<kind>-<pid>-<random>'; inside a mount point: '.kb-<kind>-<pid>-<random>'.
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:building|old|export)-(?P<pid>\d+)(?:-.*)?")
_OWN_TEMP = re.compile(r"\.kb-(?:building|export)-(?P<pid>\d+)-.*")


def temp_dir(final: Path, kind: str) -> Path:
    """An empty folder to build `final`'s replacement in, on the same file system."""
    if os.path.ismount(final):
        parent, prefix = final, f".kb-{kind}-{os.getpid()}-"
    else:
        final.parent.mkdir(parents=True, exist_ok=True)
        parent, prefix = final.parent, f".{final.name}.{kind}-{os.getpid()}-"
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output is published like any new folder
    return tmp


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    return False  # e.g. EINVAL on file systems without exchange support: use two renames


def swap_in(tmp: Path, final: Path) -> None:
    """Put the finished output (marked as kb's) in place; the previous one is never
    missing on Linux, except on a mount point (see `_replace_contents`)."""
    previous = swap_in_keeping(tmp, final)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def swap_in_keeping(tmp: Path, final: Path) -> Path | None:
    """`swap_in`, leaving the previous output (renamed to a hidden name beside `final`,
    which `clean_leftovers` also removes) for the caller to remove: its path, or None."""
    write_marker(tmp)
    if tmp.parent == final:
        _replace_contents(tmp, final)
        return None
    if final.is_dir() and not final.is_symlink() and _exchange(tmp, final):
        return tmp  # tmp now holds the previous output
    old = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    return old


def _replace_contents(tmp: Path, final: Path) -> None:
    """A mount point cannot be renamed: remove what it holds, then move the new output
    (built inside it, so these are renames on one file system) up into it."""
    for path in final.iterdir():
        if path == tmp:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    for path in tmp.iterdir():
        os.replace(path, final / path.name)
    tmp.rmdir()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or the platform cannot tell
        return True
    return True


def clean_leftovers(final: Path) -> list[Path]:
    """Remove temporary folders of `final` left by kb processes that were killed (their process is gone)."""
    removed = []
    candidates: list[tuple[Path, re.Match]] = []
    try:
        for path in final.parent.iterdir():
            match = _LEFTOVER.fullmatch(path.name)
            if match and match.group("name") == final.name:
                candidates.append((path, match))
        if os.path.ismount(final):
            candidates += [(p, m) for p in final.iterdir() if (m := _OWN_TEMP.fullmatch(p.name))]
    except OSError:
        return removed
    for path, match in candidates:
        if path.is_dir() and not path.is_symlink() and not _pid_alive(int(match.group("pid"))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
