"""Cutting runs of Chinese characters into words.

`Dictionary(words)` is jieba's dictionary with a site's taught words on top,
as a value: jieba's own dictionary is loaded once and never changed, the taught
words live in the Dictionary, and two dictionaries of the same words cut alike.
The cut is jieba's (maximum-probability route over the word graph, HMM for runs
of unknown characters); its word penalty is jieba's own total, which taught
words leave alone, so a taught word changes how a text is cut only when the
text holds that word.  `Segmentations` remembers cuts per text for a build or a
serve session and knows which of them a change of taught words can affect.

`VocabSegmenter` is the same route over a fixed word -> frequency table (the
vocabulary a search index ships), for queries cut without loading jieba.
"""
from __future__ import annotations

import math
import re
from functools import cache
from typing import Callable, Iterable, Mapping, Protocol

from . import jieba_dict

TAUGHT_FREQ = 2000  # how often jieba is told a taught word occurs
MAX_TAUGHT_CHARS = 16

# The characters jieba's dictionary cutter handles; other Chinese characters come out one by one.
_JIEBA_HAN = re.compile("[\u4e00-\u9fd5]+")


class Segmenter(Protocol):
    def cut(self, run: str) -> list[str]: ...


@cache
def _base() -> tuple[Mapping[str, int], int]:
    """jieba's dictionary and its total (read from kb's copy of it: jieba_dict.py)."""
    return jieba_dict.load()


def base_freq() -> Mapping[str, int]:
    """jieba's word frequencies (prefixes of words map to 0).  Read only: never changed."""
    return _base()[0]


def base_total() -> int:
    return _base()[1]


def _hmm_cut() -> Callable[[str], Iterable[str]]:
    return jieba_dict.jieba_module().finalseg.cut


class Dictionary:
    """jieba's dictionary plus taught words: what `cut` reads.  Build one per set of words."""

    def __init__(self, words: Iterable[str] = ()):
        self.words = frozenset(words)
        self.base = base_freq()
        self.log_total = math.log(base_total())
        self.taught = {w: TAUGHT_FREQ for w in self.words}
        # jieba stores every prefix of a word (with frequency 0) so its graph walk knows
        # when to stop: the taught words' prefixes are kept beside the base dictionary.
        self.prefixes = frozenset(w[:i] for w in self.words for i in range(1, len(w) + 1))

    def freq(self, word: str) -> int:
        found = self.taught.get(word)
        return found if found is not None else int(self.base.get(word) or 0)

    def subwords(self, word: str) -> list[str]:
        """Dictionary words inside a long Chinese word (jieba's search-mode parts), in order.

        ``持久化实例`` -> 持久, 实例 (and 持久化 where the dictionary holds it)."""
        if len(word) < 3 or not _CJK_RUN_FULL.fullmatch(word):
            return []
        return [word[i:i + n] for n in range(2, len(word)) for i in range(len(word) - n + 1)
                if self.freq(word[i:i + n])]

    def cut(self, run: str) -> list[str]:
        """A run of Chinese characters cut as jieba's `cut(run, HMM=True)` with the taught words added."""
        if _JIEBA_HAN.fullmatch(run):
            return self._cut_block(run)
        out: list[str] = []
        last = 0
        for match in _JIEBA_HAN.finditer(run):
            out.extend(run[last:match.start()])
            out.extend(self._cut_block(match.group(0)))
            last = match.end()
        out.extend(run[last:])
        return out

    def _cut_block(self, block: str) -> list[str]:
        base, taught, prefixes, log_total = self.base, self.taught, self.prefixes, self.log_total
        n = len(block)
        # The word graph: for each start, the ends of the dictionary words starting there.
        dag: list[list[int]] = []
        for k in range(n):
            ends = []
            i, frag = k, block[k]
            while i < n and (frag in base or frag in prefixes):
                if taught.get(frag) or base.get(frag):
                    ends.append(i)
                i += 1
                frag = block[k:i + 1]
            dag.append(ends or [k])
        # The best route from each position to the end (jieba's `calc`, ties to the longer word).
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best = None
            for x in dag[idx]:
                word = block[idx:x + 1]
                f = taught.get(word)
                if f is None:
                    f = base.get(word)
                cand = (math.log(f or 1) - log_total + route[x + 1][0], x)
                if best is None or cand > best:
                    best = cand
            route[idx] = best  # type: ignore[assignment]
        # Walk the route; runs of single characters go to the HMM unless they form a word.
        out: list[str] = []
        buf = ""
        x = 0
        while x < n:
            y = route[x][1] + 1
            word = block[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    self._flush(buf, out)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            self._flush(buf, out)
        return out

    def _flush(self, buf: str, out: list[str]) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not self.freq(buf):
            out.extend(_hmm_cut()(buf))
        else:
            out.extend(buf)


CHAR_MASK_BITS = 2048  # a text's characters as bits: 256 bytes, few false alarms for a few hundred characters


def char_mask(texts: Iterable[str]) -> int:
    """The characters of `texts` as bits (code point modulo CHAR_MASK_BITS): a word with
    a character whose bit is not set occurs in none of them.  Taught words are runs of
    Chinese characters, which segmentation keeps whole in its tokens: the mask of a
    text's tokens stands for the text."""
    mask = 0
    for bit in {ord(c) % CHAR_MASK_BITS for c in set("".join(texts))}:
        mask |= 1 << bit
    return mask


def teachable(word: str) -> bool:
    """Whether a (folded) word can be taught: a run of 2 to 16 Chinese characters."""
    return 1 < len(word) <= MAX_TAUGHT_CHARS and bool(_CJK_RUN_FULL.fullmatch(word))


_CJK_RUN_FULL = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class VocabSegmenter:
    """Maximum-probability segmentation over a fixed vocabulary (jieba's route, no HMM).

    Characters not covered by any vocabulary word come out one by one."""

    def __init__(self, freq: Mapping[str, int], total: int | None = None):
        self.freq = {w: max(int(f), 1) for w, f in freq.items() if w}
        self.max_len = max((len(w) for w in self.freq), default=1)
        # jieba's dictionary total, so word-count penalties match jieba's cuts.
        self.log_total = math.log(total or sum(self.freq.values()) or 1)

    def cut(self, run: str) -> list[str]:
        n = len(run)
        if n == 0:
            return []
        freq, log_total, max_len = self.freq, self.log_total, self.max_len
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for i in range(n - 1, -1, -1):
            best = (math.log(freq.get(run[i], 1)) - log_total + route[i + 1][0], i)
            for j in range(i + 1, min(n, i + max_len)):
                f = freq.get(run[i:j + 1])
                if f:
                    cand = (math.log(f) - log_total + route[j + 1][0], j)
                    if cand > best:
                        best = cand
            route[i] = best
        out, i = [], 0
        while i < n:
            j = route[i][1]
            out.append(run[i:j + 1])
            i = j + 1
        return out


class Segmentations:
    """Cuts remembered per text for one build or serve session.

    A text's cut depends on the taught words only through those the text holds,
    so a cut made with one set of words stands for another set unless a word in
    one set and not the other occurs in the text.  `cut` answers from what it
    holds under that rule; `sweep` forgets texts not asked for since the last sweep."""

    def __init__(self) -> None:
        self._cuts: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
        self._asked: set[str] = set()
        self._finders: dict[tuple[frozenset[str], frozenset[str]], Callable[[str], object]] = {}
        self._word_sets: dict[frozenset[str], frozenset[str]] = {}
        self._masks: dict[tuple[frozenset[str], frozenset[str]], tuple[int, ...]] = {}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_finders"] = {}  # compiled searches (some are functions): made again when asked
        return state

    def intern(self, words: frozenset[str]) -> frozenset[str]:
        """The one object this cache uses for a set of words: cuts compare sets by identity."""
        return self._word_sets.setdefault(words, words)

    def __len__(self) -> int:
        return len(self._cuts)

    def get(self, text: str, words: frozenset[str]) -> tuple[str, ...] | None:
        """The tokens of `text` cut with `words` (as `intern` returned them), when known."""
        found = self._cuts.get(text)
        if found is None:
            return None
        self._asked.add(text)
        cut_with, tokens = found
        if cut_with is words:
            return tokens
        if self.finder(cut_with, words)("".join(tokens)):
            return None
        self._cuts[text] = (words, tokens)
        return tokens

    def put(self, text: str, words: frozenset[str], tokens: tuple[str, ...]) -> None:
        self._cuts[text] = (words, tokens)
        self._asked.add(text)

    def sweep(self) -> None:
        self._cuts = {t: c for t, c in self._cuts.items() if t in self._asked}
        self._asked = set()
        self._finders.clear()
        self._masks.clear()
        kept = {id(words) for words, _ in self._cuts.values()}
        self._word_sets = {w: w for w in self._word_sets.values() if id(w) in kept}

    def changed_masks(self, a: frozenset[str], b: frozenset[str]) -> tuple[int, ...]:
        """The `char_mask` of each word in one of `a` and `b` but not the other."""
        found = self._masks.get((a, b))
        if found is None:
            found = tuple(char_mask((word,)) for word in sorted(a ^ b))
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[(a, b)] = found
        return found

    def finder(self, a: frozenset[str], b: frozenset[str]) -> Callable[[str], object]:
        """A search for the words in one of `a` and `b` but not the other (in folded text)."""
        key = (a, b)
        found = self._finders.get(key)
        if found is None:
            changed = a ^ b
            if not changed:
                found = lambda text: None  # noqa: E731 - an empty alternation would match everywhere
            else:
                found = re.compile("|".join(map(re.escape, sorted(changed, key=len, reverse=True)))).search
            if len(self._finders) > 64:
                self._finders.clear()
            self._finders[key] = found
        return found
