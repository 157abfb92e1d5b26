"""The content model: plain frozen data, no I/O, no third-party imports.

Everything the builder knows about a knowledge base is expressed with these
types; parsing (ingest.py) produces them, transforms (normalize.py, link.py)
derive new ones, rendering (pages.py) and search (search.py) consume them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator, Mapping, TypeVar

_T = TypeVar("_T")


def hash_once(cls: type[_T]) -> type[_T]:
    """A frozen dataclass whose hash is computed once per value: the pages of a rebuild are
    remembered by keys holding the same entries thousands of times.  The hash is never
    pickled (a string's hash differs from one process to the next)."""
    fields_hash = cls.__hash__

    def __hash__(self) -> int:
        found = self.__dict__.get("_hash")
        if found is None:
            found = fields_hash(self)
            object.__setattr__(self, "_hash", found)
        return found

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    cls.__hash__ = __hash__  # type: ignore[assignment]
    cls.__getstate__ = __getstate__  # type: ignore[attr-defined]
    return cls


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Texts(Mapping[str, str]):
    """A text in several languages (language -> text): immutable, hashable, ordered by language."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None):
        self._items: tuple[tuple[str, str], ...] = tuple(sorted((items or {}).items()))

    def __getitem__(self, lang: str) -> str:
        for key, text in self._items:
            if key == lang:
                return text
        raise KeyError(lang)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Texts):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other.items())

    def __repr__(self) -> str:
        return f"Texts({dict(self._items)!r})"

    def text(self, lang: str, default: str = "") -> str:
        """The text in `lang` ('zh-TW' reads 'zh'), else in the first language there is."""
        key = "zh" if lang.startswith("zh") else "en"
        return self.get(lang) or self.get(key) or next((t for _, t in self._items if t), default)


@dataclass(frozen=True)
class Finding:
    """One problem found in a content file, located by path and line."""

    severity: Severity
    kind: str  # stable machine-readable code, e.g. "yaml-syntax", "duplicate-id"
    message: str
    path: str
    line: int | None = None

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def as_dict(self) -> dict:
        return {
            "severity": self.severity.value,
            "kind": self.kind,
            "message": self.message,
            "path": self.path,
            "line": self.line,
        }


@dataclass(frozen=True)
class Reference:
    """A cited source: an external link, a link to another entry, or a bare title."""

    text: str
    target: str | None = None  # URL or relative path as written; None for bare titles


@hash_once
@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    question: str
    answer: str
    source_path: str  # path relative to the content directory, POSIX separators
    date: str | None = None  # ISO yyyy-mm-dd
    updated: str | None = None  # ISO yyyy-mm-dd of the last change (front-matter `updated`, else `date`)
    category: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()  # as written (after splitting), normalised later
    keywords: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    form: str = "plain"  # "expert" (Chinese seed form), "clean" (English headings) or "plain"
    lang: str | None = None  # declared language, if any
    # The title readers see (headings, listings, search results): ingest gives a title cut
    # short in the source its question's first sentence (titles.py); by default the title.
    display_title: str = ""

    def __post_init__(self) -> None:
        if not self.display_title:
            object.__setattr__(self, "display_title", self.title)


@dataclass(frozen=True)
class Tag:
    """A canonical tag after normalisation."""

    slug: str  # safe for URLs and file names
    label: str  # what readers see


@hash_once
@dataclass(frozen=True)
class NormalizedEntry:
    """An entry with its tags and keywords normalised (see normalize.py)."""

    entry: Entry
    tags: tuple[Tag, ...] = ()
    versions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    extracted: bool = False  # tags were extracted from the text, not written by an author


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    """Everything read from a content directory: entries plus what could not be used."""

    entries: tuple[Entry, ...]
    findings: tuple[Finding, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    files_seen: int = 0

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)


@dataclass(frozen=True)
class Related:
    entry_id: str
    score: float


@hash_once
@dataclass(frozen=True)
class EntryLinks:
    """What link.py derives for one entry from the whole corpus."""

    related: tuple[Related, ...] = ()
    also_asked: tuple[str, ...] = ()  # ids of near-identical questions
    references: tuple[tuple[Reference, str | None], ...] = ()  # (reference, resolved entry id)
    referenced_by: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # normalised error signatures
    hubs: tuple[str, ...] = ()  # hub slugs


@dataclass(frozen=True)
class BuildSummary:
    entries_in: int
    pages: int
    skipped: tuple[SkippedFile, ...] = field(default_factory=tuple)
    stats: dict = field(default_factory=dict)
