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
from typing import Iterable

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

# A (possibly package-qualified) class name ending in Exception/Error.
_EXCEPTION = re.compile(
    r"(?<![\w$])((?:[a-z_][\w]*\.)*)((?:[A-Za-z_][\w]*\$)?[A-Za-z][A-Za-z0-9_]*?(?:exception|error))\b"
    r"(?:\s*:\s*([^\n]{1,200}))?",
    re.I,
)
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
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{6,120})[\"”]|'([^'\n]{6,120})'|「([^」]{6,120})」")
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


def _exceptions(text: str) -> Iterable[Signature]:
    for match in _EXCEPTION.finditer(text):
        package, name, message = match.group(1), match.group(2), match.group(3)
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
            if cleaned and not _EXCEPTION.match(cleaned) and len(cleaned.split()) >= 2:
                yield Signature("exception", f"{name}: {_message_display(cleaned)}")
                if _phrase_ok(cleaned):  # the message alone, as readers paste it without the class
                    yield Signature("message", _message_display(cleaned))


def _http(text: str) -> Iterable[Signature]:
    seen_spans: list[tuple[int, int]] = []
    for match in _HTTP_WITH_MSG.finditer(text):
        status, message = match.group(1), match.group(2)
        cleaned = _clean_message(message, 8) if message else None
        seen_spans.append(match.span())
        yield Signature("http", f"{status} {_message_display(cleaned)}" if cleaned else f"HTTP {status}")
    for match in _HTTP_BARE_MSG.finditer(text):
        if any(a <= match.start() < b for a, b in seen_spans):
            continue
        status, message = match.group(1), match.group(2)
        before = text[max(0, match.start() - 12):match.start()]
        after = text[match.end(1):match.end(1) + 16]
        cleaned = _clean_message(message, 8) if message else None
        if cleaned and _CUE.search(cleaned):
            yield Signature("http", f"{status} {_message_display(cleaned)}")
        elif _HTTP_CONTEXT.search(before) or _HTTP_AFTER.search(after):
            yield Signature("http", f"HTTP {status}")


def _message_display(message: str) -> str:
    return re.sub(r"(?<![\w.<])\d{3,}(?![\w.>])", "<n>", normalize_signature(message))


_MARKUP_WORDS = re.compile(r"\b(?:div|span|h[1-6]|p|br|html|body|td|tr)\b")


def _phrase_ok(phrase: str) -> bool:
    if len(phrase.split()) < 2 or len(_MARKUP_WORDS.findall(phrase)) >= 1:
        return False
    if re.search(r"\bdetailed error message\b|\berror message\b$", phrase, re.I):
        return False
    words = _word_count(phrase)
    if words < 2 or words > 12 or len(phrase) > 100:
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
    for product in products:
        phrase = re.sub(rf"^(?:{re.escape(product)}\s*)+", "", phrase, flags=re.I)
    return phrase.strip(" .:,'-")


def _messages(text: str, cjk_context: bool, products: tuple[str, ...]) -> Iterable[Signature]:
    candidates: list[str] = []
    for match in _QUOTED.finditer(text):
        candidates.append(next(g for g in match.groups() if g))
    if cjk_context:
        # Latin runs inside Chinese text are pasted messages, names or settings.
        for match in _LATIN_RUN.finditer(text):
            candidates.append(match.group(0))
    else:
        for match in _MARKER.finditer(text):
            candidates.append(text[match.end():match.end() + 160])
        if not _QUESTION_START.match(text.strip()):
            candidates.append(text)
    for candidate in candidates:
        candidate = candidate.translate(_QUOTES)
        candidate = _EXCEPTION.sub(" | ", candidate)  # exceptions are indexed on their own
        for clause in _CLAUSE_SPLIT.split(candidate):
            clause = _strip_product(re.sub(r"\s+", " ", clause).strip(" .:'-"), products)
            clause = re.sub(r"^(?:报错|error|exception|ERROR|WARN|INFO|DEBUG)\b\s*", "", clause).strip()
            clause = _KEY_PREFIX.sub("", _CHAT_MARKERS.sub("", clause))
            clause = re.sub(r"^(?:v?\d+(?:\.[\dx]+)+|\d+)\s*", "", clause).strip(" .:'-")
            if _phrase_ok(clause):
                yield Signature("message", _message_display(clause))


def _metrics(text: str) -> Iterable[Signature]:
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
