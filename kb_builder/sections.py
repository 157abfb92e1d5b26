"""An entry's body: its question, answer and references sections, and the links it cites.

Headings are recognised in the seed form (`## 用户问题 ：`, `## 专家官方解答 ：`,
`## 参考链接 ：`), in Traditional Chinese and in the clean English form; the
service notice and feedback blocks are dropped.  Every pattern here runs in
linear time: entries are untrusted input.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from .frontmatter import Findings
from .model import Reference

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


def _blank_or_rule(line: str) -> bool:
    return not line.strip() or bool(_RULE.match(line))


def _trim_block(lines: list[str]) -> str:
    kept = [l for l in lines if "<" not in l or not _FONT_RULE.match(l)]
    # Indexes, not pop(0): that moved every other line, for each blank line in front.
    first = next((i for i, line in enumerate(kept) if not _blank_or_rule(line)), len(kept))
    last = next((i for i in range(len(kept) - 1, first - 1, -1) if not _blank_or_rule(kept[i])), first - 1)
    kept = kept[first:last + 1]
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
        match = None if in_fence or line[:1] != "#" else _HEADING.match(line)  # most lines: no call
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


def _lines_in_order(body: str, body_line: int) -> Callable[[str], int | None]:
    """The line of each text, for texts met in the order the body has them: a search
    starts where the last one ended (from the start, a finding per link was quadratic)."""
    last = [0, body_line]  # where the last text was found, and its line

    def line_containing(needle: str) -> int | None:
        index = body.find(needle, last[0])
        if index < 0:  # written before the last one: look from the start
            index = body.find(needle)
            return None if index < 0 else body_line + body.count("\n", 0, index)
        last[1] += body.count("\n", last[0], index)
        last[0] = index
        return last[1]
    return line_containing


def safe_references(refs: tuple[Reference, ...], body: str, body_line: int,
                     findings: Findings) -> tuple[Reference, ...]:
    kept: list[Reference] = []
    line_containing = _lines_in_order(body, body_line)
    for ref in refs:
        if is_unsafe_url(ref.target):
            findings.warning(
                "unsafe-link",
                f"the reference '{_clip(ref.text)}' links to {_clip(ref.target)!r}; "
                "script URLs are not allowed, so only its text is kept",
                line_containing(ref.target),
            )
            ref = Reference(ref.text, None)
        kept.append(ref)
    return tuple(kept)


def unsafe_link_findings(texts: dict[str, str], body: str, body_line: int, findings: Findings) -> None:
    """A warning for every script URL a link in these texts (name -> markdown) points at."""
    for field_name, text_value in texts.items():
        line_containing = _lines_in_order(body, body_line)
        for match in _MD_LINK.finditer(text_value):
            if is_unsafe_url(match.group(2)):
                findings.warning(
                    "unsafe-link",
                    f"the {field_name} links to {_clip(match.group(2))!r}; script URLs are removed when the site is built",
                    line_containing(match.group(0)),
                )
