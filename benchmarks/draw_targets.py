"""Seeded draw of the target entries for the judged English and paraphrase query sets.

    python benchmarks/draw_targets.py [--corpus DIR] [--set en|para]   # print the draw
    python benchmarks/draw_targets.py --check                          # check the query files

The targets are drawn from the corpus with `random.Random(SEED)`, before any query
is written and without looking at how any engine ranks them, so the sets are not
made of the entries search already finds.  The same generator then puts one third
of each set's targets in the "holdout" split: queries never looked at while tuning
search, reported apart (see benchmarks/README.md).

Each usable target gets one query, written by reading the entry:

* queries_en.jsonl: an English symptom or question, 2-8 words, the way a user who
  does not read Chinese types it into a search box;
* queries_para.jsonl: a Chinese description of the problem in the user's own words,
  sharing at most one term with the target's title (checked here: both cut with
  the analyzer's terms, with and without the corpus's taught words).

`rel` lists every entry that answers the query (the target, its duplicates and other
entries answering the same question), found by reading the corpus.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from kb_builder.model import Entry

SEED = 18  # the issue that asked for these sets; never change it after the draw
DRAWN = 45  # targets per set: a few spare for entries no query can be written for
HOLDOUT = 15  # a third of each set's targets
MAX_SHARED = 1  # a paraphrase shares at most this many terms with its target's title

# Drawn targets no query was written for, and why (decided by reading the entry,
# before any engine was run on the set).
SKIPPED: dict[str, dict[int, str]] = {
    "en": {
        15638: "its answer says it lacks the knowledge to answer (cloud RAM keys for the MSE open API)",
        11474: "title and question are only 'nacos配置' (nacos configuration): no symptom or question to phrase",
    },
    "para": {
        15394: "its answer says it has no information on endpoint vs address-server mode",
        15148: "its answer says it cannot answer (installing nacos-k8s-sync)",
        15423: "the same question as 15422, drawn for this set too: one query covers both",
    },
}

FILES = {"en": REPO / "benchmarks" / "queries_en.jsonl", "para": REPO / "benchmarks" / "queries_para.jsonl"}
_NUM = re.compile(r"question-history-(\d+)$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def entry_number(entry_id: str) -> int | None:
    m = _NUM.match(entry_id)
    return int(m.group(1)) if m else None


def draw(numbers: list[int]) -> dict[str, dict[int, str]]:
    """{set: {target number: split}}: the two sets' targets (disjoint) and their splits."""
    rng = random.Random(SEED)
    pool = sorted(numbers)
    en = rng.sample(pool, DRAWN)
    taken = set(en)
    para = rng.sample([n for n in pool if n not in taken], DRAWN)
    out: dict[str, dict[int, str]] = {}
    for name, targets in (("en", en), ("para", para)):
        held = set(rng.sample(targets, HOLDOUT))
        out[name] = {n: ("holdout" if n in held else "tune") for n in targets}
    return out


def _entries(corpus: Path) -> dict[int, Entry]:
    from kb_builder.ingest import read_corpus

    entries = {}
    for e in read_corpus(corpus).entries:
        n = entry_number(e.id)
        if n is not None:
            entries[n] = e
    return entries


def shared_title_terms(query: str, title: str, analyzer=None) -> set[str]:
    """Non-stopword terms the query and the title share, cut as the analyzer cuts them
    (default: jieba's own dictionary)."""
    from kb_builder.analyze import Analyzer

    analyzer = analyzer or Analyzer()
    return set(analyzer.terms(query)) & set(analyzer.terms(title))


def check(drawn: dict[str, dict[int, str]], entries: dict[int, Entry]) -> list[str]:
    """Problems with the query files (an empty list: they follow the rules above)."""
    titles = {n: e.title for n, e in entries.items()}
    problems: list[str] = []
    paras: list[tuple[str, str, int]] = []
    for name, path in FILES.items():
        if not path.is_file():
            problems.append(f"{path.name}: missing")
            continue
        file_problems, queries = _check_file(name, path, drawn[name], titles)
        problems += file_problems
        if name == "para":
            paras = queries
    return problems + _check_titles(paras, titles, entries)


def _check_file(name: str, path: Path, drawn: dict[int, str],
                titles: dict[int, str]) -> tuple[list[str], list[tuple[str, str, int]]]:
    """Problems of one query file, and its (place, query, target) triples."""
    problems: list[str] = []
    queries: list[tuple[str, str, int]] = []
    seen: dict[int, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{lineno}"
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        q, rel, target, split = obj.get("q"), obj.get("rel"), obj.get("target"), obj.get("split")
        if not isinstance(q, str) or not q.strip():
            problems.append(f"{where}: no query text")
            continue
        if target not in drawn:
            problems.append(f"{where}: target {target} was not drawn for this set")
            continue
        if target in SKIPPED[name]:
            problems.append(f"{where}: target {target} is listed as skipped")
        if target in seen:
            problems.append(f"{where}: target {target} already has a query (line {seen[target]})")
        seen[target] = lineno
        if split != drawn[target]:
            problems.append(f"{where}: split {split!r}, the draw says {drawn[target]!r}")
        if not isinstance(rel, list) or target not in rel:
            problems.append(f"{where}: rel must be a list holding the target {target}")
        else:
            unknown = [r for r in rel if r not in titles]
            if unknown:
                problems.append(f"{where}: rel ids not in the corpus: {unknown}")
            if len(set(rel)) != len(rel):
                problems.append(f"{where}: rel lists an id twice")
        if name == "en":
            if _CJK.search(q):
                problems.append(f"{where}: an English query holds Chinese characters")
            if not 2 <= len(q.split()) <= 8:
                problems.append(f"{where}: {len(q.split())} words (2-8 wanted)")
        elif not _CJK.search(q):
            problems.append(f"{where}: a paraphrase without Chinese")
        queries.append((where, q, target))
    missing = sorted(set(drawn) - set(seen) - set(SKIPPED[name]))
    if missing:
        problems.append(f"{path.name}: drawn targets with neither a query nor a reason to skip: {missing}")
    return problems, queries


def _check_titles(paras: list[tuple[str, str, int]], titles: dict[int, str],
                  entries: dict[int, Entry]) -> list[str]:
    """Paraphrases sharing more than MAX_SHARED terms with their target's title.

    Cut once with jieba's own dictionary and once with the words a build teaches it
    (the corpus's tags), so a term kept whole by either counts."""
    from kb_builder import pipeline, tags

    plain = [shared_title_terms(q, titles[target]) for _, q, target in paras]
    taught, _ = pipeline.normalized_entries(tuple(entries.values()), tags.load_tag_settings())
    problems = []
    for (where, q, target), before in zip(paras, plain):
        both = before | shared_title_terms(q, titles[target], taught)
        if len(both) > MAX_SHARED:
            problems.append(f"{where}: shares {len(both)} terms with the title of {target}: {sorted(both)}")
    return problems


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="seeded draw of judged-query targets")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--set", choices=["en", "para"], action="append", help="default: both")
    ap.add_argument("--answer", type=int, default=300, help="characters of the answer to print (0: none)")
    ap.add_argument("--check", action="store_true", help="check the query files against the draw")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}")
        return 2
    entries = _entries(args.corpus)
    drawn = draw(list(entries))
    if args.check:
        problems = check(drawn, entries)
        for p in problems:
            print(p)
        if not problems:
            counts = {name: sum(1 for _ in FILES[name].open(encoding="utf-8")) for name in FILES}
            print(f"ok: seed {SEED}, {counts['en']} English and {counts['para']} paraphrase queries follow the draw")
        return 1 if problems else 0
    for name in args.set or ["en", "para"]:
        print(f"== {name} (seed {SEED}) ==")
        for n, split in drawn[name].items():
            e = entries[n]
            skipped = SKIPPED[name].get(n)
            print(f"{n} [{split}]{' SKIPPED: ' + skipped if skipped else ''}\n  title: {_clip(e.title, 200)}\n"
                  f"  question: {_clip(e.question, 300)}")
            if args.answer > 0:
                print(f"  answer: {_clip(e.answer, args.answer)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
