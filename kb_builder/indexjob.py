"""Both search indexes built in a forked child while the parent links and renders (`kb build`).

The child starts once the entries are normalised: it analyses every search
document (segmenting is most of the work and needs nothing from the link
graph), then waits for the one thing the graph adds, the documents' error
signatures, which the parent sends through a pipe.  It re-analyses the few
documents that have some, writes the browser index into a scratch site and the
whoosh index beside it; `finish` moves them into the site.  Whenever anything
fails, the parent builds them itself, the same way.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from . import parallel
from .store import split, unpickle


class IndexJob:
    def __init__(self, worker: parallel.Worker, tmp: Path, pipe: int):
        self.worker, self.tmp, self.pipe = worker, tmp, pipe

    @classmethod
    def start(cls, site_dir: str, prepare: Callable[[], Any],
              build: Callable[[Any, dict[str, tuple[str, ...]], Path], None]) -> "IndexJob | None":
        """Fork the child: it runs `prepare()` at once, then, when the error signatures
        (entry id -> signatures) arrive, `build(prepared, errors, scratch)`, which writes
        both indexes under `scratch`."""
        if not parallel.can_fork():
            return None
        site = Path(site_dir)
        site.mkdir(parents=True, exist_ok=True)
        # Inside the site being built: moved out of it on the same file system, and
        # removed with it should the build be killed.
        tmp = Path(tempfile.mkdtemp(prefix=".kb-index-", dir=site))
        read_end, write_end = os.pipe()
        try:
            worker = parallel.Worker.fork()
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            os.close(read_end)
            os.close(write_end)
            return None
        if worker is None:  # the child: build, report, exit without running any parent cleanup
            code = 1
            try:
                os.close(write_end)
                prepared = prepare()
                with os.fdopen(read_end, "rb") as pipe:
                    errors = pickle.loads(pipe.read())  # EOF without data: the parent gave up
                build(prepared, errors, tmp)
                (tmp / "done").write_text("ok")
                code = 0
            except BaseException:  # noqa: BLE001 - the parent builds the indexes itself
                pass
            finally:
                os._exit(code)
        os.close(read_end)
        return cls(worker, tmp, write_end)

    def send_errors(self, errors: dict[str, tuple[str, ...]]) -> None:
        """The error signatures of the final documents (the rest of each is what the child has)."""
        payload = pickle.dumps(errors)
        try:
            with os.fdopen(self.pipe, "wb") as pipe:
                pipe.write(payload)
        except OSError:
            pass  # the child is gone: finish() sees it and the indexes are built here
        self.pipe = -1

    def finish(self, move: Callable[[Path], None]) -> bool:
        """`move(scratch)` the child's indexes into place; False when it did not finish them."""
        self._close_pipe()
        try:
            self.worker.wait()
            if not (self.tmp / "done").is_file():
                return False
            move(self.tmp)
            return True
        except (OSError, parallel.WorkerFailed):
            return False
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _close_pipe(self) -> None:
        if self.pipe >= 0:
            os.close(self.pipe)  # never sent: the child reads EOF and gives up
            self.pipe = -1

    def cancel(self) -> None:
        self._close_pipe()
        self.worker.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def with_errors(docs: tuple[Any, ...], errors: dict[str, tuple[str, ...]]) -> tuple[Any, ...]:
    """The search documents with the error signatures the graph found."""
    return tuple(dataclasses.replace(d, errors=errors[d.id]) if d.id in errors else d for d in docs)


MARKS_FILE = "store-marks.pickle"
VALUES_FILE = "store-values.pickle"


def hand_back(scratch: Path, delta: dict) -> None:
    """In the child: what it derived (`Store.since`), for the parent's store, in two files:
    the keys it used and derived (small: the parent reads them) and the values (most of what
    the child made: saved into `kb build`'s cache unread, store.split)."""
    for name, part in zip((MARKS_FILE, VALUES_FILE), split(delta)):
        with open(scratch / name, "wb") as f:
            pickle.dump(part, f, protocol=pickle.HIGHEST_PROTOCOL)


def take_back(scratch: Path, store: Any) -> Path | None:
    """In the parent: the child's marks taken into `store` (`Store.take_marks`); returns the
    file of its values, for the cache to save after the store (None when it wrote none)."""
    values = scratch / VALUES_FILE
    try:
        with open(scratch / MARKS_FILE, "rb") as f:  # read as it is unpickled, not whole first
            marks = unpickle(f)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    if not values.is_file():
        return None
    store.take_marks(marks)
    return values
