"""A content file's bytes to text, and its front-matter to values with the line of each key.

Decoding accepts UTF-8 (with or without BOM), UTF-16 with BOM and GBK/GB18030 and
reports anything else; the front-matter is read by a safe YAML loader that
refuses aliases and deep nesting and leaves dates to the schema.  Every problem
is a finding with the file's line.
"""
from __future__ import annotations

import re

import yaml

from .model import Finding, Severity

MAX_ENTRY_BYTES = 2 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_YAML_DEPTH = 50
FM_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
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


class Findings(list):
    """The findings of one file, located by path and line."""

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


def decode(data: bytes, findings: Findings) -> str | None:
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


def parse_yaml(fm_text: str, first_line: int, findings: Findings) -> tuple[dict, dict[str, int]] | None:
    """Safe YAML with no aliases (alias bombs), returning the mapping and each key's line.

    `first_line` is the 1-based file line of `fm_text`'s first line.
    """
    if len(fm_text) > MAX_FRONT_MATTER_CHARS:
        findings.error("front-matter-size", f"the front-matter is over {MAX_FRONT_MATTER_CHARS // 1024} KB", first_line)
        return None
    if _CLoader is not None:
        trial = Findings(findings.path)
        try:
            result = _parse_yaml_with(_CLoader, fm_text, first_line, trial)
        except Exception:
            result = None
        if result is not None and not trial.failed:
            findings.extend(trial)
            return result
    return _parse_yaml_with(_Loader, fm_text, first_line, findings)


def _parse_yaml_with(loader_cls, fm_text: str, first_line: int,
                     findings: Findings) -> tuple[dict, dict[str, int]] | None:
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
    if not FM_BOUNDARY.match(text):
        return None
    opening = FM_BOUNDARY.match(text)
    fm_start = opening.end() + 1  # skip the newline ending the opening line
    closing = FM_BOUNDARY.search(text, fm_start) if fm_start <= len(text) else None
    if closing is None:
        return None
    fm_text = text[fm_start:closing.start()]
    body_start = closing.end() + 1 if closing.end() < len(text) else closing.end()
    body = text[body_start:]
    body_line = text.count("\n", 0, body_start) + 1
    return fm_text, body, body_line
