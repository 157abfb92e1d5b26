"""Paths, names and words a question lost on its way to the corpus, put back from its answer.

Some mirrors strip characters from the questions they export: in the nacos-faq corpus
no title or question holds a '/' (each became a space: ``java.io.FileNotFoundException:
 home nacos conf nacos-logback.xml``) and '+' became a space too (``libstdc  .so.6``),
while the answers, written apart, keep them (``/home/nacos/conf/nacos-logback.xml``,
``libstdc++.so.6``).  `written_forms(answer)` lists the answer's tokens that hold such
a character, each with the form it takes when they are spaces; `restore(text, forms)`
puts a token back where the question holds that spaced form, so an error signature
shows the path as it was written.  Only the first `RESTORE_LIMIT` characters of a
question are read: a pasted error comes first, and the time stays bounded.

Mirrors also cut questions short, inside a word (``can't accept grpc request
temporaril``): `complete_end` finishes a text's last word as the answer writes it, when
the answer never writes it alone and writes it followed by more letters.  `repair` does
both to an entry's texts.
"""
from __future__ import annotations

import re
from collections import defaultdict

_LOST = "/+"  # characters a mirror turned into spaces
_NOT_IN_TOKEN = "\\s`'\"()<>\\[\\]{}\\u3000-\\u9fff\\uff00-\\uffef"
# a token holding a character of _LOST: from the token's start to its first, then on to its end
_TOKEN = re.compile(f"(?<![^{_NOT_IN_TOKEN}])[^{_NOT_IN_TOKEN}/+]*[/+][^{_NOT_IN_TOKEN}]*")
_EDGE = ".,:;!?"  # punctuation a token may end with in the question
MAX_FORMS = 500
MAX_WORDS = 16
MAX_SAME_FIRST = 16  # forms tried at one place: the longest ones starting with its word
RESTORE_LIMIT = 5000
MIN_CUT_WORD = 6  # a shorter last word is too likely a whole word that others continue


def repair(texts: tuple[str, ...], answer: str) -> tuple[str, ...]:
    """`texts` (an entry's title and question) with what they lost put back from `answer`."""
    forms = written_forms(answer)
    return tuple(restore(complete_end(text, answer), forms) for text in texts)


def complete_end(text: str, answer: str) -> str:
    """`text` with its last word finished as `answer` writes it, when it was cut short."""
    stripped = text.rstrip()
    words = stripped[-200:].split()
    last = words[-1] if words else ""
    if len(last) < MIN_CUT_WORD or not last[-1].isascii() or not last[-1].isalpha():
        return text
    rest: set[str] = set()
    for match in re.finditer(re.escape(last) + r"([A-Za-z]*)", answer):
        rest.add(match.group(1))
        if "" in rest:
            return text  # the answer writes it as a whole word
    if not rest:
        return text
    return stripped + min(rest, key=lambda r: (len(r), r)) + text[len(stripped):]


def written_forms(answer: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(the words it splits into where its '/' and '+' are spaces, the token as written)
    for the answer's tokens holding '/' or '+' between two words or more."""
    forms: dict[tuple[str, ...], str] = {}
    seen: set[str] = set()
    for match in _TOKEN.finditer(answer):
        token = match.group().rstrip(_EDGE)
        if token in seen:
            continue
        seen.add(token)
        if not re.search(r"[A-Za-z]", token):
            continue
        words = tuple(token.translate({ord(c): " " for c in _LOST}).split())
        if 2 <= len(words) <= MAX_WORDS and words not in forms:
            forms[words] = token
            if len(forms) >= MAX_FORMS:
                break
    return tuple(forms.items())


def restore(text: str, forms: tuple[tuple[tuple[str, ...], str], ...]) -> str:
    """`text` with each spaced form of `forms` written as the answer writes it."""
    if not forms or not text:
        return text
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for words, token in sorted(forms, key=lambda form: -len(form[0])):  # the longest first
        if len(by_first[words[0]]) < MAX_SAME_FIRST:
            by_first[words[0]].append((words, token))
    head = text[:RESTORE_LIMIT]
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", head)]
    pieces, last, i = [], 0, 0
    while i < len(spans):
        start, end = spans[i]
        found = next((f for f in by_first.get(head[start:end], ()) if _matches(head, spans, i, f[0])), None)
        if found is None:
            i += 1
            continue
        words, token = found
        last_start = spans[i + len(words) - 1][0]
        if token[0] in _LOST and start and head[start - 1] == " ":
            start -= 1  # the space that was its leading '/'
        pieces += [head[last:start], token]
        last = last_start + len(words[-1])
        i += len(words)
    return "".join(pieces) + head[last:] + text[RESTORE_LIMIT:]


def _matches(text: str, spans: list[tuple[int, int]], i: int, words: tuple[str, ...]) -> bool:
    if i + len(words) > len(spans):
        return False
    for k, word in enumerate(words):
        start, end = spans[i + k]
        written = text[start:end]
        if k < len(words) - 1:
            if written != word:
                return False
        elif not written.startswith(word) or written[len(word):].strip(_EDGE):
            return False  # the last one may be followed by punctuation: "libstdc  .so.6:"
    return True
