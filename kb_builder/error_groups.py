"""Error signatures across entries: the variants of one error merged under one signature.

Readers paste the same error in many forms: with or without its exception class or
status (``NacosException: user not found``, ``403 user not found``, ``user not found``),
in other cases and punctuation, with a typo (``user not foud``), with a word cut short
by the paste (``can't accept grpc request temporaril``), or with the other spelling of a
common phrase (``read timeout`` / ``Read timed out``).  Each form gets a merge key: its
message without the class or status, lowercased, variable parts (``<ip>``, ``<n>``)
dropped, a few spellings made one (`_SAME`), each word stemmed.  Forms with one key are
one error, and so are keys one typo apart (one letter inside a word of four letters or
more, in a key of 12 characters or more) and a key that another continues from inside
its last word (a cut paste).  A group is shown as its best form, the others as aliases.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .analyze import stem
from .errors import Signature
from .unionfind import UnionFind

# Spellings of one thing, each made the one keys use (the matched words without spaces
# and apostrophes name it).
_SAME = re.compile(r"\btime[ds]?\s*out\b|\b(?:can|could|does|do|is|will)\s*not\b|\b(?:can|couldn|doesn|don|isn|won)'?t\b")
_SAME_AS = {"timeout": "timeout", "timedout": "timeout", "timesout": "timeout", "cannot": "cannot", "cant": "cannot",
            "couldnot": "couldnot", "couldnt": "couldnot", "doesnot": "doesnot", "doesnt": "doesnot",
            "donot": "donot", "dont": "donot", "isnot": "isnot", "isnt": "isnot", "willnot": "willnot",
            "wont": "willnot"}
_PLACEHOLDER = re.compile(r"<(?:ip|n|id|host|port|time)>")
_WORD = re.compile(r"[a-z0-9]+")
MIN_TYPO_KEY = 12  # a key this long or longer may have a typo: shorter ones are other words
MAX_TYPO_KEY = 200  # no message is longer (errors._phrase_ok): a longer key is a name, looked up whole
MIN_TYPO_WORD = 4
MIN_CUT_WORDS = 3  # a cut paste still has this many words
MAX_ALIASES = 12


def merge_key(sig: Signature) -> str:
    """What every form of one error shares: its message (no class or status), lowercased,
    without variable parts, with one spelling of common phrases, each word stemmed."""
    text = unicodedata.normalize("NFKC", sig.message).lower().replace("’", "'")
    text = _SAME.sub(_same_as, _PLACEHOLDER.sub(" ", text))
    words = [stem(w) for w in _WORD.findall(text)]
    return " ".join(words) or sig.key


def _same_as(match: re.Match) -> str:
    return _SAME_AS[re.sub(r"[\s']", "", match.group())]


def _join_typos(groups: UnionFind, keys: Sequence[str]) -> None:
    """Keys one typo apart: the same words but one, of MIN_TYPO_WORD letters or more, that
    differs by a letter missing, added, changed or swapped.  Keys are put in buckets by
    their other words; within one, words one typo apart share a variant with one letter
    dropped.  No pair of keys is compared."""
    buckets: dict[str, list[tuple[str, str]]] = defaultdict(list)  # words but one -> (key, that word)
    for key in keys:
        if not MIN_TYPO_KEY <= len(key) <= MAX_TYPO_KEY:
            continue
        words = key.split(" ")
        for i, word in enumerate(words):
            if len(word) >= MIN_TYPO_WORD and word.isalpha():
                buckets[" ".join(words[:i] + ["*"] + words[i + 1:])].append((key, word))
    for members in buckets.values():
        if len(members) < 2:
            continue
        by_variant: dict[str, list[str]] = defaultdict(list)
        for key, word in members:
            for variant in {word, *(word[:j] + word[j + 1:] for j in range(len(word)))}:
                by_variant[variant].append(key)
        for same in by_variant.values():
            for other in same[1:]:
                groups.union(same[0], other)


def _join_cuts(groups: UnionFind, keys: Sequence[str]) -> None:
    """A key that exactly one other key continues from inside its last word: a cut paste."""
    ordered = sorted(keys)
    for key in ordered:
        if not MIN_TYPO_KEY <= len(key) <= MAX_TYPO_KEY or key.count(" ") + 1 < MIN_CUT_WORDS:
            continue
        longer = []
        start = bisect.bisect_right(ordered, key)
        for other in ordered[start:start + 8]:  # those starting with it come next
            if not other.startswith(key):
                break
            if other[len(key)].isalnum():
                longer.append(other)
        if len(longer) == 1:
            groups.union(key, longer[0])


@dataclass(frozen=True)
class ErrorGroups:
    """The error index: each group's shown form -> entry ids (A-Z), its aliases, each
    entry's groups in the order its signatures came, and the forms each entry wrote."""

    index: dict[str, tuple[str, ...]]
    aliases: dict[str, tuple[str, ...]]
    of_entry: dict[str, tuple[str, ...]]
    written: dict[str, tuple[str, ...]]

    def __hash__(self) -> int:  # a store's value, never a key
        return id(self)


def _cut_forms(forms: Iterable[str]) -> set[str]:
    """The forms another goes on from, where they stop (inside a word, or with a variable
    part): after sorting, such a form comes right before one that starts with it."""
    ordered = sorted({f.lower() for f in forms})
    return {f for f, after in zip(ordered, ordered[1:]) if after.startswith(f)}


def _best(forms: Mapping[str, int], message_of: Mapping[str, str], common: Counter) -> str:
    """The form a group is shown as: not cut short, the message without a class or status,
    the message most often written (with a class or status in front too: a typo is rarer),
    its words most used across the index (a typo's word is used once), with more capitals
    (NacosException over nacosexception), the shortest."""
    written: Counter = Counter()
    for form, times in forms.items():
        written[message_of[form].lower()] += times
    cut = _cut_forms(forms)

    def rank(form: str) -> tuple:
        message = message_of[form].lower()
        return (form.lower() not in cut, message_of[form] == form, written[message],
                sum(common[w] for w in _WORD.findall(message)), sum(c.isupper() for c in form), -len(form), form)

    return max(forms, key=rank)


def group_signatures(ids: Sequence[str], signatures: Sequence[Sequence[Signature]]) -> ErrorGroups:
    """The error index of the entries `ids`, whose signatures are `signatures`."""
    forms: dict[str, Counter] = defaultdict(Counter)  # key -> display -> times written
    message_of: dict[str, str] = {}  # display -> its message (without a class or status)
    entries_of: dict[str, list[str]] = defaultdict(list)
    keys_of: dict[str, dict[str, None]] = {}  # entry -> its keys, in order
    key_of: dict[Signature, str] = {}  # a signature written again is not keyed again
    for eid, sigs in zip(ids, signatures):
        keys = keys_of[eid] = {}
        for sig in sigs:
            key = key_of.get(sig)
            if key is None:
                key = key_of[sig] = merge_key(sig)
            forms[key][sig.display] += 1
            message_of[sig.display] = sig.message
            if key not in keys:
                keys[key] = None
                entries_of[key].append(eid)
    common: Counter = Counter()  # how many forms use each word
    for form in message_of.values():
        common.update(set(_WORD.findall(form.lower())))
    groups = UnionFind(forms)
    _join_typos(groups, list(forms))
    _join_cuts(groups, list(forms))
    members: dict[str, list[str]] = defaultdict(list)
    for key in forms:
        members[groups.find(key)].append(key)
    shown: dict[str, str] = {}  # root key -> the group's form
    index: dict[str, tuple[str, ...]] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    order = {eid: i for i, eid in enumerate(ids)}
    for root, keys in members.items():
        written: Counter = Counter()
        for key in keys:
            written.update(forms[key])
        best = _best(written, message_of, common) if len(written) > 1 else next(iter(written))
        shown[root] = best
        index[best] = tuple(sorted({e for k in keys for e in entries_of[k]}, key=order.__getitem__))
        others = sorted((f for f in written if f.lower() != best.lower()), key=lambda f: (-written[f], f.lower(), f))
        if others:
            aliases[best] = tuple(others[:MAX_ALIASES])
    of_entry = {eid: tuple(dict.fromkeys(shown[groups.find(k)] for k in keys)) for eid, keys in keys_of.items()}
    written = {eid: tuple(dict.fromkeys(sig.display for sig in sigs)) for eid, sigs in zip(ids, signatures)}
    rows = sorted(index.items(), key=lambda row: (row[0].lower(), row[0]))
    return ErrorGroups(dict(rows), aliases, of_entry, written)
