"""Text that is safe to print on a terminal or into a CI log.

Entry text and file names are untrusted: an ESC sequence in them could clear the
screen, write the clipboard (OSC 52) or hide a link (OSC 8), a bidi control could
reorder what is shown, and a newline in a file name could put a GitHub Actions
workflow command (`::error ...`) on a line of its own.  Every line kb prints with
such text goes through `clean` (one value) or `clean_lines` (the lines kb made), and
JSON output through `clean_json`.
"""
from __future__ import annotations

import re
from typing import Iterable

# C0 and C1 controls, DEL, the line and paragraph separators, and the bidi marks,
# embeddings, overrides and isolates.
_CONTROLS = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f{_CONTROLS}]")
_UNSAFE_IN_JSON = re.compile(f"[{_CONTROLS}]")  # json.dumps escapes C0 itself
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def clean(text: object) -> str:
    """`text` on one line with every control character shown as an escape (`\\x1b`, `\\n`, `\\u202e`)."""
    return _UNSAFE.sub(_escape, str(text))


def clean_lines(lines: Iterable[str]) -> str:
    """Lines kb made, each cleaned: a line break inside one came from user text."""
    return "\n".join(clean(line) for line in lines)


def clean_json(dumped: str) -> str:
    """`json.dumps(..., ensure_ascii=False)` output with the controls it leaves as they
    are (DEL, C1, separators, bidi) written as `\\uXXXX`: still the same JSON."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
