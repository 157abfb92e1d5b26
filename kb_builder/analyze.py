"""The one text analyzer shared by normalisation, linking and search.

Index time and query time must cut text the same way, so every module that turns
text into terms asks an `Analyzer`.  An analyzer is a value: jieba's dictionary
plus the words a site teaches it (canonical tags, keywords, glossary words), so
two analyzers of the same words cut alike, and nothing process-wide is changed
when words are taught (segment.py).  Cuts are remembered per text in the
`Segmentations` an analyzer is given (one per build, or per serve session).

Folding (NFKC, case, Traditional -> Simplified), stop-words, identifier parts,
bigrams and the plain text of markdown are plain functions of their text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import Iterable

from .segment import Dictionary, Segmentations, Segmenter, VocabSegmenter, char_mask, teachable

UNKNOWN_WORD_FREQ = 500  # the segmentation frequency shipped for words jieba's dictionary does not hold

__all__ = ["Analyzer", "Segmentations", "VocabSegmenter", "char_mask", "fold", "has_cjk", "is_stopword", "subwords",
           "cjk_bigrams", "plain_text", "stem", "to_simplified"]

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_CJK_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES)
_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_SURROGATE = re.compile("([\ud800-\udfff]+)")
_TOKEN = re.compile(rf"[a-z0-9][a-z0-9_.+#-]*[a-z0-9+#]|[a-z0-9]|[{_CJK_CLASS}]+")
# Latin identifiers as written (before case folding), for camelCase splitting.
_LATIN_RAW = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+#-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 或 吗 嘛 呢 吧 啊 么 什么 怎么 怎样 如何 为什么 哪些 哪个 这个 那个 一个 有 没有 可以 能 会 要 就 都 也 还 又 被 把 对 从 到 给 让 用 使用
    进行 时候 时 中 上 下 里 后 前 过 我 你 他 我们 你们 请问 问题 请 一下 这 那 吗？ 呀 哦 时候 出现 遇到 关于 以及 通过 需要 是否 怎么办 咋 啥
    该 得 地 着 个 之 其 并 而 但 如果 因为 所以 这样 那么 哪里 哪儿 什么样 怎么样 吗 么 它 她 他们 它们 自己 一些 一直 总是 已经 应该 为 以 将 于 等
    a an the is are was were be been to of in on at for and or with by from how what why which when where who do does did can could should would i my we you it this that
    not no yes am as if so than then there their them they its me our us your any some into about after before get got has have had will shall may might must
    also just only very too please""".split()
)


# --------------------------------------------------------------------------- folding

@cache
def _converter():
    import opencc

    # opencc-python-reimplemented installs the same import name: with both packages
    # installed, the one installed last wins, so say which one is needed.
    if not hasattr(opencc, "__version__"):
        raise RuntimeError(
            f"the `opencc` module at {opencc.__file__} is not the OpenCC package kb_builder needs "
            "(another package installs the same name, e.g. opencc-python-reimplemented): "
            "pip uninstall it, then pip install --force-reinstall opencc")
    return opencc.OpenCC("t2s")


@cache
def simplified_characters() -> dict[str, str]:
    """Every character the Traditional -> Simplified conversion changes on its own, and what
    it becomes, as `fold` converts it alone (the browser's search worker folds queries with
    this table, after NFKC: so only characters NFKC keeps)."""
    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi + 1)]
    chars = [ch for ch in chars if unicodedata.normalize("NFKC", ch) == ch]
    # One call for all: a line break ends every phrase, so each line is converted alone.
    converted = _converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        raise RuntimeError(f"OpenCC t2s turned {len(chars)} lines into {len(converted)}")
    out = {ch: simple for ch, simple in zip(chars, converted) if len(simple) == 1 and simple != ch}
    if not out:  # missing dictionaries must not silently turn off folding
        raise RuntimeError("OpenCC t2s converted no Traditional character: its dictionaries are missing")
    return out


@cache
def _simplified_table() -> dict[int, str]:
    return str.maketrans(simplified_characters())


def fold_characters(text: str) -> str:
    """`fold` character by character (OpenCC's phrase conversions left out): a long text
    folded cheaply, to look folded words up in it."""
    return unicodedata.normalize("NFKC", text).translate(_simplified_table()).lower()


def to_simplified(text: str) -> str:
    if not _CJK.search(text):
        return text
    convert = _converter().convert
    if not _SURROGATE.search(text):
        return convert(text)
    # OpenCC takes UTF-8, which has no lone surrogates (a command line's undecodable
    # bytes): they are kept as they are and the text between them converted.
    parts = _SURROGATE.split(text)
    return "".join(part if i % 2 else convert(part) for i, part in enumerate(parts))


def fold(text: str) -> str:
    """Width, case and script folding applied to every text before segmentation."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def is_stopword(word: str) -> bool:
    return fold(word) in STOPWORDS


def subwords(text: str) -> list[str]:
    """Parts of compound Latin identifiers: camelCase words and dotted/dashed names.

    ``NacosException`` -> nacos, exception; ``java.net.ConnectException`` ->
    java, net, connect, exception; ``server-addr`` -> server, addr.  Single
    tokens (already whole in `segment`) are not repeated.
    """
    out: list[str] = []
    for match in _LATIN_RAW.finditer(unicodedata.normalize("NFKC", text)):
        parts = [p.lower() for p in _CAMEL_PART.findall(match.group(0))]
        if len(parts) > 1:
            out.extend(p for p in parts if p)
    return out


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of every Chinese run (single characters stay whole)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(fold(text)):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


_VOWEL = re.compile(r"[aeiou]|(?<=[^aeiou])y")
_DOUBLE = re.compile(r"([^aeiouslz])\1$")
_SHORT = re.compile(r"^[^aeiou]*[aeiouy][^aeiouwxy]$")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light English stemmer: plurals, -ed and -ing, a final y (the first steps of
    Porter's algorithm), so that "fails", "failed" and "failing" are forms of one word.
    Index and query side use this one function."""
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    w = word
    if w.endswith("sses") or w.endswith("ies"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss") and not w.endswith("us"):
        w = w[:-1]
    if w.endswith("eed"):
        if _VOWEL.search(w[:-3]):
            w = w[:-1]
    else:
        for suffix in ("ing", "ed"):
            head = w[:-len(suffix)]
            if w.endswith(suffix) and len(head) > 1 and _VOWEL.search(head):
                w = head
                if w.endswith(("at", "bl", "iz")):
                    w += "e"
                elif _DOUBLE.search(w):
                    w = w[:-1]
                elif _SHORT.match(w):
                    w += "e"
                break
    if w.endswith("y") and len(w) > 2 and _VOWEL.search(w[:-1]):
        w = w[:-1] + "i"
    if w.endswith("e") and len(w) > 4:  # "cache" as "cached" and "caching" end
        w = w[:-1]
    return w


_ALNUM_PART = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)*")


def alnum_runs(token: str) -> tuple[str, ...]:
    """The letter runs and numbers of a folded Latin token, in order: mysql8.0 -> mysql, 8.0."""
    return tuple(_ALNUM_PART.findall(token))


def segment_with(text: str, segmenter: Segmenter) -> list[str]:
    """Folded tokens in order: Latin runs whole, Chinese runs cut by `segmenter`."""
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        token = match.group(0)
        if _CJK.match(token):
            out.extend(segmenter.cut(token))
        else:
            out.append(token)
    return out


def taught_words(words: Iterable[str]) -> frozenset[str]:
    """The words of `words` an analyzer can be taught (folded Chinese words of 2 to 16 characters)."""
    return frozenset(w for w in (fold(word).strip() for word in words) if teachable(w))


# --------------------------------------------------------------------------- the analyzer

@dataclass(frozen=True)
class Analyzer:
    """jieba's dictionary plus taught words, as a value.

    `cuts` is where cuts are remembered (not part of the value: analyzers of the
    same words are equal whatever cache they use).  Make one with `Analyzer.of`."""

    words: frozenset[str] = frozenset()
    cuts: Segmentations | None = field(default=None, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, words: Iterable[str] = (), cuts: Segmentations | None = None) -> "Analyzer":
        taught = taught_words(words)
        return cls(cuts.intern(taught) if cuts is not None else taught, cuts)

    def teach(self, words: Iterable[str]) -> "Analyzer":
        """This analyzer with more words (and the same cache)."""
        more = taught_words(words) - self.words
        return self if not more else Analyzer.of(self.words | more, self.cuts)

    @cached_property
    def dictionary(self) -> Dictionary:
        return Dictionary(self.words)

    def __getstate__(self) -> dict:
        # The dictionary holds jieba's (megabytes): a kept build cache makes it again.
        state = dict(self.__dict__)
        state.pop("dictionary", None)
        return state

    def freq(self, word: str) -> int:
        """The segmentation frequency of a word (0 when the dictionary does not hold it)."""
        return self.dictionary.freq(word)

    def segment(self, text: str) -> list[str]:
        """Folded tokens in order, Latin runs split from Chinese runs, Chinese runs cut."""
        cuts = self.cuts
        if cuts is None:
            return segment_with(text, self.dictionary)
        found = cuts.get(text, self.words)
        if found is None:
            found = tuple(segment_with(text, self.dictionary))
            cuts.put(text, self.words, found)
        return list(found)

    def cuts_alike(self, texts: Iterable[str], other: "Analyzer", mask: int | None = None) -> bool:
        """Whether this analyzer cuts every text as `other` does: no word taught to one of
        them and not to the other occurs in any of the texts.  `mask`, the `char_mask` of
        the texts' tokens, answers most texts without folding them (folding is slow)."""
        if self.words is other.words or (self.cuts is None and self.words == other.words):
            return True
        cuts = self.cuts or Segmentations()
        if mask is not None and not any(m & mask == m for m in cuts.changed_masks(other.words, self.words)):
            return True  # a character of each changed word is in none of the texts
        found = cuts.finder(other.words, self.words)
        return not any(found(fold(text)) for text in texts)

    def terms(self, text: str, drop_stop: bool = True) -> list[str]:
        return [t for t in self.segment(text) if not (drop_stop and t in STOPWORDS)]

    def search_subwords(self, word: str) -> list[str]:
        """Dictionary words inside a long Chinese word (jieba's search-mode parts), in order."""
        return self.dictionary.subwords(word)

    def shipped_freq(self, word: str) -> int:
        """The frequency a search index ships for a word (unknown words get UNKNOWN_WORD_FREQ)."""
        return self.dictionary.freq(word) or UNKNOWN_WORD_FREQ

    def index_tokens(self, text: str) -> list[str]:
        """Words of a text, plus the shorter words inside long Chinese words."""
        out = []
        for tok in self.segment(text):
            out.append(tok)
            if len(tok) >= 3 and has_cjk(tok):
                out.extend(self.search_subwords(tok))
        return out


# --------------------------------------------------------------------------- index text
# Both search indexes (whoosh and the browser's) take their terms from here, so a
# query matches the same words in `kb search` and in the site's search box.

# Linear on any text: a label holds no bracket and a target at most one level of
# parentheses, so neither is read again from the next bracket ("[[[…" was
# quadratic); blanks before a rule or a heading marker stay on their line
# (`^\s*-{3,}` read all the blank lines that followed, from each); and a blank run
# with a line break is matched from its first character only (from each one, a
# long run of other blanks was read to its end).
_TARGET = r"\((?:[^()]|\([^()]*\))*\)"
_MD_NOISE = [
    (re.compile(r"!\[[^\[\]]*\]" + _TARGET), " "),
    (re.compile(r"\[([^\[\]]*)\]" + _TARGET), r"\1"),
    (re.compile(r"<[^<>\n]{0,200}>"), " "),
    (re.compile(r"^[ \t]{0,3}(#{1,6}|>|[*+-]|\d+[.)])\s+", re.M), ""),
    (re.compile(r"```[^\n]*|~~~[^\n]*"), " "),
    (re.compile(r"(\*\*|__|`|\|)"), " "),
    (re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M), " "),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"(?<!\s)\s*\n\s*"), " "),
]


def plain_text(markdown: str) -> str:
    """Markdown reduced to running text for indexing."""
    text = markdown or ""
    for pattern, repl in _MD_NOISE:
        text = pattern.sub(repl, text)
    return text.strip()
