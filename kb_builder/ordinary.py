"""Which words of a question carry its meaning: the words related questions must share.

A related question shares more than one *ordinary* word with the entry, and is not the
same question about another thing ('nacos go 客户端下载' and 'nacos python 客户端下载':
each has one ordinary word the other lacks, the rest they share); a question asking the
same as another one goes under "also asked as" instead.  What is not ordinary is learned
from the corpus, or comes from the general list of question-form words the tags already
use:

* chatter: words askers write that the answers do not take up ('有没有', '各位',
  '大佬', 'thanks'): the answers of the questions holding the word take it up so much
  less often than they take up question words in general that chance is unlikely to
  explain it (`CHATTER_CHANCE`; terse answers that take up nothing teach nothing);
* site-wide words: on most entries (`SITE_WIDE`, the product's name), in a corpus large
  enough to tell;
* question-form words: the shipped tag stop-words ('介绍', '方法', '问题', 'how');
* single characters ('包', 'b') and version numbers ('2.3.2', '1.x') never count as a
  shared word: a version says when something is asked, not what.

The first two are corpus statistics (`learn`); `wording` reduces one entry's question
to what the comparisons need.  Everything here is a pure function of its inputs.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from .analyze import fold, fold_characters, has_cjk, stem
from .asked import written_in
from .tags import default_settings, version_of

CHATTER_CHANCE = 0.01  # how likely chance may be to take a word up this rarely, for it to be chatter
ANSWER_CHARS = 4000  # of an answer: its opening takes up the question's words
MIN_SHARED = 2  # ordinary words a related question must share with the entry
SITE_WIDE = 0.6  # a term on at least this share of the entries says nothing about one of them
SITE_WIDE_MIN_ENTRIES = 10  # ... once there are this many entries

_NOT_WORD = re.compile(r"[\W_]+")


def _key(term: str) -> str:
    """A term as words are compared: Chinese as written, Latin stemmed."""
    return term if has_cjk(term) else stem(term)


def text_key(title: str, question: str) -> str:
    """A question's text folded, without spaces and punctuation (Chinese words are looked
    for inside it, whatever cut them)."""
    return _NOT_WORD.sub("", fold(f"{title}\n{question}"))


def echoed(words: tuple[str, ...], answer: str) -> frozenset[str] | None:
    """The question words the answer takes up, as written or stemmed (None: no answer)."""
    if not answer.strip():
        return None
    text = _NOT_WORD.sub("", fold_characters(answer[:ANSWER_CHARS]))
    found = set()
    for word in words:
        keys = {_NOT_WORD.sub("", word), _NOT_WORD.sub("", _key(word))} - {""}
        if any(k in text or (has_cjk(k) and written_in(k, text)) for k in keys):
            found.add(word)
    return frozenset(found)


@dataclass(frozen=True)
class Vocabulary:
    """The words of a corpus that are not ordinary, by kind."""

    chatter: frozenset[str] = frozenset()
    site_wide: frozenset[str] = frozenset()
    form: frozenset[str] = frozenset()

    def quiet(self, term: str) -> bool:
        """Whether a term says nothing about what one entry asks."""
        return term in self.chatter or term in self.site_wide or term in self.form


def form_words() -> frozenset[str]:
    """The shipped question-form words (the tags' stop-words)."""
    return default_settings().stopwords


def learn(words: tuple[tuple[str, ...], ...], echoes: tuple[frozenset[str] | None, ...],
          held: tuple[frozenset[str], ...], form: frozenset[str]) -> Vocabulary:
    """The corpus's chatter and site-wide words, from every entry's question words, the
    ones its answer takes up, and every term it holds (title, question, tags, keywords)."""
    asked, taken, df = Counter(), Counter(), Counter()
    for own, echo, terms in zip(words, echoes, held):
        df.update(terms)
        if echo is not None:
            asked.update(set(own))
            taken.update(echo)
    total = sum(asked.values())
    rate = sum(taken.values()) / total if total else 0.0
    chatter = frozenset(w for w, n in asked.items() if _unlikely(taken[w], n, rate))
    site_wide: frozenset[str] = frozenset()
    if len(held) >= SITE_WIDE_MIN_ENTRIES:
        site_wide = frozenset(t for t, n in df.items() if n >= SITE_WIDE * len(held))
    return Vocabulary(chatter, site_wide, form)


def _unlikely(k: int, n: int, p: float) -> bool:
    """Whether at most `k` of `n` answers taking a word up, each with chance `p`, is less
    likely than CHATTER_CHANCE (the binomial distribution's lower tail)."""
    if k >= n * p or p >= 1.0:  # also p == 0: answers that take nothing up teach nothing
        return False
    tail = sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                        + i * math.log(p) + (n - i) * math.log1p(-p)) for i in range(k + 1))
    return tail < CHATTER_CHANCE


def meaningful(weights: Mapping[str, float], vocabulary: Vocabulary) -> Mapping[str, float]:
    """Term weights without the terms that are not ordinary (the same mapping when none is)."""
    if not any(vocabulary.quiet(t) for t in weights):
        return weights
    return {t: w for t, w in weights.items() if not vocabulary.quiet(t)}


@dataclass(frozen=True)
class Wording:
    """One question, as the related and "also asked as" comparisons read it."""

    meaning: tuple[str, ...]  # its ordinary words
    asks: tuple[str, ...]  # what it asks about: the ordinary words, form words and versions too
    held: frozenset[str]  # every term of the entry (title, question, tags, keywords)
    said: frozenset[str]  # the words of its title and question
    text: str  # text_key of its title and question

    def holds(self, word: str) -> bool:
        """Whether the entry has the word anywhere: in its question, tags or keywords."""
        return word in self.held or self.says(word)

    def says(self, word: str) -> bool:
        """Whether its title or question has the word (Chinese: written anywhere in them)."""
        return word in self.said or (has_cjk(word) and word in self.text)


def _distinct(keys: Sequence[str]) -> tuple[str, ...]:
    """Each word once; a word written inside a longer Chinese one ('日志' in '日志文件',
    'jar' in 'jar包') counts with it."""
    out: list[str] = []
    for key in sorted(dict.fromkeys(keys), key=len, reverse=True):
        if not any(key in longer and has_cjk(longer) for longer in out):
            out.append(key)
    order: dict[str, int] = {}
    for i, key in enumerate(keys):
        order.setdefault(key, i)
    return tuple(sorted(out, key=order.__getitem__))


def wording(words: tuple[str, ...], held: frozenset[str], text: str, vocabulary: Vocabulary) -> Wording:
    """One entry's question words (in order), every term it holds and its text_key, read
    with the corpus's vocabulary."""
    asks, meaning = [], []
    for word in words:
        if word in vocabulary.chatter or word in vocabulary.site_wide or len(word) < 2:
            continue
        asks.append(_key(word))
        if word not in vocabulary.form and version_of(word, expand_bare_digits=False) is None:
            meaning.append(_key(word))
    return Wording(_distinct(meaning), _distinct(asks), frozenset(_key(t) for t in held),
                   frozenset(_key(w) for w in words), text)


def shared(a: Wording, b: Wording) -> tuple[str, ...]:
    """The ordinary words of `a` that `b` holds."""
    return tuple(w for w in a.meaning if b.holds(w))


def lacking(a: Wording, b: Wording) -> tuple[str, ...]:
    """The ordinary words of `a` that `b` does not hold."""
    return tuple(w for w in a.meaning if not b.holds(w))


def may_link(a: Wording, b: Wording) -> bool:
    """Whether `b` may be listed as related to `a`: they share more than one ordinary word,
    and are not siblings, the same question about two things (one word swapped for another:
    a reader of one has no use for the other)."""
    if len(shared(a, b)) < MIN_SHARED:
        return False
    return not (len(lacking(a, b)) == 1 and len(lacking(b, a)) == 1)


def asks_the_same(a: Wording, b: Wording) -> bool:
    """Each question says every word the other asks about (tags do not count: they name
    topics, not what is asked)."""
    return bool(a.asks) and bool(b.asks) and all(b.says(w) for w in a.asks) and all(a.says(w) for w in b.asks)
