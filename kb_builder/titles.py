"""The title readers see: a title cut short in the source gets its question's first sentence.

Imported Q&A mirrors often make the title from the question's first 50-odd characters
(`NacosException: http error, code=403,msg=user not fou`).  When the title is a
strict prefix of the question, compared with whitespace collapsed and quotes
ignored (some mirrors drop them from titles), the display title is the question up
to its first sentence end after the title, at most `MAX_CHARS` characters, cut
between words (Latin) or characters (CJK) with an ellipsis.  Other titles are
shown as written.  `repeats` tells whether a question says nothing its title does not.
Pure.
"""
from __future__ import annotations

import unicodedata

MAX_CHARS = 120
ELLIPSIS = "…"
_QUOTES = frozenset("\"'“”‘’`")
_FULL_STOPS = frozenset("。？！")  # end a sentence wherever they are
_ASCII_STOPS = frozenset("?!.")  # end one before a blank, the end, or (not '.') Chinese text
_TRAILING = " \t,，、;；:：-—(（[【{<\"'“‘"


def _key(text: str) -> tuple[str, list[int]]:
    """The text with whitespace runs as one space and quotes dropped, and for each
    character of that the index in `text` it came from."""
    chars: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char in _QUOTES:
            continue
        if char.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                where.append(index)
            continue
        chars.append(char)
        where.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def prefix_end(title: str, question: str) -> int | None:
    """Where in `question` a title that is a strict prefix of it ends, or None when the
    title is not such a prefix."""
    title_key, _ = _key(title)
    question_key, where = _key(question)
    if not title_key or len(question_key) <= len(title_key) or not question_key.startswith(title_key):
        return None
    return where[len(title_key) - 1] + 1


def _sentence_end(text: str, start: int) -> int:
    """The index just after the first sentence of `text` that ends at or after `start`."""
    for index in range(start, len(text)):
        char = text[index]
        if char == "\n":
            return index
        following = text[index + 1] if index + 1 < len(text) else " "
        if char in _FULL_STOPS:
            return index + 1
        if char in _ASCII_STOPS and (following.isspace() or (char != "." and not following.isascii())):
            return index + 1
    return len(text)


def _latin(char: str) -> bool:
    return char.isalnum() and ord(char) < 0x2E80  # below the CJK blocks


def clip(text: str, limit: int = MAX_CHARS) -> str:
    """`text` in at most `limit` characters: cut between words or CJK characters, with an
    ellipsis; whole when it fits."""
    if len(text) <= limit:
        return text
    cut = limit - len(ELLIPSIS)
    # Back up out of a Latin word; a word longer than half the room is cut inside.
    back = cut
    while back > cut // 2 and _latin(text[back - 1]) and _latin(text[back]):
        back -= 1
    if back > cut // 2:
        cut = back
    return text[:cut].rstrip(_TRAILING) + ELLIPSIS


def display_title(title: str, question: str) -> str:
    """The title to show for an entry: `title`, or when it is a strict prefix of
    `question`, the question's first sentence (clipped)."""
    question = question.strip()
    end = prefix_end(title, question)
    if end is None:
        return title
    sentence = " ".join(question[:_sentence_end(question, end)].split())
    return clip(sentence)


def _words(text: str) -> str:
    """The text without whitespace, punctuation or symbols, case folded."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold()
                   if unicodedata.category(ch)[0] not in "PSZC")


def repeats(question: str, *titles: str) -> bool:
    """Whether the question is one of the titles word for word (whitespace, punctuation
    and case aside): a page showing that title need not show the question again."""
    words = _words(question)
    return any(words == _words(title) for title in titles)
