"""What a whoosh index build takes over from the index it replaces.

An index is a base segment and at most one delta segment.  A clean build writes every
document into the base.  An update (the next `kb build` with its cache, a `kb serve`
edit) keeps the previous base, marks its changed and removed documents deleted, and
writes one new delta with every other document (new, changed, or in the old delta):
a few documents instead of all of them.  Once the delta or the deletions grow past a
share of the corpus, the update is a clean build again, so queries read two segments
at most.

Nothing here changes a result: `kb search` ranks with its own statistics (documents
left after deletions, exact field lengths in `kb_meta.json`) and breaks ties by the
document's position in the corpus (`order`), so an updated index ranks exactly as a
clean one.  `kb_meta.json` records each document's digest (of every value whoosh was
given for it, and of kb's code) and a digest of the base's files, which must still hold
for the base to be taken over.

This module knows files and digests; search.py does what touches whoosh.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import codeid

INDEX_NAME = "MAIN"  # whoosh's name for an index's files
DELTA_SHARE = 8  # an update's delta holds at most 1/8 of the documents (else: a clean build)
DELETED_SHARE = 4  # and its base at most 1/4 of deleted documents
SMALL = 64  # documents any delta may hold, however small the corpus


def digest(record: Mapping[str, Any]) -> str:
    """Of what whoosh is given for a document."""
    h = hashlib.blake2b(codeid.environment().encode(), digest_size=10)
    h.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True)
class Base:
    """The previous index's base segment, as its `kb_meta.json` records it."""

    folder: Path
    segid: str
    ids: tuple[str, ...]  # per document number of the base
    digests: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """An update: which base documents stay (document number -> corpus position), which
    are deleted, and the corpus positions the delta holds (in corpus order)."""

    base: Base
    kept: dict[int, int]
    deleted: frozenset[int]
    delta: tuple[int, ...]

    @property
    def order(self) -> list[int]:
        """whoosh's document numbers (base, then delta) -> corpus positions (-1: deleted)."""
        return [self.kept.get(n, -1) for n in range(len(self.base.ids))] + list(self.delta)


def segment_files(folder: Path, segid: str) -> list[str]:
    prefix = f"{INDEX_NAME}_{segid}."
    return sorted(name for name in os.listdir(folder) if name.startswith(prefix))


def files_digest(folder: Path, names: Sequence[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for name in names:
        h.update(name.encode() + b"\0")
        with open(folder / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def read_base(previous: Path, segments: Sequence[str]) -> Base | None:
    """The base of the index in `previous` whose table of contents lists `segments` (whoosh
    ids, base first), if its record and files are as this module wrote them."""
    try:
        meta = json.loads((previous / "kb_meta.json").read_text(encoding="utf-8"))
        base = meta.get("base") if isinstance(meta, dict) else None
        if not isinstance(base, dict) or not segments or base.get("segment") != segments[0]:
            return None
        ids, digests = base.get("ids"), base.get("digests")
        if not (isinstance(ids, list) and isinstance(digests, list) and len(ids) == len(digests)):
            return None
        names = segment_files(previous, segments[0])
        if not names or files_digest(previous, names) != base.get("files"):
            return None
        return Base(previous, segments[0], tuple(map(str, ids)), tuple(map(str, digests)))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def plan(base: Base, ids: Sequence[str], digests: Sequence[str]) -> Plan | None:
    """The update from `base` to documents `ids` with `digests` (corpus order); None when a
    clean build is due."""
    position = {doc_id: p for p, doc_id in enumerate(ids)}
    kept: dict[int, int] = {}
    deleted, taken = set(), set()
    for number, (doc_id, old) in enumerate(zip(base.ids, base.digests)):
        p = position.get(doc_id)
        if p is not None and digests[p] == old and p not in taken:
            kept[number] = p
            taken.add(p)
        else:
            deleted.add(number)
    delta = tuple(p for p in range(len(ids)) if p not in taken)
    if len(delta) > max(SMALL, len(ids) // DELTA_SHARE) or len(deleted) > max(SMALL, len(base.ids) // DELETED_SHARE):
        return None
    return Plan(base, kept, frozenset(deleted), delta)


def take_over(base: Base, target: Path) -> str:
    """The base segment's files into the index being built (never written again: linked
    where possible); the digest of those files."""
    names = segment_files(base.folder, base.segid)
    for name in names:
        try:
            os.link(base.folder / name, target / name)
        except OSError:
            shutil.copy2(base.folder / name, target / name)
    return files_digest(target, names)


def move_segment(source: Path, target: Path, segid: str) -> str:
    """A segment written in a scratch folder into the index; the digest of its files."""
    names = segment_files(source, segid)
    for name in names:
        os.replace(source / name, target / name)
    return files_digest(target, names)
