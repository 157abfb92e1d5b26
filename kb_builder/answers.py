"""What an entry's answer says, as related questions and "also asked as" compare answers.

Two questions sharing their words may still ask about different problems: then their
answers say different things.  An answer is read as a bag of terms that needs no
segmentation (cheap on long answers): Chinese runs as overlapping character pairs,
Latin words whole (`answer_bag`); two answers are alike as far as the TF-IDF cosine of
their bags says (`similar.unit_vectors`, `similar.cosine`), when both say enough to
tell (`MIN_TERMS`).  `uses` tells whether an answer speaks of a word of a question.
"""
from __future__ import annotations

import re
import sys
from array import array
from collections import Counter
from operator import add

from .analyze import STOPWORDS, fold_characters, has_cjk
from .similar import Bag

ANSWER_CHARS = 4000  # of an answer: its opening says what it is about
# Two answers this alike or more (TF-IDF cosine of their bags) speak of the same things:
# below it, the answers of the judged related questions were mostly about other problems
# (benchmarks/related_quality.py), and of questions asked again, seldom.
ALIKE = 0.12
# An answer of fewer terms (a sentence or two) says too little to tell what it is about:
# it is compared with none.
MIN_TERMS = 20
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[._-][a-z0-9]+)*")


def answer_bag(answer: str) -> Bag:
    """An answer's terms: each pair of neighbouring Chinese characters (a single character
    alone), and each Latin word of two characters or more that is not a stop-word."""
    found: list[str] = []
    for run in _RUNS.findall(fold_characters(answer[:ANSWER_CHARS])):
        if run[0] > "z":  # a Chinese run (the pattern finds no other)
            found.extend(map(add, run[:-1], run[1:]) if len(run) > 1 else (run,))
        elif len(run) > 1 and run not in STOPWORDS:
            found.append(run)
    counts = Counter(found)
    # Interned: the same pairs recur in every answer, and a corpus keeps all its bags.
    terms = tuple(map(sys.intern, counts))
    return Bag(terms, array("H", map(counts.__getitem__, terms)))  # at most ANSWER_CHARS each


def uses(bag: Bag, word: str) -> bool:
    """Whether an answer speaks of a (folded, stemmed) question word: a Chinese word when
    it holds each of the word's character pairs, a Latin word when it holds a term the
    word starts (a stem finds its inflected forms)."""
    if not bag.terms or not word:
        return False
    if has_cjk(word):
        pairs = [word] if len(word) == 1 else map(add, word[:-1], word[1:])
        return all(p in bag for p in pairs)
    return bag.starts(word)
