"""Reading content files into `Entry` objects, with located findings.

A file either becomes an Entry or is skipped with at least one error naming the
file and line; nothing is dropped silently.
"""
from __future__ import annotations

import html
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from . import content_files
from .model import Corpus, Entry, Finding, Reference, Severity, SkippedFile
from .schema import FRONT_MATTER, KNOWN_FIELDS, MAX_KEYWORDS, MAX_TAGS, FieldError, capped

MAX_ENTRY_BYTES = 2 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_YAML_DEPTH = 50
_FM_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: schema.coerce_date validates them
    (an impossible unquoted date such as 2024-13-45 would otherwise raise ValueError
    from inside PyYAML)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# libyaml's parser (about 10x faster than PyYAML's own) parses well-formed
# front-matter; anything it rejects or finds wrong is parsed again by `_Loader`,
# so every error message and line is PyYAML's.
_CLoader = None
if getattr(yaml, "CSafeLoader", None) is not None:  # PyYAML built with libyaml
    class _CLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        pass

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


@dataclass
class _Result:
    entry: Entry | None
    findings: list[Finding]

    @property
    def id_line(self) -> int | None:
        return getattr(self.findings, "id_line", None)


class _Findings(list):
    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.id_line: int | None = None  # line of the 'id' key, for duplicate-id findings

    def add(self, severity: Severity, kind: str, message: str, line: int | None = None) -> None:
        self.append(Finding(severity, kind, message, self.path, line))

    def error(self, kind: str, message: str, line: int | None = None) -> None:
        self.add(Severity.ERROR, kind, message, line)

    def warning(self, kind: str, message: str, line: int | None = None) -> None:
        self.add(Severity.WARNING, kind, message, line)

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self)


# --------------------------------------------------------------------------- decoding

def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, findings: _Findings) -> str | None:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030."""
    if not data.strip():
        findings.error("empty-file", "the file is empty")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        findings.warning("encoding", "the file starts with a UTF-8 byte-order mark; it was removed", 1)
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            findings.error("encoding", f"the file is not valid UTF-16: {exc.reason}", 1)
            return None
        findings.warning("encoding", "the file is encoded in UTF-16; save it as UTF-8", 1)
        return text.replace("\r\n", "\n").replace("\r", "\n")
    head = data[:8192]
    if b"\x00" in head:
        # UTF-16 without a byte-order mark has a NUL in every other byte of ASCII text.
        if len(head) >= 8 and (head[1::2].count(0) * 4 > len(head) * 3 // 2
                               or head[0::2].count(0) * 4 > len(head) * 3 // 2):
            findings.error("encoding", "the file looks like UTF-16 without a byte-order mark; "
                           "save it as UTF-8", 1)
        else:
            findings.error("binary-file", "the file is binary (it contains NUL bytes), not markdown", 1)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(data, exc.start)
        replaced = data.decode("utf-8", errors="replace")
        bad = replaced.count("\ufffd")
        # Legacy Chinese encodings fail UTF-8 on nearly every character;
        # a few stray bytes in otherwise valid UTF-8 are corruption instead.
        if bad > 3 and bad * 50 > len(replaced):
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                findings.warning("encoding", "the file is encoded in GBK/GB18030; save it as UTF-8", 1)
                return text.replace("\r\n", "\n")
        findings.error(
            "encoding",
            f"invalid UTF-8 byte 0x{data[exc.start]:02x} (byte {exc.start}); "
            "save the file as UTF-8",
            line,
        )
        return None
    if not text.strip():
        findings.error("empty-file", "the file is empty", 1)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- front-matter

def _depth_exceeded(node: yaml.Node, limit: int = MAX_YAML_DEPTH) -> bool:
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
    return False


def _parse_yaml(fm_text: str, first_line: int, findings: _Findings) -> tuple[dict, dict[str, int]] | None:
    """Safe YAML with no aliases (alias bombs), returning the mapping and each key's line.

    `first_line` is the 1-based file line of `fm_text`'s first line.
    """
    if len(fm_text) > MAX_FRONT_MATTER_CHARS:
        findings.error("front-matter-size", f"the front-matter is over {MAX_FRONT_MATTER_CHARS // 1024} KB", first_line)
        return None
    if _CLoader is not None:
        trial = _Findings(findings.path)
        try:
            result = _parse_yaml_with(_CLoader, fm_text, first_line, trial)
        except Exception:
            result = None
        if result is not None and not trial.failed:
            findings.extend(trial)
            return result
    return _parse_yaml_with(_Loader, fm_text, first_line, findings)


def _parse_yaml_with(loader_cls, fm_text: str, first_line: int,
                     findings: _Findings) -> tuple[dict, dict[str, int]] | None:
    try:
        # No '*' in the text, no alias: the event scan is skipped.
        for event in (yaml.parse(fm_text, Loader=loader_cls) if "*" in fm_text else ()):
            if isinstance(event, yaml.AliasEvent):
                line = first_line + event.start_mark.line
                findings.error("yaml-alias", "YAML aliases (*name) are not allowed in front-matter", line)
                return None
        loader = loader_cls(fm_text)
        try:
            node = loader.get_single_node()
            if node is None:
                findings.error("front-matter-empty", "the front-matter is empty", first_line)
                return None
            if not isinstance(node, yaml.MappingNode):
                findings.error(
                    "front-matter-type",
                    "the front-matter must be a mapping of 'key: value' lines, "
                    f"not {_NODE_KINDS.get(type(node), 'a value')}",
                    first_line + node.start_mark.line,
                )
                return None
            if _depth_exceeded(node):
                findings.error("yaml-depth", f"the front-matter is nested more than {MAX_YAML_DEPTH} levels deep",
                               first_line + node.start_mark.line)
                return None
            lines: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag != "tag:yaml.org,2002:str":
                    label = {"tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
                             "tag:yaml.org,2002:bool": "a boolean", "tag:yaml.org,2002:null": "empty"}.get(
                                 key_node.tag, "not a plain string")
                    if isinstance(key_node, yaml.ScalarNode):
                        message = f"front-matter keys must be text; the key {key_node.value!r} is {label} (quote it)"
                    else:
                        message = "front-matter keys must be text, not a list or mapping"
                    findings.error("front-matter-type", message, first_line + key_node.start_mark.line)
                    return None
                if isinstance(key_node, yaml.ScalarNode):
                    key = str(key_node.value)
                    line = first_line + key_node.start_mark.line
                    if key in lines:
                        findings.warning("duplicate-key", f"the key '{key}' is given twice (also on line "
                                         f"{lines[key]}); the last value is used", line)
                    lines.setdefault(key, line)
            try:
                data = loader.construct_document(node)
            except yaml.MarkedYAMLError:
                raise
            except Exception as exc:  # PyYAML constructors raise plain errors, e.g. for `!!timestamp 2024-13-45`
                detail = str(exc) if isinstance(exc, ValueError) else "a value does not fit its explicit '!!' tag"
                findings.error("yaml-value", f"invalid YAML value: {detail}", first_line)
                return None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or str(exc)
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        message = f"invalid YAML: {problem}"
        if exc.context:
            where = exc.context_mark
            if where is not None and exc.problem_mark is not None and where.line != exc.problem_mark.line:
                message = (f"invalid YAML: {exc.context} (line {first_line + where.line}): {problem} "
                           f"(line {line})")
                if "end of stream" in problem:  # an unclosed quote or bracket: point at its start
                    line = first_line + where.line
            else:
                message = f"invalid YAML: {exc.context}: {problem}"
        findings.error("yaml-syntax", message, line)
        return None
    except yaml.reader.ReaderError as exc:
        line = first_line + fm_text.count("\n", 0, exc.position)
        findings.error("yaml-syntax", f"invalid character U+{exc.character if isinstance(exc.character, int) else ord(exc.character):04X} "
                       "in the front-matter (control characters are not allowed)", line)
        return None
    except yaml.YAMLError as exc:
        findings.error("yaml-syntax", f"invalid YAML: {exc}", first_line)
        return None
    except RecursionError:
        findings.error("yaml-depth", "the front-matter is nested too deeply", first_line)
        return None
    if not isinstance(data, dict):  # pragma: no cover - guarded by the node check above
        findings.error("front-matter-type", "the front-matter must be a mapping of 'key: value' lines", first_line)
        return None
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        findings.error("front-matter-type", f"front-matter keys must be text; {bad_keys[0]!r} is "
                       f"{_type_label(bad_keys[0])} (quote it)", lines.get(str(bad_keys[0]), first_line))
        return None
    return data, lines


_NODE_KINDS = {yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}


def _type_label(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "empty"
    return type(value).__name__


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front-matter text, body, 1-based line where the body starts) or None.

    The front-matter text starts with the first line after the opening '---'
    (so its line 0 is file line 2) and ends before the closing '---' line.
    """
    if not _FM_BOUNDARY.match(text):
        return None
    opening = _FM_BOUNDARY.match(text)
    fm_start = opening.end() + 1  # skip the newline ending the opening line
    closing = _FM_BOUNDARY.search(text, fm_start) if fm_start <= len(text) else None
    if closing is None:
        return None
    fm_text = text[fm_start:closing.start()]
    body_start = closing.end() + 1 if closing.end() < len(text) else closing.end()
    body = text[body_start:]
    body_line = text.count("\n", 0, body_start) + 1
    return fm_text, body, body_line


# --------------------------------------------------------------------------- body sections

# Patterns below are written to run in linear time: entries are untrusted input, and
# the previous `^(#{1,6})\s*(.*?)\s*#*\s*$` took minutes on one crafted heading line.
_HEADING_START = re.compile(r"(#{1,6})(.*)")
_TAG = re.compile(r"<[^<>]*>")


class _HeadingMatch:
    """What `_HEADING.match(line)` used to return: group(1) the hashes, group(2) the text."""

    def __init__(self, hashes: str, text: str):
        self._groups = (None, hashes, text)

    def group(self, index: int) -> str:
        return self._groups[index]


class _Heading:
    @staticmethod
    def match(line: str) -> _HeadingMatch | None:
        start = _HEADING_START.match(line)
        if start is None:
            return None
        # ATX heading: optional closing hashes and surrounding spaces are not part of the text.
        text = start.group(2).strip().rstrip("#").rstrip()
        return _HeadingMatch(start.group(1), text)


_HEADING = _Heading()
_FONT_RULE = re.compile(r"^\s*<font\b[^>]*>\s*-{3,}\s*</font>\s*$", re.IGNORECASE)
_RULE = re.compile(r"^\s*-{3,}\s*$")

_ROLES = {
    "question": {"用户问题", "用戶問題", "问题", "問題", "question", "q", "problem", "userquestion"},
    "answer": {"专家官方解答", "專家官方解答", "解答", "回答", "答案", "answer", "a", "solution", "expertanswer"},
    "references": {"参考链接", "參考鏈接", "參考連結", "参考资料", "參考資料", "参考", "參考", "references", "reference", "links", "seealso", "sources"},
    "boilerplate": {"答疑服务说明", "答疑服務說明"},
}
_DROPPED_SUBSECTIONS = {"反馈", "反饋", "另", "feedback"}


def _heading_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", _TAG.sub("", text))
    text = re.sub(r"[\s:：*_`]+", "", text)
    return text.lower()


def _role(text: str) -> str | None:
    key = _heading_key(text)
    for role, names in _ROLES.items():
        if key in names:
            return role
    return None


def _trim_block(lines: list[str]) -> str:
    kept = [l for l in lines if not _FONT_RULE.match(l)]
    while kept and (not kept[0].strip() or _RULE.match(kept[0])):
        kept.pop(0)
    while kept and (not kept[-1].strip() or _RULE.match(kept[-1])):
        kept.pop()
    # The corpus indents the first question line by one space; that is not code.
    return "\n".join(kept).strip()


@dataclass(frozen=True)
class Sections:
    question: str | None
    answer: str
    references: str
    form: str
    answer_line: int | None


def split_sections(body: str, body_line: int = 1) -> Sections:
    """Find question/answer/references; drop boilerplate blocks."""
    parts: dict[str, list[str]] = {"preamble": []}
    lines_at: dict[str, int] = {}
    current = "preamble"
    dropping_sub_level = 0  # inside a dropped '### 反馈' block until a heading this level or higher
    form = "plain"
    in_fence = False
    for number, line in enumerate(body.split("\n"), start=body_line):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            level = len(match.group(1))
            if dropping_sub_level and level <= dropping_sub_level:
                dropping_sub_level = 0
            role = _role(match.group(2)) if level <= 2 else None
            if role == "boilerplate":
                break  # everything after the service notice is boilerplate
            if role:
                current = role
                lines_at.setdefault(role, number)
                parts.setdefault(role, [])
                if form == "plain":
                    form = "clean" if match.group(2).strip()[:1].isascii() else "expert"
                continue
            if _heading_key(match.group(2)) in _DROPPED_SUBSECTIONS:
                dropping_sub_level = level
                continue
        if dropping_sub_level:
            continue
        parts.setdefault(current, []).append(line)
    if form == "plain":
        return Sections(None, _trim_block(parts["preamble"]), "", form, body_line)
    answer = _trim_block(parts.get("answer", []))
    preamble = _trim_block(parts["preamble"])
    if preamble and "question" not in parts:
        answer = (preamble + "\n\n" + answer).strip()
    question = _trim_block(parts.get("question", [])) or None
    return Sections(question, answer, _trim_block(parts.get("references", [])), form, lines_at.get("answer"))


# The target may contain one level of balanced parentheses, as in javascript:alert(1) or wiki URLs.
_MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)")
_BULLET = re.compile(r"^\s*(?:[*+\-]|\d+[.)])\s*")


def parse_references(block: str) -> tuple[Reference, ...]:
    refs: list[Reference] = []
    for raw in block.split("\n"):
        line = _BULLET.sub("", raw).strip()
        if not line or _FONT_RULE.match(raw) or _RULE.match(raw):
            continue
        links = list(_MD_LINK.finditer(line))
        if links:
            for link in links:
                refs.append(Reference(link.group(1).strip() or link.group(2), link.group(2)))
        else:
            refs.append(Reference(line, None))
    return tuple(refs)


_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def is_unsafe_url(url: str | None) -> bool:
    """True for script-capable URL schemes, however they are spelt (case, spaces, entities)."""
    if not url:
        return False
    text = html.unescape(url)
    text = "".join(ch for ch in text if ch.isprintable() and not ch.isspace()).lower()
    return text.startswith(_UNSAFE_SCHEMES)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line_containing(body: str, body_line: int, needle: str) -> int | None:
    index = body.find(needle)
    return body_line + body.count("\n", 0, index) if index >= 0 else None


def _safe_references(refs: tuple[Reference, ...], body: str, body_line: int,
                     findings: _Findings) -> tuple[Reference, ...]:
    kept: list[Reference] = []
    for ref in refs:
        if is_unsafe_url(ref.target):
            findings.warning(
                "unsafe-link",
                f"the reference '{_clip(ref.text)}' links to {_clip(ref.target)!r}; "
                "script URLs are not allowed, so only its text is kept",
                _line_containing(body, body_line, ref.target),
            )
            ref = Reference(ref.text, None)
        kept.append(ref)
    return tuple(kept)


# --------------------------------------------------------------------------- files

def _line_of(lines: dict[str, int], key: str, default: int) -> int:
    return lines.get(key, default)


def parse_text(text: str, rel_path: str, findings: _Findings, max_tags: int = MAX_TAGS,
               max_keywords: int = MAX_KEYWORDS) -> Entry | None:
    split = split_front_matter(text)
    if split is None:
        if _FM_BOUNDARY.match(text):
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
    parsed = _parse_yaml(fm_text, 2, findings)
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
                findings.error("missing-field" if "empty" in str(exc) and spec.required else
                               "unsafe-id" if spec.name == "id" else
                               "invalid-date" if spec.name == "date" else "field-type",
                               str(exc), line)
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
    references = _safe_references(parse_references(sections.references), body, body_line, findings)
    for field_name, text_value in (("question", sections.question or ""), ("answer", sections.answer)):
        for match in _MD_LINK.finditer(text_value):
            if is_unsafe_url(match.group(2)):
                findings.warning(
                    "unsafe-link",
                    f"the {field_name} links to {_clip(match.group(2))!r}; script URLs are removed when the site is built",
                    _line_containing(body, body_line, match.group(0)),
                )
    return Entry(
        id=values["id"],
        title=title,
        question=sections.question or title,
        answer=sections.answer,
        source_path=rel_path,
        date=values.get("date"),
        category=values.get("category"),
        description=values.get("description"),
        tags=values.get("tags", ()),
        keywords=values.get("keywords", ()),
        references=references,
        form=sections.form,
        lang=values.get("lang"),
    )


def read_entry(path: Path, rel_path: str, max_bytes: int = MAX_ENTRY_BYTES, max_tags: int = MAX_TAGS,
               max_keywords: int = MAX_KEYWORDS) -> _Result:
    """The entry in the regular file at `path` (a link there is not followed: read_corpus
    gives a vetted link's real path), with at most `max_tags` tags and `max_keywords` keywords."""
    findings = _Findings(rel_path)
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
    text = decode(data, findings)
    if text is None:
        return _Result(None, findings)
    return _Result(parse_text(text, rel_path, findings, max_tags, max_keywords), findings)


# `kb serve` rebuilds in one process: files whose size, inode and mtime are unchanged
# since the last read are not parsed again (None: every read parses).
_REMEMBERED: dict[tuple[str, str], tuple[tuple, _Result]] | None = None


def remember_reads(enabled: bool = True) -> None:
    global _REMEMBERED
    _REMEMBERED = {} if enabled else None


def _read_remembered(path: Path | str, rel_path: str, absolute: bool = False,
                     caps: tuple[int, int] = (MAX_TAGS, MAX_KEYWORDS)) -> _Result:
    """`read_entry`, or the last result while the file and the `caps` (max tags, max
    keywords) are unchanged (`absolute`: the path is absolute and normalised already)."""
    if _REMEMBERED is None:
        return read_entry(Path(path), rel_path, max_tags=caps[0], max_keywords=caps[1])
    # An absolute path is key enough: the stamp (inode included) is of the file it names.
    key = (path if absolute else os.path.abspath(path), rel_path)
    try:
        st = os.stat(path)
        stamp = (st.st_size, st.st_ino, st.st_mtime_ns, caps)
    except OSError:
        return read_entry(Path(path), rel_path, max_tags=caps[0], max_keywords=caps[1])
    known = _REMEMBERED.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    result = read_entry(Path(path), rel_path, max_tags=caps[0], max_keywords=caps[1])
    _REMEMBERED[key] = (stamp, result)
    return result


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
                max_tags: int = MAX_TAGS, max_keywords: int = MAX_KEYWORDS) -> Corpus:
    """Read every file under `root` (or the given files); check ids across files.
    Each entry keeps at most `max_tags` tags and `max_keywords` keywords (warned)."""
    root = Path(root)
    root_is_dir = root.is_dir()
    base = display_base if display_base is not None else (root if root_is_dir else root.parent)
    if files is None and root_is_dir and base == root:
        # The common case (a content folder): paths (strings) relative to it from the walk
        # itself, without pathlib work per file (live-preview rebuilds read thousands of files).
        walked = [(folder + rel[-1], (rel, link)) for folder, rel, link in content_files.walk(root)]
        paths: list = [path for path, _ in walked]
        known_rel: dict[str, tuple[tuple[str, ...], bool]] | None = dict(walked)
        absolute = os.path.abspath(root) == os.fspath(root)  # so is every path walked from it
    else:
        paths = list(files) if files is not None else ([root] if not root_is_dir else list(iter_content_files(root)))
        known_rel, absolute = None, False
    root_real = os.path.realpath(root if root_is_dir else root.parent)
    entries: list[Entry] = []
    findings: list[Finding] = []
    skipped: list[SkippedFile] = []
    # Ids are compared case-insensitively too: 'FAQ-1' and 'faq-1' become the same
    # page file on macOS and Windows file systems.
    first_by_id: dict[str, tuple[str, str, int | None]] = {}  # folded id -> (id, shown path, line)
    for path in paths:
        walked_as = known_rel.get(path) if known_rel is not None else None
        if walked_as is not None:
            rel, is_link = walked_as
            shown = rel_source = "/".join(rel)
            hidden = any(part.startswith(".") and part not in (".", "..") for part in rel)
            name = rel[-1]
        else:
            shown, rel_source, hidden = _display_path(path, base), None, _is_hidden(path, root)
            name, is_link = path.name, os.path.islink(path)
        read_path, read_absolute = path, absolute
        if is_link:
            kind, why, read_path = content_files.link_problem(path, root_real)
            if kind is not None:
                skipped.append(SkippedFile(shown, why))
                findings.append(Finding(Severity.INFO if kind == "folder-link" else Severity.WARNING, kind, why, shown))
                continue
            read_absolute = True  # a real path
        if hidden:
            skipped.append(SkippedFile(shown, "hidden file"))
            findings.append(Finding(Severity.INFO, "hidden-file", "hidden file or folder; ignored", shown))
            continue
        if os.path.splitext(name)[1].lower() not in (".md", ".markdown"):
            skipped.append(SkippedFile(shown, "not a markdown file"))
            findings.append(Finding(Severity.INFO, "not-markdown", "not a markdown file; ignored", shown))
            continue
        if rel_source is not None:
            result = _read_remembered(read_path, rel_source, read_absolute, (max_tags, max_keywords))
        else:
            result = _read_remembered(read_path, _rel_source(path, root), caps=(max_tags, max_keywords))
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
    return Corpus(tuple(entries), tuple(findings), tuple(skipped), files_seen=len(paths))


def _rel_source(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root if root.is_dir() else root.parent).as_posix()
    except ValueError:
        return path.name
