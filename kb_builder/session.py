"""A build session: what one `kb build`, or one whole `kb serve`, keeps between its steps.

A session owns the store of derived values (store.py) and the segmentations
its analyzers share.  `kb build` starts an empty session (a clean build);
`kb serve` keeps one session for all its rebuilds, so each rebuild recomputes
only what an edit changed.  Whether the session serves a live preview is one
object, `serving` (None for a build), that the plugin gives it.
"""
from __future__ import annotations

from typing import Any, Iterable

from .analyze import Analyzer
from .content_files import FileReads
from .segment import Segmentations
from .store import Store


class Session:
    def __init__(self, serving: Any = None, verify: bool | None = None, store: Store | None = None):
        """`store`: values an earlier build derived (a `kb build` cache, buildcache.py)."""
        self.store = store if store is not None else Store(verify)
        self.restored = store is not None  # starts from what an earlier build derived
        self.serving = serving
        # what reading each content file gave, while the file stays as it was: a preview's
        # rebuild reads only the files saved since (a build reads every file once)
        self.reads = FileReads(self.store.verify)
        self.builds = 0

    @property
    def cuts(self) -> Segmentations:
        return self.store.keep("segmentations", Segmentations)

    def analyzer(self, words: Iterable[str]) -> Analyzer:
        """The analyzer of these taught words, remembering its cuts in this session."""
        return Analyzer.of(words, self.cuts)

    def end_build(self) -> None:
        """A build is done: what builds stopped using is forgotten once the store has grown
        enough to be swept (store.py)."""
        self.builds += 1
        self.store.end_build()
