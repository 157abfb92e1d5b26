"""The entry graph, built from all entries before anything is rendered.

* related questions: TF-IDF cosine over the ordinary words (ordinary.py) of title,
  question, tags and keywords (similar.py); a link needs more than one shared ordinary
  word, and answers that say alike things (answers.py); one representative per
  duplicate group;
* duplicate groups ("Also asked as"): near-identical questions, questions asking
  about the same words, and questions asked again in other words (also_asked.py: a
  group takes a question only when it is asked again with each of its members);
* references and backlinks (references.py);
* symptom hubs (hubs.py) and the error-message index (errors.py, error_groups.py);
* a JSON-serialisable summary.

Every step is a function of declared inputs, asked through a `Store`: a clean
build uses an empty store, `kb serve` its session's, so a rebuild recomputes
only the steps whose inputs an edit changed (and, for the neighbour lists and
cited titles, updates the previous result: similar.py, references.py).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .also_asked import Answers, Verdicts, answers_alike, join_asked_again, may_be_asked
from .analyze import Analyzer, char_mask, fold
from .answers import ALIKE, answer_bag
from .asked import kinds_of
from .error_groups import ErrorGroups, group_signatures
from .error_repair import repair
from .errors import Signature, extract_signatures
from .hubs import DEFAULT_HUBS, HubDoc, HubRules, assign_hubs, hub_doc, hub_rules_from_text, placements, standings
from .model import EntryLinks, NormalizedEntry, Reference, Related
from .ordinary import (Rarity, Vocabulary, Wording, asks_the_same, echoed, form_words, learn, may_link, meaningful,
                       rarity, text_key, wording)
from .references import (LinkMaps, References, ResolverInput, TitleResolver, body_links, near_identical,
                         combine_references, entry_references, looks_up_entries, title_key)
from .same_question import SameQuestion, same_question
from .similar import Similar, Units, similar, unit_vectors, values_of
from .store import Store
from .terminal import clean_lines
from .unionfind import UnionFind

# Below this cosine, links sharing two ordinary words are still mostly about the same area
# rather than the same problem, even with answers alike (judged samples:
# benchmarks/related_quality.py).
DEFAULT_MIN_SCORE = 0.25
MAX_POSTINGS = 400  # terms in more entries than this do not generate candidates


@dataclass(frozen=True)
class Graph:
    links: Mapping[str, EntryLinks]
    duplicate_groups: tuple[tuple[str, ...], ...]
    hubs: tuple
    error_index: Mapping[str, tuple[str, ...]]
    unresolved: tuple[tuple[str, Reference], ...]
    stats: dict
    error_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the other forms of each
    error_forms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # entry -> the forms it wrote
    former_hubs: tuple[tuple[str, str | None], ...] = ()  # (former slug, the hub it leads to; None: the index)


# --------------------------------------------------------------------------- one entry

def entry_texts(n: NormalizedEntry) -> tuple[str, str]:
    """(title, question) with a truncated title dropped when the question repeats it."""
    title, question = n.entry.title.strip(), (n.entry.question or "").strip()
    tkey, qkey = title_key(title), title_key(question)
    if qkey and (qkey == tkey or (tkey and qkey.startswith(tkey))):
        return "", question
    return title, question


@dataclass(frozen=True)
class Parts:
    """What the graph takes from one entry alone."""

    entry: NormalizedEntry
    analyzer: Analyzer
    title: str  # entry_texts
    question: str
    weights: Mapping[str, float]  # weighted terms (the entry's vector before idf)
    hub: HubDoc
    title_words: frozenset[str]  # candidates for product names (_products_of)
    texts: tuple[str, ...]  # every text segmented for the above
    words: tuple[str, ...]  # the words of the title and question, in order (ordinary.py)
    held: frozenset[str]  # every weighted term
    text: str  # the title and question as ordinary.text_key keeps them
    kinds: frozenset[str]  # the kinds of question it asks (asked.kinds_of)
    mask: int | None = None  # analyze.char_mask of the texts folded: which taught words cannot change their cuts


def _weighted_terms(n: NormalizedEntry, title: str, question: str, analyzer: Analyzer) -> dict[str, float]:
    """Term weights from the title and question, tags and keywords."""
    weights: Counter = Counter()
    # A long question pasted from a log gets less weight per term than a short title.
    for text, weight in ((title, 2.0), (question, 2.0 if not title else 1.0)):
        toks = analyzer.terms(text[:2000])
        if not toks:
            continue
        scale = weight * min(1.0, 12.0 / len(toks)) ** 0.5
        for t in toks:
            weights[t] += scale
    tag_terms = set()
    for tag in n.tags:
        tag_terms.update(analyzer.terms(tag.label))
        tag_terms.add(fold(tag.label).strip())
    kw_terms = set()
    for kw in n.keywords or n.entry.keywords:
        kw_terms.update(analyzer.terms(kw))
    # Sorted: a set's order follows the process's string hashes, and the weights' order is
    # the order scores are summed in (and ties broken in), so every build gets the same.
    for t in sorted(tag_terms):
        if t:
            weights[t] += 1.0
    for t in sorted(kw_terms - tag_terms):
        if t:
            weights[t] += 0.5
    return dict(weights)


def entry_parts(previous: Parts | None, n: NormalizedEntry, analyzer: Analyzer) -> Parts:
    """An entry's parts; the previous ones stand while the entry reads the same and the
    analyzer cuts its texts alike (the answer, date and references are not read)."""
    if previous is not None and _same_reading(previous.entry, n) and analyzer.cuts_alike(
            previous.texts, previous.analyzer, previous.mask):
        return previous if previous.analyzer is analyzer else _with_analyzer(previous, analyzer)
    title, question = entry_texts(n)
    labels = [t.label for t in n.tags]
    hub = hub_doc(title, question, ((t.slug, t.label) for t in n.tags), n.keywords or n.entry.keywords)
    texts = (title[:2000], question[:2000], *labels, *(n.keywords or n.entry.keywords))
    weights = _weighted_terms(n, title, question, analyzer)
    words = tuple(dict.fromkeys(analyzer.terms(title[:2000]) + analyzer.terms(question[:2000])))
    return Parts(n, analyzer, title, question, weights, hub,
                 frozenset(re.findall(r"[a-z][a-z0-9-]{2,}", fold(n.entry.title))), texts, words,
                 frozenset(weights), text_key(title[:2000], question[:2000]), kinds_of(f"{title}\n{question}"),
                 char_mask(map(fold, texts)))


def _same_reading(a: NormalizedEntry, b: NormalizedEntry) -> bool:
    """The same title, question, tags and keywords: all that `entry_parts` reads."""
    return a is b or (a.entry.title == b.entry.title and a.entry.question == b.entry.question
                      and a.tags == b.tags and (a.keywords or a.entry.keywords) == (b.keywords or b.entry.keywords))


def _with_analyzer(parts: Parts, analyzer: Analyzer) -> Parts:
    from dataclasses import replace

    return replace(parts, analyzer=analyzer)


def _same_parts(a: Parts, b: Parts) -> bool:
    return (a.title, a.question, a.weights, a.hub, a.title_words, a.texts, a.words, a.text, a.kinds) == \
        (b.title, b.question, b.weights, b.hub, b.title_words, b.texts, b.words, b.text, b.kinds)


def products_of(title_words: tuple[frozenset[str], ...]) -> tuple[str, ...]:
    """Words so common in titles that they name the product (e.g. 'nacos'): stripped from messages."""
    counts: Counter = Counter()
    for words in title_words:
        counts.update(words)
    limit = max(3, len(title_words) * 0.2)
    return tuple(sorted(w for w, c in counts.items() if c >= limit))


def duplicate_key(text: str, products: tuple[str, ...]) -> str:
    """Question key for duplicates: title_key without product names and polite fillers."""
    key = title_key(text[:500])
    for product in products:
        key = key.replace(product, "")
    return re.sub(r"^(?:请问|请教|你好|您好|大佬|各位)+", "", key)


def entry_signatures(title: str, question: str, products: tuple[str, ...]) -> tuple[Signature, ...]:
    """An entry's error signatures: its question's, then its title's not already found."""
    sigs = extract_signatures(question, products)
    if title:
        sigs += [s for s in extract_signatures(title, products) if s.key not in {x.key for x in sigs}]
    return tuple(sigs)


# --------------------------------------------------------------------------- duplicates and related

@dataclass
class PairAnswers:
    """What a build answered about pairs of entries, lent to the next build: an edit asks
    again only of the pairs it touches (an answer is reused while what it read is the
    same object)."""

    identical: dict[tuple[str, str], bool] = field(default_factory=dict)  # near_identical, per pair of keys
    # per pair of entry ids: (what was read of each, the answer)
    same: dict[tuple[str, str], tuple[Wording, Wording, bool]] = field(default_factory=dict)  # asks_the_same
    linkable: dict[tuple[str, str], tuple[Wording, Wording, bool]] = field(default_factory=dict)  # may_link
    alike: dict[tuple[str, str], tuple[Any, Any, float | None]] = field(default_factory=dict)  # answers' cosine
    verdicts: Verdicts = field(default_factory=dict)  # also_asked's verdicts


def _ask(known: dict, answered: dict, key: tuple[str, str], a: Any, b: Any, fn: Callable[[Any, Any], Any]) -> Any:
    """`fn(a, b)`, or the answer the previous build got when it read these very objects."""
    kept = known.get(key)
    if kept is None or kept[0] is not a or kept[1] is not b:
        kept = (a, b, fn(a, b))
    answered[key] = kept
    return kept[2]


def _duplicates(ids: tuple[str, ...], keys: tuple[str, ...], wordings: tuple[Wording, ...],
                neighbours: Sequence[Sequence[tuple[float, int]]], known: PairAnswers, answered: PairAnswers,
                weights: Rarity, answers: Answers,
                same_before: SameQuestion | None = None) -> tuple[tuple[tuple[str, ...], ...], SameQuestion]:
    """Groups of the same normalised question, or, among close neighbours, near-identical
    text or questions asking about the same words; then questions asked again in other
    words (also_asked.py).  `known`: what the previous build answered; `answered` gets
    this call's answers; `same_before`: the previous build's first step."""
    if same_before is not None:
        # The pairs the step does not compare again keep their answers: lent on whole.
        answered.identical, answered.same, answered.verdicts = known.identical, known.same, known.verdicts

    def same(a: str, b: str) -> bool:
        found = answered.identical.get((a, b))
        if found is None:
            found = known.identical.get((a, b))
            if found is None:
                found = near_identical(a, b)
            answered.identical[(a, b)] = found
        return found

    def asks_same(i: int, j: int) -> bool:
        return _ask(known.same, answered.same, (ids[i], ids[j]), wordings[i], wordings[j], asks_the_same)

    may_be = may_be_asked(ids, wordings, answers.bags, known.verdicts, answered.verdicts)
    # The text comparison decides; the similarity score only picks the candidates
    # (it depends on segmentation, which user dictionaries can shift).
    first = same_question(ids, keys, wordings, neighbours, lambda i, j: same(keys[i], keys[j]) or asks_same(i, j),
                          same_before, answers.bags, may_be)
    # joined further below: the step keeps its own groups
    return _join_again(ids, first.maybe, first.groups.copy(), wordings, weights, answers, may_be), first


def _join_again(ids: Sequence[str], candidates: Iterable[tuple[int, int]], uf: UnionFind, wordings: Sequence[Wording],
                weights: Rarity, answers: Answers, may_be: Callable[[int, int], bool]) -> tuple[tuple[str, ...], ...]:
    """The groups of the same question (`uf`) joined where questions are asked again."""
    groups_by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ids)):
        groups_by_root[uf.find(i)].append(i)
    join_asked_again(candidates, uf, groups_by_root, wordings, weights, answers, may_be)
    return tuple(sorted(
        (tuple(sorted(ids[i] for i in members)) for members in groups_by_root.values() if len(members) > 1)))


def _related(ids: Sequence[str], wordings: Sequence[Wording], neighbours: Sequence[Sequence[tuple[float, int]]],
             group_of: Mapping[str, tuple[str, ...]], related_limit: int,
             min_score: float, answers: Answers, previous: "Linked | None", known: PairAnswers,
             answered: PairAnswers) -> dict[str, tuple[Related, ...]]:
    # A list depends on its neighbour list, the wordings, answers and duplicate groups of its
    # entry and of its neighbours: with the same settings, an unchanged (identical) neighbour
    # list of unchanged wordings, answers and groups keeps its related entries.  Entries are
    # matched by id, so an entry added or removed (which moves every position) keeps the
    # lists it does not reach.  Other lists reuse the pairs' answers that read unchanged
    # wordings and answers.
    reuse = previous is not None and previous.settings == (related_limit, min_score)
    units = answers.units
    kept_at = _previous_positions(ids, previous) if reuse else None

    def linkable(i: int, j: int) -> bool:
        return _ask(known.linkable, answered.linkable, (ids[i], ids[j]), wordings[i], wordings[j], may_link)

    # An answer is compared with each of its neighbours': its terms as a mapping, made once
    # (a few hundred kept at a time: a clean build compares every answer).
    tables: dict[int, dict[str, float]] = {}

    def alike_units(a: Any, b: Any) -> float | None:
        table = tables.get(id(b))
        if table is None:
            if len(tables) >= 256:
                tables.clear()
            table = tables[id(b)] = values_of(b)
        return answers_alike(a, b, table)

    def alike(i: int, j: int) -> float | None:
        lo, hi = min(i, j), max(i, j)
        return _ask(known.alike, answered.alike, (ids[lo], ids[hi]), units[lo], units[hi], alike_units)
    related: dict[str, tuple[Related, ...]] = {}
    same = _same_entries(ids, wordings, units, group_of, previous, kept_at) if reuse else []
    for i, near in enumerate(neighbours):
        if reuse and _unchanged_list(i, near, ids, previous, kept_at, same):
            related[ids[i]] = previous.related[ids[i]]
            continue
        own = set(group_of.get(ids[i], ()))
        picked: list[Related] = []
        seen_groups: set[tuple[str, ...]] = set()
        for score, j in near:
            if score < min_score or len(picked) >= related_limit:
                break
            if ids[j] in own or ids[j] == ids[i] or not linkable(i, j):
                continue
            cosine_of_answers = alike(i, j)
            if cosine_of_answers is not None and cosine_of_answers < ALIKE:  # answered with other things
                continue
            group = group_of.get(ids[j])
            if group:  # one representative per duplicate group
                if group in seen_groups:
                    continue
                seen_groups.add(group)
            picked.append(Related(ids[j], round(score, 4)))
        related[ids[i]] = tuple(picked)
    return related


def _same_wording(a: Wording, b: Wording) -> bool:
    return a is b or a == b


def _previous_positions(ids: Sequence[str], previous: "Linked") -> dict[int, int] | None:
    """Each position's position in the previous build (None: the same positions)."""
    if previous.ids == ids:
        return None
    old_at = {eid: k for k, eid in enumerate(previous.ids)}
    return {i: old_at[eid] for i, eid in enumerate(ids) if eid in old_at}


def _same_entries(ids: Sequence[str], wordings: Sequence[Wording], units: Sequence[Any],
                  group_of: Mapping[str, tuple[str, ...]], previous: "Linked",
                  kept_at: dict[int, int] | None) -> list[bool]:
    """For each position, whether its entry has the previous build's wording, answer and
    duplicate group (what a related list reads of each entry it names)."""
    same = []
    for p, eid in enumerate(ids):
        q = p if kept_at is None else kept_at.get(p)
        same.append(q is not None and _same_wording(wordings[p], previous.wordings[q])
                    and units[p] is previous.answers.units[q] and group_of.get(eid) == previous.group_of.get(eid))
    return same


def _unchanged_list(i: int, near: Sequence[tuple[float, int]], ids: Sequence[str], previous: "Linked",
                    kept_at: dict[int, int] | None, same: Sequence[bool]) -> bool:
    """Entry i's related list is the previous one: the same neighbours (ids and scores) and,
    for it and each of them, the same wording, answer and duplicate group (`same`)."""
    k = i if kept_at is None else kept_at.get(i)
    if k is None or not same[i]:
        return False
    was = previous.neighbours[k]
    if kept_at is None:
        if near is not was and near != was:
            return False
    elif len(near) != len(was) or any(s != t or ids[j] != previous.ids[m] for (s, j), (t, m) in zip(near, was)):
        return False
    return all(same[j] for _, j in near)


@dataclass
class Linked:
    """Duplicate groups and related lists, and what they were computed from."""

    ids: tuple[str, ...]
    wordings: tuple[Wording, ...]
    neighbours: Sequence[Sequence[tuple[float, int]]]
    settings: tuple[int, float]
    answers: Answers
    duplicate_groups: tuple[tuple[str, ...], ...]
    group_of: dict[str, tuple[str, ...]]
    related: dict[str, tuple[Related, ...]]
    answered: PairAnswers = field(compare=False)  # what was asked of pairs of entries
    same_question: SameQuestion | None = field(default=None, compare=False)  # `_duplicates`' first step


def duplicates_and_related(previous: Linked | None, ids: tuple[str, ...], keys: tuple[str, ...],
                           wordings: tuple[Wording, ...], sim: Similar, related_limit: int,
                           min_score: float, weights: Rarity, units: Units) -> Linked:
    """Groups of duplicates and related lists; the previous result lends its pair answers
    and the lists of unchanged neighbour lists."""
    known, answered = previous.answered if previous else PairAnswers(), PairAnswers()
    neighbours = sim.neighbours
    answers = Answers(units.bags, units.units)
    duplicate_groups, same_question = _duplicates(ids, keys, wordings, neighbours, known, answered, weights, answers,
                                                  previous.same_question if previous else None)
    group_of = {eid: group for group in duplicate_groups for eid in group}
    related = _related(ids, wordings, neighbours, group_of, related_limit, min_score, answers, previous, known,
                       answered)
    return Linked(ids, wordings, neighbours, (related_limit, min_score), answers, duplicate_groups, group_of,
                  related, answered, same_question)


def new_resolver(previous: TitleResolver | None, given: ResolverInput, analyzer: Analyzer) -> TitleResolver:
    return TitleResolver(given, analyzer, previous)


def _same_answers(fresh: TitleResolver, kept: TitleResolver) -> bool:
    return all(fresh.resolve(text) == kept.resolve(text) for text in sorted(kept.asked))


# --------------------------------------------------------------------------- the graph

def build_graph(entries: Sequence[NormalizedEntry], analyzer: Analyzer | None = None,
                hub_rules: HubRules | str | Path | None = None, related_limit: int = 5,
                min_score: float = DEFAULT_MIN_SCORE, max_postings: int = MAX_POSTINGS,
                store: Store | None = None) -> Graph:
    """The graph of `entries`, segmenting with `analyzer`; `store` remembers the steps."""
    entries = tuple(entries)
    store = store if store is not None else Store()
    analyzer = analyzer if analyzer is not None else Analyzer()
    if isinstance(hub_rules, HubRules):
        rules = hub_rules
    else:  # the same text gives the same rules object: its placements are remembered
        path = Path(hub_rules) if hub_rules is not None else DEFAULT_HUBS
        rules = store.memo(hub_rules_from_text, path.read_text(encoding="utf-8"), str(path))
    ids = tuple(n.entry.id for n in entries)
    cap = max(max_postings, 50)

    # --- vectors and neighbours
    parts = tuple(store.derive(entry_parts, n, analyzer, slot=n.entry.id, same=_same_parts) for n in entries)
    products = store.memo(products_of, tuple(p.title_words for p in parts))
    # The words that say nothing about one entry: learned from every question and answer.
    # (`store.each`: an unchanged entry's row of inputs is the last build's, found without hashing)
    answers = [n.entry.answer or "" for n in entries]
    words = [p.words for p in parts]
    echoes = store.each(echoed, words, answers)
    # interned: an equal vocabulary learned again is the same object, which keys compare at once
    vocabulary = store.intern(store.memo(learn, tuple(words), echoes, tuple(p.held for p in parts), form_words()))
    wordings = store.each(wording, words, [p.held for p in parts], [p.text for p in parts], [p.kinds for p in parts],
                          shared=(vocabulary,))
    # Each entry's meaningful weights are the last build's mapping while its weights and the
    # vocabulary are: `similar` then compares them by identity, not term by term.
    sim = store.derive(similar, ids, tuple(store.derive(_meaningful, p.weights, vocabulary, slot=eid)
                                           for p, eid in zip(parts, ids)),
                       max(related_limit, 1) + 10, cap)
    keys = store.each(duplicate_key, [p.question or p.title for p in parts], shared=(products,))

    # The answers: what related questions and questions asked again must say alike.
    units = store.derive(unit_vectors, ids, store.each(answer_bag, answers))
    weights = store.memo(rarity, wordings)

    # --- duplicates and related (one representative per duplicate group)
    linked = store.derive(duplicates_and_related, ids, keys, wordings, sim, related_limit, min_score, weights,
                          units)

    # --- references and backlinks
    given = ResolverInput(ids, tuple((n.entry.title, n.entry.question) for n in entries),
                          tuple(p.held for p in parts), cap)
    resolver = store.derive(new_resolver, given, analyzer, same=_same_answers)
    maps = store.memo(LinkMaps, tuple((n.entry.source_path, n.entry.id) for n in entries))
    in_answers = store.each(body_links, answers)
    # An entry that looks no other entry up is not asked again when the resolver changes.
    looks_up = [looks_up_entries(n.entry.references, links) for n, links in zip(entries, in_answers)]
    refs = store.memo(combine_references, ids, store.each(
        entry_references, ids, [n.entry.source_path for n in entries], [n.entry.references for n in entries],
        in_answers, [resolver if up else None for up in looks_up], [maps if up else None for up in looks_up]))

    # --- hubs
    placed = store.each(placements, [p.hub for p in parts], shared=(rules,))
    # A hub lists the entries most cited or asked most often first, one per duplicate group.
    standing = store.memo(standings, tuple((n.entry.id, n.entry.updated or n.entry.date or "",
                                            tuple(refs.referenced_by.get(n.entry.id, ()))) for n in entries),
                          linked.duplicate_groups)
    hubs = store.memo(assign_hubs, tuple(zip(ids, placed)), rules, standing)
    # Every entry a rule placed is in its hubs, also a duplicate its hub page does not list.
    hubs_of: dict[str, list[str]] = defaultdict(list)
    for entry_id, found in zip(ids, placed):
        hubs_of[entry_id].extend(rules.hubs[k].slug for k, _ in found)

    # --- error signatures
    # the texts with what a mirror cut or stripped put back from the answer (error_repair)
    texts = store.each(_repaired, [p.title for p in parts], [p.question for p in parts], answers)
    signatures = store.each(entry_signatures, [t for t, _ in texts], [q for _, q in texts], shared=(products,))
    errors = store.memo(group_signatures, ids, signatures)
    return _assemble(entries, linked, refs, hubs, hubs_of, errors, store, rules.former)


def _repaired(title: str, question: str, answer: str) -> tuple[str, str]:
    return repair((title, question), answer)


def _meaningful(previous: Mapping[str, float] | None, weights: Mapping[str, float],
                vocabulary: Vocabulary) -> Mapping[str, float]:
    return meaningful(weights, vocabulary)


def _entry_links(previous: EntryLinks | None, *fields: Any) -> EntryLinks:
    return EntryLinks(*fields)


def _assemble(entries: tuple[NormalizedEntry, ...], linked: Linked, refs: References, hubs: tuple,
              hubs_of: Mapping[str, list[str]], errors: ErrorGroups, store: Store,
              former_hubs: tuple[tuple[str, str | None], ...] = ()) -> Graph:
    related, group_of, duplicate_groups = linked.related, linked.group_of, linked.duplicate_groups
    references, referenced_by, unresolved = refs.targets, refs.referenced_by, refs.unresolved
    ref_stats, unresolved_texts = refs.stats, refs.unresolved_texts
    error_index = errors.index
    ids = [n.entry.id for n in entries]
    links = {}
    for n in entries:
        eid = n.entry.id
        # An entry's links equal to the last build's are that build's object: pages keyed by
        # them then hash and compare it once, not field by field.
        links[eid] = store.derive(_entry_links, related[eid], tuple(x for x in group_of.get(eid, ()) if x != eid),
                                  tuple(references[eid]), tuple(sorted(referenced_by.get(eid, {}))),
                                  errors.of_entry[eid], tuple(hubs_of.get(eid, ())), slot=eid)
    total = len(entries) or 1
    in_hub = sum(1 for eid in ids if hubs_of.get(eid))
    stats = {
        "entries": len(entries),
        "related_links": sum(len(r) for r in related.values()),
        "entries_with_related": sum(1 for r in related.values() if r),
        "related_coverage": round(sum(1 for r in related.values() if r) / total, 4),
        "duplicate_groups": len(duplicate_groups),
        "entries_in_duplicate_groups": sum(len(g) for g in duplicate_groups),
        "references": {
            "total": sum(len(n.entry.references) for n in entries),
            "external": ref_stats["external"],
            "resolved": ref_stats["resolved"],
            "resolved_exact": ref_stats["resolved_exact"],
            "resolved_fuzzy": ref_stats["resolved_fuzzy"],
            "resolved_link": ref_stats["resolved_link"],
            "self": ref_stats["self"],
            "unresolved": ref_stats["unresolved"],
            "unresolved_distinct": len(unresolved_texts),
            "unresolved_top": [[text, count] for text, count in
                               sorted(unresolved_texts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]],
            "body_links_resolved": ref_stats["body_links_resolved"],
            "body_links_unresolved": ref_stats["body_links_unresolved"],
        },
        "backlinked_entries": sum(1 for v in referenced_by.values() if v),
        "hubs": {hub.slug: len(hub.entry_ids) for hub in hubs},
        "hub_groups": {hub.slug: {g.slug: len(g.entry_ids) for g in hub.groups} for hub in hubs},
        "entries_in_hubs": in_hub,
        "entries_in_no_hub": len(entries) - in_hub,
        "hub_coverage": round(in_hub / total, 4),
        "error_signatures": len(error_index),
        "entries_with_errors": sum(1 for shown in errors.of_entry.values() if shown),
    }
    return Graph(links=links, duplicate_groups=duplicate_groups, hubs=hubs, error_index=error_index,
                 unresolved=tuple(unresolved), stats=stats, error_aliases=errors.aliases, error_forms=errors.written,
                 former_hubs=former_hubs)


def format_summary(stats: dict) -> str:
    """A few terminal lines summarising the graph."""
    entries = stats.get("entries", 0)
    refs = stats.get("references", {})
    lines = [
        f"links: {stats.get('related_links', 0)} related links; "
        f"{stats.get('entries_with_related', 0)}/{entries} entries have related questions "
        f"({stats.get('related_coverage', 0):.0%})",
        f"duplicates: {stats.get('duplicate_groups', 0)} groups of near-identical questions "
        f"({stats.get('entries_in_duplicate_groups', 0)} entries)",
        f"references: {refs.get('resolved', 0)} resolved "
        f"({refs.get('resolved_exact', 0)} by title, {refs.get('resolved_fuzzy', 0)} fuzzy, "
        f"{refs.get('resolved_link', 0)} by link), {refs.get('external', 0)} external, "
        f"{refs.get('unresolved', 0)} unresolved ({refs.get('unresolved_distinct', 0)} distinct)",
        f"hubs: {stats.get('entries_in_hubs', 0)}/{entries} entries in a hub "
        f"({stats.get('hub_coverage', 0):.0%}), {stats.get('entries_in_no_hub', 0)} in none",
    ]
    hubs = stats.get("hubs", {})
    if hubs:
        lines.append("  " + ", ".join(f"{slug} {count}" for slug, count in hubs.items()))
    lines.append(f"errors: {stats.get('error_signatures', 0)} error signatures from "
                 f"{stats.get('entries_with_errors', 0)} entries")
    top = refs.get("unresolved_top") or []
    if top:
        lines.append("warning: unresolved references (most cited first):")
        lines.extend(f"  {count:>4} x {text}" for text, count in top[:10])
    return clean_lines(lines)
