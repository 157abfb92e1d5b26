"""Reading content files into `Entry` objects, with located findings.

A file either becomes an Entry or is skipped with at least one error naming the
file and line; nothing is dropped silently.  `parse_bytes` turns one file's
bytes into its entry and findings (a pure function: a build session remembers
it per file and bytes); `read_corpus` walks a content folder, reads the regular
files inside it and checks ids across them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Iterable

from . import content_files
from .frontmatter import FM_BOUNDARY, MAX_ENTRY_BYTES, Findings, decode, parse_yaml, split_front_matter
from .listindent import normalize_lists
from .model import Corpus, Entry, Finding, Severity, SkippedFile
from .schema import FRONT_MATTER, KNOWN_FIELDS, MAX_KEYWORDS, MAX_TAGS, FieldError, capped
from .sections import parse_references, safe_references, split_sections, unsafe_link_findings
from .titles import display_title

_ENTRY_FIELDS = frozenset(f.name for f in fields(Entry))


@dataclass
class _Result:
    entry: Entry | None
    findings: list[Finding]

    @property
    def id_line(self) -> int | None:
        return getattr(self.findings, "id_line", None)


# --------------------------------------------------------------------------- files

def _line_of(lines: dict[str, int], key: str, default: int) -> int:
    return lines.get(key, default)


def parse_text(text: str, rel_path: str, findings: Findings, max_tags: int = MAX_TAGS,
               max_keywords: int = MAX_KEYWORDS) -> Entry | None:
    split = split_front_matter(text)
    if split is None:
        if FM_BOUNDARY.match(text):
            findings.error(
                "no-front-matter",
                "the front-matter opened on line 1 is never closed: add a '---' line after its last key",
                1,
            )
        else:
            findings.error(
                "no-front-matter",
                "no front-matter: an entry starts with a '---' line, 'id:' and 'title:' keys, and a closing '---'",
                1,
            )
        return None
    fm_text, body, body_line = split
    parsed = parse_yaml(fm_text, 2, findings)
    if parsed is None:
        return None
    data, key_lines = parsed
    values: dict = {}
    for spec in FRONT_MATTER:
        line = _line_of(key_lines, spec.name, 1)
        if spec.name not in data:
            if spec.required:
                findings.error("missing-field", f"missing '{spec.name}' in the front-matter", 1)
            continue
        try:
            values[spec.name] = spec.coerce(data[spec.name])
        except FieldError as exc:
            if exc.soft:
                findings.warning("field-type", str(exc), line)
                values[spec.name] = exc.value
            else:
                findings.error(exc.kind, str(exc), line)
    for name, limit in (("tags", max_tags), ("keywords", max_keywords)):
        values[name], warning = capped(name, values.get(name, ()), limit)
        if warning:
            findings.warning(f"too-many-{name}", warning, _line_of(key_lines, name, 1))
    for key in data:
        if key not in KNOWN_FIELDS:
            findings.add(Severity.INFO, "unknown-field", f"unknown front-matter key '{key}' is ignored",
                         _line_of(key_lines, key, 1))
    if findings.failed:
        return None
    sections = split_sections(body, body_line)
    if not sections.answer:
        findings.warning("empty-answer", "the entry has no answer text", sections.answer_line or body_line)
    if not values.get("tags") and not values.get("keywords"):
        findings.warning("no-tags", "no tags or keywords; they will be extracted from the text",
                         _line_of(key_lines, "tags", 1))
    if "date" not in values or values["date"] is None:
        findings.warning("no-date", "no 'date'; the entry is listed without one", 1)
    title = values["title"]
    findings.id_line = _line_of(key_lines, "id", 1)
    references = safe_references(parse_references(sections.references), body, body_line, findings)
    unsafe_link_findings({"question": sections.question or "", "answer": sections.answer}, body, body_line, findings)
    # Every front-matter key the schema declares fills the model field of its name.
    declared = {spec.name: value for spec in FRONT_MATTER if spec.name in _ENTRY_FIELDS
                and (value := values.get(spec.name, values.get(spec.fallback) if spec.fallback else None)) is not None}
    # Lists nested the CommonMark way are re-indented here, so every page and `kb export` reads them so.
    question = sections.question or title
    return Entry(**declared, question=normalize_lists(question), answer=normalize_lists(sections.answer),
                 source_path=rel_path, references=references, form=sections.form,
                 display_title=display_title(title, question))


def parse_bytes(data: bytes, rel_path: str, max_tags: int = MAX_TAGS, max_keywords: int = MAX_KEYWORDS) -> _Result:
    """One file's bytes to its entry (or None) and findings: a function of its arguments."""
    findings = Findings(rel_path)
    text = decode(data, findings)
    if text is None:
        return _Result(None, findings)
    return _Result(parse_text(text, rel_path, findings, max_tags, max_keywords), findings)


Parser = Callable[[bytes, str, int, int], _Result]


def read_entry(path: Path | str, rel_path: str, max_bytes: int = MAX_ENTRY_BYTES, max_tags: int = MAX_TAGS,
               max_keywords: int = MAX_KEYWORDS, parse: Parser = parse_bytes) -> _Result:
    """The entry in the regular file at `path` (a link there is not followed: read_corpus
    gives a vetted link's real path), with at most `max_tags` tags and `max_keywords` keywords."""
    findings = Findings(rel_path)
    try:
        data = content_files.read_regular(path, max_bytes)
    except content_files.TooLarge as exc:
        limit = f"the {max_bytes / 1048576:.0f} MB limit for one entry"
        findings.error("file-too-large", f"the file is {exc.size / 1048576:.1f} MB, over {limit}"
                       if exc.size is not None else f"the file holds more than {limit}")
        return _Result(None, findings)
    except content_files.NotRegularFile as exc:
        findings.error("not-a-file", f"not read: {exc}")
        return _Result(None, findings)
    except OSError as exc:
        findings.error("unreadable", f"cannot read the file: {exc.strerror or exc}")
        return _Result(None, findings)
    return parse(data, rel_path, max_tags, max_keywords)


def iter_content_files(root: Path) -> Iterable[Path]:
    """Every file and link under `root` (see content_files.walk)."""
    for dirpath, rel, _ in content_files.walk(root):
        yield Path(dirpath) / rel[-1]


def _is_hidden(path: Path, root: Path) -> bool:
    """A dot-file, or a file inside a dot-folder below the content root."""
    try:
        parts = path.relative_to(root).parts if root.is_dir() else (path.name,)
    except ValueError:
        parts = (path.name,)
    return any(part.startswith(".") and part not in (".", "..") for part in parts)


def _display_path(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def read_corpus(root: Path | str, display_base: Path | None = None, files: Iterable[Path] | None = None,
                max_tags: int = MAX_TAGS, max_keywords: int = MAX_KEYWORDS, parse: Parser = parse_bytes,
                reads: content_files.FileReads | None = None) -> Corpus:
    """Read every file under `root` (or the given files); check ids across files.
    Each entry keeps at most `max_tags` tags and `max_keywords` keywords (warned).
    `parse` turns a file's bytes into its result (a session remembers `parse_bytes`);
    `reads` keeps each file's result while the file stays as it was (a live preview's)."""
    root = Path(root)
    root_is_dir = root.is_dir()
    base = display_base if display_base is not None else (root if root_is_dir else root.parent)
    if files is None and root_is_dir and base == root:
        # The common case (a content folder): paths (strings) relative to it from the walk
        # itself, without pathlib work per file (live-preview rebuilds read thousands of files).
        walked = [(folder + rel[-1], (rel, link)) for folder, rel, link in content_files.walk(root)]
        paths: list = [path for path, _ in walked]
        known_rel: dict[str, tuple[tuple[str, ...], bool]] | None = dict(walked)
    else:
        paths = list(files) if files is not None else ([root] if not root_is_dir else list(iter_content_files(root)))
        known_rel = None
    root_real = os.path.realpath(root if root_is_dir else root.parent)
    entries: list[Entry] = []
    findings: list[Finding] = []
    skipped: list[SkippedFile] = []
    # Ids are compared case-insensitively too: 'FAQ-1' and 'faq-1' become the same
    # page file on macOS and Windows file systems.
    first_by_id: dict[str, tuple[str, str, int | None]] = {}  # folded id -> (id, shown path, line)
    read_keys: set[tuple] = set()
    for path in paths:
        walked_as = known_rel.get(path) if known_rel is not None else None
        if walked_as is not None:
            rel, is_link = walked_as
            shown = rel_source = "/".join(rel)
            # a part starting with a dot (the walk never yields "." or ".." as a part)
            hidden = "/." in "/" + shown
            name = rel[-1]
        else:
            shown, rel_source, hidden = _display_path(path, base), None, _is_hidden(path, root)
            name, is_link = path.name, os.path.islink(path)
        read_path = path
        if is_link:
            kind, why, read_path = content_files.link_problem(path, root_real)
            if kind is not None:
                skipped.append(SkippedFile(shown, why))
                findings.append(Finding(Severity.INFO if kind == "folder-link" else Severity.WARNING, kind, why, shown))
                continue
        if hidden:
            skipped.append(SkippedFile(shown, "hidden file"))
            findings.append(Finding(Severity.INFO, "hidden-file", "hidden file or folder; ignored", shown))
            continue
        if os.path.splitext(name)[1].lower() not in (".md", ".markdown"):
            skipped.append(SkippedFile(shown, "not a markdown file"))
            findings.append(Finding(Severity.INFO, "not-markdown", "not a markdown file; ignored", shown))
            continue
        rel_path = rel_source if rel_source is not None else _rel_source(path, root)

        def read() -> _Result:
            return read_entry(read_path, rel_path, max_tags=max_tags, max_keywords=max_keywords, parse=parse)
        if reads is None:
            result = read()
        else:
            key = (read_path, rel_path, max_tags, max_keywords)
            read_keys.add(key)
            result = reads.result(read_path, key, read)
        located = [Finding(f.severity, f.kind, f.message, shown, f.line) for f in result.findings]
        entry = result.entry
        if entry is not None and entry.id.casefold() in first_by_id:
            other_id, other_path, other_line = first_by_id[entry.id.casefold()]
            where = f"{other_path}:{other_line}" if other_line else other_path
            if other_id == entry.id:
                message = f"id '{entry.id}' is already used by '{where}'; every entry needs its own id"
            else:
                message = (f"id '{entry.id}' differs only in letter case from '{other_id}' in '{where}'; "
                           "their pages would overwrite each other on case-insensitive file systems")
            located.append(Finding(Severity.ERROR, "duplicate-id", message, shown, result.id_line))
            entry = None
        findings.extend(located)
        if entry is None:
            first_error = next((f for f in located if f.severity is Severity.ERROR), None)
            skipped.append(SkippedFile(shown, first_error.message if first_error else "unreadable"))
            continue
        first_by_id[entry.id.casefold()] = (entry.id, shown, result.id_line)
        entries.append(entry)
    if reads is not None:
        reads.forget_others(read_keys)
    return Corpus(tuple(entries), tuple(findings), tuple(skipped), files_seen=len(paths))


def _rel_source(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root if root.is_dir() else root.parent).as_posix()
    except ValueError:
        return path.name
