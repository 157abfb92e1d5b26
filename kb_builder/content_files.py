"""The files of a content folder, and reading one of them safely.

Content is untrusted: a link may lead out of the content folder (its target would be
published), a name ending in `.md` may be a device (`/dev/zero` never ends) or a FIFO
(reading it waits forever), and a file's size may not say how much it holds (`/proc`).
So links are read only when their target stays inside the content folder, links to
folders are reported rather than followed, and only regular files are read, never
more than the limit.
"""
from __future__ import annotations

import os
import stat
import time
from typing import Iterator

VCS_DIRS = (".git", ".hg", ".svn")  # left out of the walk entirely


def walk(root: str | os.PathLike) -> Iterator[tuple[str, tuple[str, ...], bool]]:
    """(folder ending in a separator, path parts relative to root, is a link) of every
    file and link under root, in sorted order, files of a folder before its subfolders.

    Links (to files or folders) are yielded, never descended: `link_problem` says
    whether one may be read."""
    top = os.fspath(root)
    stack: list[tuple[str, tuple[str, ...]]] = [(top, ())]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        dirpath = os.path.join(folder, "")  # joined once per folder, not per file
        subfolders = []
        for entry in entries:
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError:
                is_link = is_dir = False
            if is_dir:
                # Hidden folders are walked too, so their files are reported as skipped,
                # not lost; only version-control metadata is left out.
                if entry.name not in VCS_DIRS:
                    subfolders.append(entry.name)
            else:
                yield dirpath, prefix + (entry.name,), is_link
        stack.extend((dirpath + name, prefix + (name,)) for name in reversed(subfolders))


def link_problem(path: str | os.PathLike, root_real: str) -> tuple[str | None, str, str]:
    """(kind, why, real path) of the link at `path`: kind None when it may be read (a
    link to a file inside the content folder, whose real path is `root_real`), else
    "link-outside" or "folder-link".  A link to a folder is never followed: one inside
    the content folder would read its files twice, one outside would publish them."""
    real = os.path.realpath(path)
    inside = real == root_real or real.startswith(os.path.join(root_real, ""))
    if not inside:
        what = "folder" if os.path.isdir(real) else "file"
        return "link-outside", f"a link to a {what} outside the content folder; not read", real
    if os.path.isdir(real):
        return "folder-link", "a link to a folder inside the content folder, whose files are read where they are", real
    return None, "", real


class NotRegularFile(OSError):
    pass


class TooLarge(OSError):
    def __init__(self, size: int | None):
        super().__init__("too large")
        self.size = size  # from the file system, or None when it understated what was read


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a link"))


def _check_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise NotRegularFile(f"it is {kind}, not a regular file")


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of the regular file at `path` (not followed if it is a link): at most
    `limit`, else TooLarge; NotRegularFile for anything else (nothing is read from it)."""
    st = os.lstat(path)
    _check_regular(st.st_mode)
    if st.st_size > limit:
        raise TooLarge(st.st_size)
    # O_NONBLOCK: should it have become a FIFO since, opening does not wait for a writer.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        _check_regular(os.fstat(fd).st_mode)  # what was opened, not what was looked at
        chunks, wanted = [], limit + 1
        while wanted > 0:
            chunk = os.read(fd, min(wanted, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(None)
    return data


# A file changed less than this before it was read may change again without its status
# showing it (file times have a coarse clock): its result is not kept.
RACY_NS = 2_000_000_000


class FileReads:
    """What reading each file gave, kept with the file's status (size, times, inode) at
    the time: a live preview's rebuild reads again only the files whose status changed,
    as build tools do.  A file changed shortly before it was read is read again each
    time until its change is older than the clock could tell apart.  With `verify`,
    every kept result is computed again and compared (the store's verify mode)."""

    def __init__(self, verify: bool = False, racy_ns: int = RACY_NS):
        self.verify = verify
        self.racy_ns = racy_ns
        self._known: dict[tuple, tuple[tuple[int, ...], object]] = {}

    def result(self, path: str | os.PathLike, key: tuple, compute):
        """`compute()`, or what it gave for `key` when the file at `path` is as it was."""
        try:
            st = os.lstat(path)
        except OSError:
            self._known.pop(key, None)
            return compute()
        status = (st.st_mode, st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        known = self._known.get(key)
        if known is not None and known[0] == status and not self.verify:
            return known[1]
        started = time.time_ns()
        value = compute()
        if known is not None and known[0] == status and value != known[1]:
            raise AssertionError(f"{path}: a kept read differs from a fresh one")
        if max(st.st_mtime_ns, st.st_ctime_ns) < started - self.racy_ns:
            self._known[key] = (status, value)
        else:
            self._known.pop(key, None)
        return value

    def forget_others(self, keys: set) -> None:
        """Keep only these keys (files no longer in the folder are let go)."""
        for key in [k for k in self._known if k not in keys]:
            del self._known[key]
