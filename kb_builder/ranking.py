"""The ranking specification: one source for how a match counts, in `kb search` and in the browser.

Field boosts and BM25 parameters, and the weights of each kind of query
alternative, are data here; search.py scores whoosh postings with them and
browser_index.py writes them into the site for the search worker.
"""
from __future__ import annotations

from typing import Mapping

# Searchable fields: (boost of a match, BM25 length normalisation b).
FIELDS: Mapping[str, tuple[float, float]] = {
    "title": (3.0, 0.5),
    "question": (1.6, 0.75),
    "tags": (1.5, 0.3),
    "keywords": (1.2, 0.3),
    "errors": (2.5, 0.3),
    "category": (0.3, 0.0),
    "answer": (0.7, 0.75),
    "parts": (0.4, 0.75),
}
# Chinese bigrams of the short fields: recall whatever the segmenter cut.
GRAM_FIELDS: Mapping[str, tuple[float, float]] = {"tgrams": (1.0, 0.5)}
# Stop-words of the query count a little, in the short fields only.
STOPWORD_FIELDS: Mapping[str, float] = {"title": 1.0, "question": 0.6}
K1 = 1.2

FIELD_BOOSTS: Mapping[str, float] = {name: boost for name, (boost, _) in FIELDS.items()}
GRAM_FIELD_BOOSTS: Mapping[str, float] = {name: boost for name, (boost, _) in GRAM_FIELDS.items()}
BM25_B: Mapping[str, float] = {name: b for name, (_, b) in {**FIELDS, **GRAM_FIELDS}.items()}

SYNONYM_WEIGHT = 0.8  # a glossary synonym of a query word
STEM_WEIGHT = 0.8  # another form of a Latin query word (fails -> failed)
FUZZY_WEIGHT = 0.6  # a spelling neighbour of an unknown Latin query word
SUBWORD_ALT_WEIGHT = 0.7  # the parts of a long Chinese query word, all present
SUBWORD_WEIGHT = 0.4  # parts of a compound identifier in the query
STOPWORD_WEIGHT = 0.15
GRAM_WEIGHT = 0.5
ALT_TIEBREAK = 0.5  # share of a group's other matching alternatives added to its best one
COORD_WEIGHT = 0.6  # share of the score that depends on how many query concepts match
