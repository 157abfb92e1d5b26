"""Error-signature extraction: the strings a reader pastes from a log or a screen.

`extract_signatures(text)` finds, in a title or question,

* Java/Python exception class names (``BindException``, ``io.grpc.StatusRuntimeException``),
  nested ones too (``...; nested exception is java.lang.UnsatisfiedLinkError: ...``), with
  the head of their message (``NacosException: user not found``) and each clause of it
  that is an error message (``bind(..) failed: Address already in use``);
* bracketed log codes (``[db-load-error]``, ``[DISTRO-INIT]``);
* HTTP statuses with their message (``403 user not found``);
* metric alerts (``nacos_exception_total{name='unhealth'}``);
* error messages: quoted strings and Latin phrases pasted into Chinese text, or
  after markers such as 报错 / error: , that contain an error cue word
  (``No DataSource set``, ``Can't find dependent libraries``, ``Connection refused``).

Generic ones are left out unless they carry a message: a base or wrapper class alone
(``IOException``, the product's own ``NacosException``), a status alone or with only
its standard reason phrase (``HTTP 404``, ``403 Forbidden``), a message of generic
words only (``http error``, ``No message available``).  Nothing is cut mid-word, and
quoted names, paths and calls stay whole (``'embeddedDumpService'``, ``byte(s)``).

Each is returned as a `Signature` with a display form (variable parts such as
IPs, ports, ids, numbers replaced by ``<ip>``, ``<port>``, ``<id>``, ``<n>``) and a
case-insensitive key; `error_groups` merges the variants of one error across entries.
"""
from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Iterable, Iterator, NamedTuple, Sequence

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
    (re.compile(r"(?<=[A-Za-z])\d{8,}\b"), "<n>"),  # a temporary file's number: librocksdbjni6292792729875964513.so
    (re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d(?:[ t]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?\b", re.I), "<time>"),
    (re.compile(r"<ip>(?:[ /]<ip>)+"), "<ip>"),  # "0.0.0.0/0.0.0.0:9849": one address
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
    qualifier: str = ""  # the class or status in front of the message ("NacosException", "403"), if any

    @property
    def key(self) -> str:
        return signature_key(self.display)

    @property
    def message(self) -> str:
        """The display without its qualifier: what another entry may write alone."""
        if not self.qualifier:
            return self.display
        return self.display[len(self.qualifier):].lstrip(": ")


# --------------------------------------------------------------------------- patterns

# A class name ending in Exception/Error (`Outer$InnerException` too), not glued to a word.
_EXCEPTION_NAME = re.compile(r"(?<![\w$])(?:[A-Za-z_]\w*\$)?[A-Za-z][A-Za-z0-9_]*?(?:exception|error)\b", re.I)
# Its package, read backwards from the name in the reversed text: up to 12 segments
# (`nacos.`, `alibaba.`, `com.`), each a word that starts with a letter or `_`.
_PACKAGE_REVERSED = re.compile(r"(?:\.\w*[A-Za-z_](?![\w$])){1,12}", re.I)
_MESSAGE_CAP = 200
_EXCEPTION_MESSAGE = re.compile(r"\s*:\s*([^\n]{1,%d})" % _MESSAGE_CAP)
_GLUED = re.compile(r"[\w$]")
_BRACKET_CODE = re.compile(r"\[([A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+)\](?!\()")
_HTTP_WITH_MSG = re.compile(
    r"[\"']?(?:code|status|errcode|http[ _]?status)[\"']?\s*[:=]\s*([45]\d\d)\b\s*[,;]?\s*"
    r"(?:[\"']?(?:msg|message|errmsg|error|reason)[\"']?\s*[:=]\s*[\"']?([^,\"}\n]{2,80}(?![A-Za-z])))?",
    re.I,
)
_HTTP_BARE_MSG = re.compile(r"(?<![A-Za-z0-9_.:/-])([45]\d\d)(?![A-Za-z0-9_.]|:\d)\s*[:：]?\s*([A-Za-z][A-Za-z' ]{2,60}[A-Za-z!](?![A-Za-z']))?")
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

# Clauses: a message ends at a break, but not inside what is written as one piece: a
# quoted name ('embeddedDumpService'), a call or a unit (bind(..), byte(s)), an object
# in brackets after a word (instantiate [com.example.Impl]).  Each kept piece ends at its
# closing mark, at most 100 characters on: each is read once.  (Each alternative starts
# with its mark, and the lookahead passes over the characters none starts with: a pattern
# of many alternatives is tried at every character.)
_WHOLE = (r"'(?<![A-Za-z0-9]')[^'\n]{1,100}'(?![A-Za-z0-9])|\((?<=\w\()[^()\s]{0,8}\)"
          r"|\[(?<=[a-z] \[)(?![A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+\])[^\[\]\n]{1,100}\](?![\w(\[])")
_BREAK = (r"[,;!?\"(){}\[\]|\u3400-\u9fff\ue000]|\.(?:\s|$)|:\s|\s(?:-\s|\s+)|:?\berr(?:code|msg)\b"
          r"|\b[Cc]aused(?=\s*(?:by\b|:))|\b[Nn]ested(?=\s+exception)|\b(?:USER|BOT|ASSISTANT)\b")
_PIECES = re.compile(f"(?=[',;!?\"(){{}}\\[\\]|\\u3400-\\u9fff\\ue000.:\\seCcNnUBA])(?:({_WHOLE})|({_BREAK}))")
# A file before ": " and the message about it stays with it, as errno messages are
# written (libstdc++.so.6: cannot open shared object file).
_FILE = re.compile(r"[\w.+/-]*(?:/[\w.+-]+|\.[a-z0-9]{1,8})")  # a path, or a name with an extension
_PHRASE_AFTER = re.compile(r"[A-Za-z]+\s")
# A colon without a space before what the words before it are about is a break: a phrase
# ("Param check invalid:Param 'x' is illegal"), a path ("API:/v1/ns"), a host
# ("API:host:8848/v1") or a word in capitals ("api:GET"); not a name ("classpath:x.xml"),
# nor inside a chain of names joined by colons ("Nacos:Naming:v2:ClientData": only a
# word's first colon).  It is marked as a break before the text is cut (`_JOINED_BREAK`).
_JOINED = re.compile(r"(?<!\S)([^\s:]*\w):(?=/|[A-Z]+(?![\w.]|:\S)|[\w.-]+:\d{2,5}(?!\d)|[A-Za-z][^\s:]*\s+\S)")
_JOINED_BREAK = "\ue000"  # a private-use character: read as a break

_SPACES = re.compile(r"\s+")
_LEVEL_PREFIX = re.compile(r"^(?:报错|error|exception|ERROR|WARN|INFO|DEBUG)\b\s*")
_NUMBER_PREFIX = re.compile(r"^(?:v?\d+(?:\.[\dx]+)+|\d+)\s*")
_KEY_PREFIX = re.compile(r"^(?:errmsg|msg|message|reason|caused(?: by)?|cause|detail)\s*[:=]\s*", re.I)
_EDGE_QUOTE = re.compile(r"(?<![A-Za-z0-9])'|'(?![A-Za-z0-9])")  # a quote mark, not an apostrophe

# Base and wrapper classes: alone they only say that something failed (their message says
# what), across Java and Python alike.  A product's own base classes are found by name.
_GENERIC_CLASSES = frozenset(name.lower() for name in (
    "Exception", "RuntimeException", "Throwable", "IOException", "UncheckedIOException",
    "IllegalStateException", "IllegalArgumentException", "ExecutionException", "CompletionException",
    "InvocationTargetException", "UndeclaredThrowableException", "ExceptionInInitializerError",
    "StatusRuntimeException", "StatusException", "ServletException", "NestedServletException",
    "ApplicationContextException", "BeanCreationException", "BeanInstantiationException",
    "UnsatisfiedDependencyException", "WebServerException", "RuntimeError", "OSError", "SystemError",
))
# Words that name neither what failed nor why: a message of only these is generic.
_GENERIC_WORDS = frozenset("""
    a an the to of in on at for from with by is are was were be been has have had it this that there some
    something went wrong no not available error errors exception exceptions fail fails failed failure unknown
    unexpected internal http https request requests response message occurred occur please try again later
    load loading info warn warning debug system
""".split())
_REASON_PHRASES = frozenset(status.phrase.lower() for status in HTTPStatus)


def _canonical_class(name: str) -> str:
    """nacosexception -> NacosException, statusRuntimeexception -> StatusRuntimeException."""
    match = re.match(r"(?i)(.*?)(exception|error)$", name)
    base, suffix = match.group(1), match.group(2).capitalize()
    return base[:1].upper() + base[1:] + suffix


def _word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


def _trim(text: str) -> str:
    """Spaces and stray marks off both ends; a quote only when it closes or opens nothing."""
    text = text.strip(" .:-")
    while text[:1] == "'" and len(_EDGE_QUOTE.findall(text)) % 2:
        text = text[1:].strip(" .:-")
    while text[-1:] == "'" and len(_EDGE_QUOTE.findall(text)) % 2:
        text = text[:-1].strip(" .:-")
    return text


def _clauses(text: str) -> list[str]:
    """`text` cut at its breaks (not inside a quoted name, a call or an object in brackets,
    nor between a file and the message about it)."""
    if ":" in text:  # each joined colon made a break: text, the words before it, text, ...
        marked = _JOINED.split(text)
        marked[1::2] = [words + _JOINED_BREAK for words in marked[1::2]]
        text = "".join(marked)
    parts = _PIECES.split(text)  # text, whole piece or None, break or None, text, ...
    pieces, current = [], [parts[0]]
    for i in range(1, len(parts), 3):
        whole, brk, after = parts[i], parts[i + 1], parts[i + 2]
        if whole is not None:
            current.append(whole)
        elif brk[0] == ":" and _PHRASE_AFTER.match(after) and _ends_with_file(current[-1]):
            current.append(brk)
        else:
            pieces.append("".join(current))
            current = []
        current.append(after)
    pieces.append("".join(current))
    return [piece for piece in pieces if piece.strip()]


def _ends_with_file(text: str) -> bool:
    word = text.rfind(" ") + 1
    return ("." in text[word:] or "/" in text[word:]) and bool(_FILE.fullmatch(text, word))


def _clean_message(message: str, max_words: int = 10) -> str | None:
    """The stable head of an error message (up to the first clause break, few words), as shown."""
    message = message.translate(_QUOTES)
    message = _KEY_PREFIX.sub("", message.strip())
    clauses = _clauses(message[:300])
    return _short_message(clauses[0], max_words) if clauses else None


def _short_message(message: str, max_words: int = 10) -> str | None:
    """`message` as shown, when it is short (variable parts count as one word)."""
    message = _message_display(_trim(_SPACES.sub(" ", message)))
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
    cut: bool  # the message was cut at _MESSAGE_CAP


def _is_exception(package: str, name: str) -> bool:
    base = re.sub(r"(?i)(exception|error)$", "", name.split("$")[-1])
    if len(base) < 2:
        return False  # "Error", "xError"
    camel = any(c.isupper() for c in name.split("$")[-1][1:])
    if not (camel or package):
        return False  # a plain lowercase word ending in "error"
    return not (package and not camel and package.count(".") < 2)


def _found_exceptions(text: str) -> Iterator[_Found]:
    """(Possibly package-qualified) exception class names with their message, left to right.

    Names are found first and a package is read backwards from its name.  One
    pattern for both (package segments, then a name) could start at every segment
    of a dotted chain and read the rest of the chain from each: time quadratic in
    the chain's length ("a.a.a…").  A message ends where the next exception starts
    (a nested one: "...; nested exception is java.lang.UnsatisfiedLinkError: ...")."""
    lowered = text.lower()
    if "exception" not in lowered and "error" not in lowered:
        return
    reversed_text = ""
    names: list[tuple[int, int, str, str]] = []  # (start, name end, package, name)
    previous = 0  # the end of the last name: a package is not read back into it
    for match in _EXCEPTION_NAME.finditer(text):
        start = match.start()
        package = ""
        if start and text[start - 1] == ".":
            reversed_text = reversed_text or text[::-1]
            found = _PACKAGE_REVERSED.match(reversed_text, len(text) - start, len(text) - previous)
            package = found.group()[::-1] if found else ""
            if package and start - len(package) == previous and previous and _GLUED.match(text, previous - 1):
                package = package[package.index(".") + 1:]  # that segment starts inside a word
        if _is_exception(package, match.group()):
            names.append((start - len(package), match.end(), package, match.group()))
            previous = match.end()
    for i, (start, name_end, package, name) in enumerate(names):
        limit = names[i + 1][0] if i + 1 < len(names) else len(text)
        message = _EXCEPTION_MESSAGE.match(text, name_end, limit)
        end = message.end() if message else name_end
        cut = bool(message) and end < limit and len(message.group(1)) == _MESSAGE_CAP
        yield _Found(start, name_end, end, package, name, message.group(1) if message else None, cut)


def _without_exceptions(text: str, keep_messages: bool = False, found: Sequence[_Found] | None = None,
                        start: int = 0, end: int | None = None) -> str:
    """text[start:end] with its exceptions (`found`: those of `text` in text order, else
    looked for) each made a break, their messages too unless `keep_messages`."""
    end = len(text) if end is None else end
    found = list(_found_exceptions(text)) if found is None else found
    if not found:
        return text[start:end]
    pieces, last = [], start
    # the first one that starts in the span: each span reads only its own
    first = bisect.bisect_left(found, start, key=lambda exception: exception.name_end - len(exception.name))
    for exception in itertools.islice(found, first, None):
        if exception.name_end > end:
            break
        pieces += [text[last:max(exception.start, start)], " | "]
        last = exception.name_end if keep_messages else min(exception.end, end)
    return "".join(pieces) + text[last:end]


def _starts_with_exception(text: str) -> bool:
    first = next(_found_exceptions(text), None)
    return first is not None and first.start == 0


def _generic_class(name: str, products: tuple[str, ...]) -> bool:
    lowered = name.lower()
    base = re.sub(r"(exception|error)$", "", lowered)
    return lowered in _GENERIC_CLASSES or any(product and base.startswith(product) for product in products)


def _generic_message(message: str, products: tuple[str, ...]) -> bool:
    """Names neither what failed nor why: generic words only, or a status's reason phrase."""
    if message.strip(" .!").lower() in _REASON_PHRASES:
        return True
    words = re.findall(r"[a-z]+", re.sub(r"<\w+>", " ", message.lower()))
    return all(w in _GENERIC_WORDS or w in products for w in words)


def _exceptions(text: str, products: tuple[str, ...], exceptions: list[_Found]) -> Iterable[Signature]:
    for found in exceptions:
        name = _canonical_class(found.name.split("$")[-1])
        if not _generic_class(name, products):
            yield Signature("exception", name)
        if not found.message:
            continue
        message = _KEY_PREFIX.sub("", found.message.translate(_QUOTES).strip())
        clauses = _clauses(message)
        if found.cut:
            clauses = clauses[:-1]  # the last one was cut short: nothing is listed cut mid-word
        head = _short_message(clauses[0]) if clauses else None
        # the head with its class: two words or more, or a path ("/home/nacos/conf/x.xml")
        if head and not _starts_with_exception(head) and (len(head.split()) >= 2 or "/" in head):
            yield Signature("exception", f"{name}: {head}", name)
        for clause in clauses:  # each clause that is a message, as readers paste it without the class
            if not _may_be_message(clause):
                continue
            display = _message_display(_trim(_SPACES.sub(" ", clause)))
            if _phrase_ok(display):
                yield Signature("message", display)


def _http(text: str) -> Iterable[Signature]:
    """Statuses with a message; a status alone says too little to be listed."""
    seen_spans: list[tuple[int, int]] = []
    lowered = text.lower()
    # each one names a code or a status: no need to read a text that names neither
    with_message = _HTTP_WITH_MSG.finditer(text) if "code" in lowered or "status" in lowered else ()
    for match in with_message:
        status, message = match.group(1), match.group(2)
        cleaned = _clean_message(message, 8) if message else None
        seen_spans.append(match.span())
        if cleaned:
            yield Signature("http", f"{status} {cleaned}", status)
    seen = 0  # both come in text order: the first span that does not end before this match
    for match in _HTTP_BARE_MSG.finditer(text):
        while seen < len(seen_spans) and seen_spans[seen][1] <= match.start():
            seen += 1
        if seen < len(seen_spans) and seen_spans[seen][0] <= match.start():
            continue
        status, message = match.group(1), match.group(2)
        cleaned = _clean_message(message, 8) if message else None
        if cleaned and _CUE.search(cleaned):
            yield Signature("http", f"{status} {cleaned}", status)


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


_NO = re.compile(r"\bno\b", re.I)


def _may_be_message(clause: str) -> bool:
    """What `_phrase_ok` asks first of a clause, before the clause is cleaned: two words and
    a cue (or "no ...").  Most clauses are not messages, and cleaning costs."""
    return len(clause.split(None, 1)) >= 2 and bool(_CUE.search(clause) or _NO.search(clause))


def _strip_product(phrase: str, products: tuple[str, ...]) -> str:
    for pattern in _product_prefixes(products):
        phrase = pattern.sub("", phrase)
    # a product name cut at its start by the paste ("acos Load Logback ..." for "Nacos Load ...")
    first = phrase.split(None, 1)
    if len(first) == 2 and len(first[0]) >= 3 and any(
            p != first[0].lower() and p.endswith(first[0].lower()) for p in products):
        phrase = first[1]
    return _trim(phrase.strip(" ,"))


@lru_cache(maxsize=8)
def _product_prefixes(products: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"^(?:{re.escape(product)}\s*)+", re.I) for product in products)


def _messages(text: str, cjk_context: bool, products: tuple[str, ...],
              exceptions: list[_Found]) -> Iterable[Signature]:
    """Messages in quotes, in Latin runs of Chinese text, after markers, or the text's own
    clauses; `exceptions` are those of `text`, indexed on their own."""
    # (text without its exceptions (with their messages or not), whether it was cut short)
    candidates: list[tuple[str, bool]] = []
    for match in _QUOTED.finditer(text):
        quoted = next(g for g in match.groups() if g)
        if _may_be_message(quoted):
            candidates.append((_without_exceptions(quoted), False))
    if cjk_context:
        # Latin runs inside Chinese text are pasted messages, names or settings.
        for match in _LATIN_RUN.finditer(text):
            if _may_be_message(match.group()):
                candidates.append((_without_exceptions(text, False, exceptions, *match.span()), False))
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
        candidates.extend((_without_exceptions(text, True, exceptions, start, end), end < len(text))
                          for start, end in stretches)
        if not _QUESTION_START.match(text.strip()):
            candidates.append((_without_exceptions(text, False, exceptions), False))
    seen: set[str] = set()  # a clause met again gives nothing new
    for candidate, cut in candidates:
        if len(candidate.split(None, 1)) < 2:
            continue  # a message has two words or more (_phrase_ok)
        clauses = _clauses(candidate)
        for clause in clauses[:-1] if cut else clauses:  # a cut one's last clause is cut short
            if clause in seen:
                continue
            seen.add(clause)
            if len(clause) > 300 or not _may_be_message(clause):
                continue  # (a clause of more than 300 characters is no message: _phrase_ok)
            clause = _strip_product(_trim(_SPACES.sub(" ", clause)), products)
            clause = _LEVEL_PREFIX.sub("", clause).strip()
            clause = _KEY_PREFIX.sub("", clause)
            display = _message_display(_trim(_NUMBER_PREFIX.sub("", clause)))
            if _phrase_ok(display):
                yield Signature("message", display)


def _metrics(text: str) -> Iterable[Signature]:
    if "{" not in text:  # each one has its labels in braces: no need to read the text
        return
    for match in _METRIC.finditer(text.translate(_QUOTES)):
        yield Signature("metric", f"{match.group(1)}{{name='{match.group(2)}'}}")


def _generic(sig: Signature, products: tuple[str, ...]) -> bool:
    if sig.kind in ("message", "http") or sig.qualifier:
        return _generic_message(sig.message, products)
    return False


def extract_signatures(text: str, products: tuple[str, ...] = ()) -> list[Signature]:
    """Error signatures in one piece of text (a title or a question), in order, deduplicated."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    cjk = bool(_CJK.search(text))
    exceptions = list(_found_exceptions(text))
    found: list[Signature] = []
    found.extend(_exceptions(text, products, exceptions))
    found.extend(Signature("code", f"[{m.group(1)}]") for m in _BRACKET_CODE.finditer(text))
    found.extend(_http(text))
    found.extend(_metrics(text))
    found.extend(_messages(text, cjk, products, exceptions))
    out: list[Signature] = []
    keys: set[str] = set()
    for sig in found:
        key = sig.key
        if not key or key in keys or len(key) < 4 or _generic(sig, products):
            continue
        keys.add(key)
        out.append(sig)
    return out
