"""Error-signature extraction: the strings a reader pastes from a log or a screen.

`extract_signatures(text)` finds, in a title or question,

* Java/Python exception class names (``NacosException``, ``io.grpc.StatusRuntimeException``),
  with their message when it is short (``NacosException: user not found``);
* bracketed log codes (``[db-load-error]``, ``[DISTRO-INIT]``);
* HTTP statuses with their message (``403 user not found``) or alone (``HTTP 403``);
* metric alerts (``nacos_exception_total{name='unhealth'}``);
* error messages: quoted strings and Latin phrases pasted into Chinese text, or
  after markers such as 报错 / error: , that contain an error cue word
  (``No DataSource set``, ``Can't find dependent libraries``).

Each is returned as a `Signature` with a display form (variable parts such as
IPs, ports, ids, numbers replaced by ``<ip>``, ``<port>``, ``<id>``, ``<n>``) and a
case-insensitive key; `SignatureIndex` merges the same key across entries and
picks the best display form.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, NamedTuple

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

# --------------------------------------------------------------------------- normalisation

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'", "；": ";", "：": ":", "，": ","})
_VARIABLES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"), "<ip>"),
    (re.compile(r"\[(?:[0-9a-f]*:){2,}[0-9a-f:]*\](?::\d{1,5})?", re.I), "<ip>"),
    (re.compile(r"\b(?:localhost|[a-z][\w]*(?:[.-][\w]+)+):\d{2,5}\b", re.I), "<host>:<port>"),
    (re.compile(r"@[0-9a-f]{6,}\b", re.I), "@<id>"),
    (re.compile(r"\b\d{5,}\b"), "<n>"),
    (re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d(?:[ t]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?\b", re.I), "<time>"),
)


def normalize_signature(text: str) -> str:
    """Display form: NFKC, ASCII quotes, variable parts replaced, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    for pattern, repl in _VARIABLES:
        text = pattern.sub(repl, text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" .,;:!?-")


def signature_key(display: str) -> str:
    return re.sub(r"\s+", " ", display.lower()).strip(" .,;:!?")


@dataclass(frozen=True)
class Signature:
    kind: str  # "exception", "code", "http", "metric", "message"
    display: str

    @property
    def key(self) -> str:
        return signature_key(self.display)


# --------------------------------------------------------------------------- patterns

# A class name ending in Exception/Error (`Outer$InnerException` too), not glued to a word.
_EXCEPTION_NAME = re.compile(r"(?<![\w$])(?:[A-Za-z_]\w*\$)?[A-Za-z][A-Za-z0-9_]*?(?:exception|error)\b", re.I)
# Its package, read backwards from the name in the reversed text: up to 12 segments
# (`nacos.`, `alibaba.`, `com.`), each a word that starts with a letter or `_`.
_PACKAGE_REVERSED = re.compile(r"(?:\.\w*[A-Za-z_](?![\w$])){1,12}", re.I)
_EXCEPTION_MESSAGE = re.compile(r"\s*:\s*([^\n]{1,200})")
_GLUED = re.compile(r"[\w$]")
_BRACKET_CODE = re.compile(r"\[([A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+)\](?!\()")
_HTTP_WITH_MSG = re.compile(
    r"[\"']?(?:code|status|errcode|http[ _]?status)[\"']?\s*[:=]\s*([45]\d\d)\b\s*[,;]?\s*"
    r"(?:[\"']?(?:msg|message|errmsg|error|reason)[\"']?\s*[:=]\s*[\"']?([^,\"}\n]{2,80}))?",
    re.I,
)
_HTTP_BARE_MSG = re.compile(r"(?<![A-Za-z0-9_.:/-])([45]\d\d)(?![A-Za-z0-9_.]|:\d)\s*[:：]?\s*([A-Za-z][A-Za-z' ]{2,60}[A-Za-z!])?")
_HTTP_CONTEXT = re.compile(
    r"(?:报错?|返回|错误|提示|出现|http|status|code|error|状态码?)\s*[:=：]?\s*$", re.I)
_HTTP_AFTER = re.compile(r"^\s*(?:错误|error|报错|页面|forbidden|unauthori[sz]ed|not found|异常|状态)", re.I)
_METRIC = re.compile(r"\b([a-z][a-z0-9_]*_(?:exception|error|fail(?:ure)?)s?(?:_total)?)\s*\{\s*name\s*=\s*['\"]?([\w.-]+)['\"]?\s*\}", re.I)
# Quoted text: no opening mark inside, so a run of marks is not read 120 times over.
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{6,120})[\"”]|'([^'\n]{6,120})'|「([^「」]{6,120})」")
_MARKER = re.compile(r"(?:报错|报了?|提示|日志报错|异常|错误|出现|error|exception|报这个错)\s*[:：]?\s*", re.I)

_CUE = re.compile(
    r"\b(?:fail(?:s|ed|ure)?|error|errors|invalid|not\s+(?:found|foud|exist|exists|support(?:ed)?|accept|connect(?:ed)?|"
    r"available|initiali[sz]ed|implemented|allowed|empty|enough|secure|be\s+\w+)|no\s+such|cannot|can'?t|could\s*n[o']t|"
    r"couldn'?t|unable|refused|denied|timed?\s?out|illegal|exceeds?|unknown|unavailable|forbidden|"
    r"unauthori[sz]ed|already\s+in\s+use|rejected|expired|missing|is\s+down|stopped|unexpected|not\s+running|"
    r"out\s+of\s+date|unrecogni[sz]ed|mismatch)\b",
    re.I,
)
_NO_X = re.compile(r"^no\s+[a-z]+(?:\s+[a-z]+)?\s+(?:set|available|found|provider|provided|such)\b|^no\s+provider\b", re.I)
_QUESTION_START = re.compile(
    r"^(?:how|what|why|which|when|where|who|is|are|does|do|did|can|could|should|would|will|"
    r"i|we|my|please|help|hi|hello)(?=\s)", re.I)
_LATIN_RUN = re.compile(r"[A-Za-z0-9_'$@<>()\[\]{}=:;,.!/\\ \t+#\-\"|]+")
_CLAUSE_SPLIT = re.compile(r"[,;!?\"(){}\[\]|]|\.(?:\s|$)|\s-\s|:\s|:?\berr(?:code|msg)\b")


_SPACES = re.compile(r"\s+")
_LEVEL_PREFIX = re.compile(r"^(?:报错|error|exception|ERROR|WARN|INFO|DEBUG)\b\s*")
_NUMBER_PREFIX = re.compile(r"^(?:v?\d+(?:\.[\dx]+)+|\d+)\s*")
_KEY_PREFIX = re.compile(r"^(?:errmsg|msg|message|reason|caused(?: by)?|cause|detail)\s*[:=]\s*", re.I)
_CHAT_MARKERS = re.compile(r"\s*\b(?:USER|BOT|ASSISTANT)\b\s*:?\s*$")


def _canonical_class(name: str) -> str:
    """nacosexception -> NacosException, statusRuntimeexception -> StatusRuntimeException."""
    match = re.match(r"(?i)(.*?)(exception|error)$", name)
    base, suffix = match.group(1), match.group(2).capitalize()
    return base[:1].upper() + base[1:] + suffix


def _word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


def _clean_message(message: str, max_words: int = 10) -> str | None:
    """The stable head of an error message: up to the first clause break, few words."""
    message = message.translate(_QUOTES)
    message = _KEY_PREFIX.sub("", message.strip())
    message = re.split(r"(?:[,;{}()\[\]\"]|\.\s|\.$|!|\?|\s{2,}|:\s|\bcaused\b|\bnested\b|\b(?:USER|BOT)\b|[\u3400-\u9fff])",
                       message, maxsplit=1)[0]
    message = message.strip(" .:'")
    if not message or not re.search(r"[A-Za-z]{2}", message):
        return None
    if _word_count(message) > max_words or len(message) > 90:
        return None
    if "=" in message:
        return None
    return message


class _Found(NamedTuple):  # a tuple: a text can hold a great many
    start: int  # where its package, or else its name, starts
    name_end: int
    end: int  # after its message, or else its name
    package: str  # "com.alibaba.nacos." or ""
    name: str
    message: str | None


def _found_exceptions(text: str) -> Iterator[_Found]:
    """(Possibly package-qualified) exception class names with their message, left to right.

    Names are found first and a package is read backwards from its name.  One
    pattern for both (package segments, then a name) could start at every segment
    of a dotted chain and read the rest of the chain from each: time quadratic in
    the chain's length ("a.a.a…")."""
    lowered = text.lower()
    if "exception" not in lowered and "error" not in lowered:
        return
    reversed_text = ""
    resume = 0  # the end of the last one: what its message holds is not looked at again
    for match in _EXCEPTION_NAME.finditer(text):
        start = match.start()
        if start < resume:
            continue
        package = ""
        if start and text[start - 1] == ".":
            reversed_text = reversed_text or text[::-1]
            # not back into the last one (its end is this match's end of text)
            found = _PACKAGE_REVERSED.match(reversed_text, len(text) - start, len(text) - resume)
            package = found.group()[::-1] if found else ""
            if package and start - len(package) == resume and resume and _GLUED.match(text, resume - 1):
                package = package[package.index(".") + 1:]  # that segment starts inside a word
        message = _EXCEPTION_MESSAGE.match(text, match.end())
        end = message.end() if message else match.end()
        yield _Found(start - len(package), match.end(), end, package, match.group(),
                     message.group(1) if message else None)
        resume = end


def _without_exceptions(text: str, keep_messages: bool = False) -> str:
    pieces, last = [], 0
    for found in _found_exceptions(text):
        pieces += [text[last:found.start], " | "]
        last = found.name_end if keep_messages else found.end
    return "".join(pieces) + text[last:]


def _starts_with_exception(text: str) -> bool:
    first = next(_found_exceptions(text), None)
    return first is not None and first.start == 0


def _exceptions(text: str) -> Iterable[Signature]:
    for found in _found_exceptions(text):
        package, name, message = found.package, found.name, found.message
        name = name.split("$")[-1]
        base = re.sub(r"(?i)(exception|error)$", "", name)
        if len(base) < 2:
            continue  # "Error", "xError"
        camel = any(c.isupper() for c in name[1:])
        if not (camel or package):
            continue  # a plain lowercase word ending in "error"
        if package and not camel and package.count(".") < 2:
            continue
        name = _canonical_class(name)
        yield Signature("exception", name)
        if message:
            cleaned = _clean_message(message)
            if cleaned and not _starts_with_exception(cleaned) and len(cleaned.split()) >= 2:
                yield Signature("exception", f"{name}: {_message_display(cleaned)}")
                if _phrase_ok(cleaned):  # the message alone, as readers paste it without the class
                    yield Signature("message", _message_display(cleaned))


def _http(text: str) -> Iterable[Signature]:
    seen_spans: list[tuple[int, int]] = []
    lowered = text.lower()
    # each one names a code or a status: no need to read a text that names neither
    with_message = _HTTP_WITH_MSG.finditer(text) if "code" in lowered or "status" in lowered else ()
    for match in with_message:
        status, message = match.group(1), match.group(2)
        cleaned = _clean_message(message, 8) if message else None
        seen_spans.append(match.span())
        yield Signature("http", f"{status} {_message_display(cleaned)}" if cleaned else f"HTTP {status}")
    seen = 0  # both come in text order: the first span that does not end before this match
    bare: set[str] = set()  # statuses already given as "HTTP 404"
    in_context: dict[tuple[str, str], bool] = {}  # the words around one, as told before
    for match in _HTTP_BARE_MSG.finditer(text):
        while seen < len(seen_spans) and seen_spans[seen][1] <= match.start():
            seen += 1
        if seen < len(seen_spans) and seen_spans[seen][0] <= match.start():
            continue
        status, message = match.group(1), match.group(2)
        cleaned = _clean_message(message, 8) if message else None
        if cleaned and _CUE.search(cleaned):
            yield Signature("http", f"{status} {_message_display(cleaned)}")
        elif status not in bare:
            around = (text[max(0, match.start() - 12):match.start()], text[match.end(1):match.end(1) + 16])
            if around not in in_context:
                in_context[around] = bool(_HTTP_CONTEXT.search(around[0]) or _HTTP_AFTER.search(around[1]))
            if in_context[around]:
                bare.add(status)
                yield Signature("http", f"HTTP {status}")


def _message_display(message: str) -> str:
    return re.sub(r"(?<![\w.<])\d{3,}(?![\w.>])", "<n>", normalize_signature(message))


_MARKUP_WORDS = re.compile(r"\b(?:div|span|h[1-6]|p|br|html|body|td|tr)\b")


def _phrase_ok(phrase: str) -> bool:
    if len(phrase) > 100:  # first: the checks below read the whole phrase
        return False
    if len(phrase.split()) < 2 or len(_MARKUP_WORDS.findall(phrase)) >= 1:
        return False
    if re.search(r"\bdetailed error message\b|\berror message\b$", phrase, re.I):
        return False
    words = _word_count(phrase)
    if words < 2 or words > 12:
        return False
    if "=" in phrase or phrase.count("/") > 2:
        return False
    if _QUESTION_START.match(phrase):
        return False
    if not (_CUE.search(phrase) or _NO_X.match(phrase)):
        return False
    # a message, not a list of product names: needs a lowercase word or a cue phrase of 2+ words
    return bool(re.search(r"[a-z]{2}", phrase))


def _strip_product(phrase: str, products: tuple[str, ...]) -> str:
    for pattern in _product_prefixes(products):
        phrase = pattern.sub("", phrase)
    return phrase.strip(" .:,'-")


@lru_cache(maxsize=8)
def _product_prefixes(products: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"^(?:{re.escape(product)}\s*)+", re.I) for product in products)


def _messages(text: str, cjk_context: bool, products: tuple[str, ...]) -> Iterable[Signature]:
    # (text, whether an exception's message stays): exceptions are indexed on their own
    candidates: list[tuple[str, bool]] = []
    for match in _QUOTED.finditer(text):
        candidates.append((next(g for g in match.groups() if g), False))
    if cjk_context:
        # Latin runs inside Chinese text are pasted messages, names or settings.
        for match in _LATIN_RUN.finditer(text):
            candidates.append((match.group(0), False))
    else:
        # What follows each marker, overlapping stretches merged so that no text is read
        # twice (a marker every few characters read it 160 times).  "Exception: " is a
        # marker, so an exception's message is one of them.
        stretches: list[list[int]] = []
        for match in _MARKER.finditer(text):
            if stretches and match.end() <= stretches[-1][1]:
                stretches[-1][1] = match.end() + 160
            else:
                stretches.append([match.end(), match.end() + 160])
        candidates.extend((text[start:end], True) for start, end in stretches)
        if not _QUESTION_START.match(text.strip()):
            candidates.append((text, False))
    seen: set[str] = set()  # a clause met again gives nothing new
    for candidate, keep_messages in candidates:
        if len(candidate.split(None, 1)) < 2:
            continue  # a message has two words or more (_phrase_ok)
        candidate = _without_exceptions(candidate.translate(_QUOTES), keep_messages)
        for clause in _CLAUSE_SPLIT.split(candidate):
            if clause in seen or len(clause.split(None, 1)) < 2:
                continue
            seen.add(clause)
            clause = _strip_product(_SPACES.sub(" ", clause).strip(" .:'-"), products)
            clause = _LEVEL_PREFIX.sub("", clause).strip()
            clause = _KEY_PREFIX.sub("", _CHAT_MARKERS.sub("", clause))
            clause = _NUMBER_PREFIX.sub("", clause).strip(" .:'-")
            if _phrase_ok(clause):
                yield Signature("message", _message_display(clause))


def _metrics(text: str) -> Iterable[Signature]:
    if "{" not in text:  # each one has its labels in braces: no need to read the text
        return
    for match in _METRIC.finditer(text.translate(_QUOTES)):
        yield Signature("metric", f"{match.group(1)}{{name='{match.group(2)}'}}")


def extract_signatures(text: str, products: tuple[str, ...] = ()) -> list[Signature]:
    """Error signatures in one piece of text (a title or a question), in order, deduplicated."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    cjk = bool(_CJK.search(text))
    found: list[Signature] = []
    found.extend(_exceptions(text))
    found.extend(Signature("code", f"[{m.group(1)}]") for m in _BRACKET_CODE.finditer(text))
    found.extend(_http(text))
    found.extend(_metrics(text))
    found.extend(_messages(text, cjk, products))
    out: list[Signature] = []
    keys: set[str] = set()
    for sig in found:
        key = sig.key
        if not key or key in keys or len(key) < 4:
            continue
        keys.add(key)
        out.append(sig)
    return out


class SignatureIndex:
    """Signatures across entries: key → entries, with the best display form per key."""

    def __init__(self) -> None:
        self._entries: dict[str, list[str]] = defaultdict(list)
        self._forms: dict[str, Counter] = defaultdict(Counter)

    def add(self, entry_id: str, signatures: Iterable[Signature]) -> None:
        for sig in signatures:
            key = sig.key
            if entry_id not in self._entries[key]:
                self._entries[key].append(entry_id)
            self._forms[key][sig.display] += 1

    def display(self, key: str) -> str:
        forms = self._forms[key]
        # Prefer the most frequent form, then the one with more capitals (NacosException
        # over nacosexception), then the shortest.
        return max(forms, key=lambda f: (forms[f], sum(c.isupper() for c in f), -len(f), f))

    def as_mapping(self) -> dict[str, tuple[str, ...]]:
        rows = sorted(((self.display(k), tuple(ids)) for k, ids in self._entries.items()),
                      key=lambda row: (row[0].lower(), row[0]))
        return dict(rows)
