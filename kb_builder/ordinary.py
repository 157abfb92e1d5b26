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
to what the comparisons need.

A question asked again in other words (`asked_again`) is the same question with detail
added on one side only: one question says every ordinary word of the other, the words
it adds weigh little (each question says `SAME_SHARE` of the other's words, weighted by
how rare they are among the corpus's questions: `Rarity`), and the other's answer
already speaks of them: 'linux部署nacos' and '如何在Linux环境下部署nacos' are one
question; 'nacos 搭建本地单机配置中心' and 'nacos docker搭建本地单机配置中心' are two, the
first answer never speaking of docker.  Both ask the same kind of question (why and how
are two), neither writes a number the other lacks while lacking one of the other's
(error codes, versions), and their answers are alike (`answers.ALIKE`).

Everything here is a pure function of its inputs.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from .analyze import fold, fold_characters, has_cjk, stem
from .answers import ALIKE, uses
from .asked import written_in
from .similar import Bag
from .tags import default_settings, version_of

CHATTER_CHANCE = 0.01  # how likely chance may be to take a word up this rarely, for it to be chatter
ANSWER_CHARS = 4000  # of an answer: its opening takes up the question's words
MIN_SHARED = 2  # ordinary words a related question must share with the entry
SITE_WIDE = 0.6  # a term on at least this share of the entries says nothing about one of them
SITE_WIDE_MIN_ENTRIES = 10  # ... once there are this many entries
# Each of two questions asked again says at least this share of the other's words, by
# rarity (judged pairs, benchmarks/related_quality.py: below it, most pairs ask two things).
SAME_SHARE = 0.6

_NOT_WORD = re.compile(r"[\W_]+")
_LATIN = re.compile(r"[a-z0-9]")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)*")


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
    kinds: frozenset[str] = frozenset()  # the kinds of question it asks (asked.kinds_of)
    numbers: frozenset[str] = frozenset()  # the numbers it asks about (error codes, versions)

    def holds(self, word: str) -> bool:
        """Whether the entry has the word anywhere: in its question, tags or keywords."""
        return word in self.held or self.says(word)

    def says(self, word: str) -> bool:
        """Whether its title or question has the word (Chinese: written anywhere in them; a
        Latin word of four letters or more: written alone, maybe as two words, 'spring cloud'
        for 'springcloud')."""
        if word in self.said:
            return True
        if has_cjk(word):
            return word in self.text
        return len(word) >= 4 and _written_alone(word, self.text)


def _written_alone(word: str, text: str) -> bool:
    """Whether a Latin word is in a text_key with no Latin letter or digit right before or after."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if (start == 0 or not _LATIN.match(text[start - 1])) and (end == len(text) or not _LATIN.match(text[end])):
            return True
        start = text.find(word, start + 1)
    return False


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


def wording(words: tuple[str, ...], held: frozenset[str], text: str, kinds: frozenset[str],
            vocabulary: Vocabulary) -> Wording:
    """One entry's question words (in order), every term it holds, its text_key and the kinds
    of question it asks, read with the corpus's vocabulary."""
    asks, meaning = [], []
    for word in words:
        if word in vocabulary.chatter or word in vocabulary.site_wide or len(word) < 2:
            continue
        asks.append(_key(word))
        if word not in vocabulary.form and version_of(word, expand_bare_digits=False) is None:
            meaning.append(_key(word))
    asked = _distinct(asks)
    return Wording(_distinct(meaning), asked, frozenset(_key(t) for t in held), frozenset(_key(w) for w in words),
                   text, kinds, frozenset(n for w in asked for n in _NUMBER.findall(w)))


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
    topics, not what is asked), and asks the same kind of question."""
    return bool(a.asks) and bool(b.asks) and not _other_kinds(a, b) and all(b.says(w) for w in a.asks) \
        and all(a.says(w) for w in b.asks)


def _other_kinds(a: Wording, b: Wording) -> bool:
    """Whether two questions ask different kinds of question (why something is done, how)."""
    return bool(a.kinds) and bool(b.kinds) and a.kinds.isdisjoint(b.kinds)


@dataclass(frozen=True)
class Rarity:
    """How much each word a question asks about says: the rarer among the corpus's
    questions, the more (idf)."""

    weights: Mapping[str, float]  # of the words the corpus's questions ask about
    unseen: float  # of any other word

    def weight(self, word: str) -> float:
        return self.weights.get(word, self.unseen)


def rarity(wordings: tuple[Wording, ...]) -> Rarity:
    df: Counter = Counter()
    for w in wordings:
        df.update(w.asks)  # each word once: `asks` holds distinct words
    n = len(wordings)
    return Rarity({word: math.log(1 + (n + 1) / (d + 1)) for word, d in df.items()}, math.log(2 + n))


def share_said(a: Wording, b: Wording, weights: Rarity) -> float:
    """The share of what `a` asks about that `b` says, each word weighted by its rarity."""
    total = said = 0.0
    for word in a.asks:
        w = weights.weight(word)
        total += w
        if b.says(word):
            said += w
    return said / total if total else 0.0


def _unsaid(a: Wording, b: Wording) -> tuple[str, ...]:
    return tuple(w for w in a.meaning if not b.says(w))


def may_be_asked_again(a: Wording, b: Wording, a_answer: Bag, b_answer: Bag) -> bool:
    """What `asked_again` asks of the questions alone and of the answers' words, not of
    the corpus (a verdict that stands while both entries read the same): the same kind of
    question, no number on each side the other lacks, words added on one side only, and
    the other's answer speaking of them."""
    if _other_kinds(a, b):
        return False
    if (a.numbers - b.numbers) and (b.numbers - a.numbers):
        return False
    added, own, other = _unsaid(a, b), a_answer, b_answer
    if added:
        if any(not a.says(w) for w in b.meaning):  # each asks about something the other does not
            return False
    else:
        added, own, other = _unsaid(b, a), b_answer, a_answer
    # Detail one question adds is part of the other's question when the other's answer
    # speaks of it too (or its own answer does not: then it is not what is asked).
    return not any(uses(own, w) and not uses(other, w) for w in added)


def asked_again(a: Wording, b: Wording, weights: Rarity, a_answer: Bag, b_answer: Bag,
                alike: Callable[[], float | None]) -> bool:
    """Whether `b` asks `a`'s question again in other words (see the module's docstring);
    `a_answer` and `b_answer`: their answers' bags (answers.py); `alike()`: how alike the
    answers are (None when one is too short to tell), asked last: it costs the most."""
    return may_be_asked_again(a, b, a_answer, b_answer) and close_enough(a, b, weights, alike)


def close_enough(a: Wording, b: Wording, weights: Rarity, alike: Callable[[], float | None]) -> bool:
    """The rest of `asked_again`: each says `SAME_SHARE` of the other's words, and the
    answers are alike."""
    if min(share_said(a, b, weights), share_said(b, a, weights)) < SAME_SHARE:
        return False
    found = alike()
    return found is None or found >= ALIKE
