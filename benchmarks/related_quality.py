"""Related-questions quality: judged links on seeded samples of entries.

    python benchmarks/related_quality.py [--corpus DIR] [--judged FILE]
                                         [--sample tune|holdout|fresh|final|check|errors|accept|all]
                                         [--show] [--unjudged] [--json]

Samples of 30 entries are drawn from the corpus's entry ids (sorted) with fixed seeds,
each from the entries the ones before did not take: `tune` (looked at while changing
the method), `holdout` (judged to check the result), `fresh` (drawn once the method
had been changed after the holdout's judgements had been seen, judged only at the end)
`final` (added when the answers joined the method, after all three had been seen;
not looked at until that method was final, then judged once) and `check` (drawn before
trying a score floor of 0.35 instead of 0.25, which the four samples before it
favoured; judged once, at both floors: 43 % wanted against 45 %, so the floor stayed)
and `errors` (drawn before trying to send questions that quote the same error message
to "also asked as"; judged once, before and after that change) and `accept` (drawn
before the third round on related links and "also asked as" started, not looked at
until its method was committed, then judged once).
The graph is built as `kb build` builds it (`pipeline.gather`).

Judgements are data: `related_judged.json` maps "ENTRY_ID > RELATED_ID" to one of

* wanted    a reader with this entry's problem would want to read the other entry;
* topic     the same area (component, feature), but it does not help with this problem;
* unrelated nothing in common for the reader (a surface word shared at most);
* duplicate the same question asked again (it belongs under "also asked as").

Pairs are judged once, so a changed method needs only its new pairs judged
(`--unjudged` lists them).  The report gives, per sample, the share of each label
among the links shown, and for the whole corpus the related links per entry, the
entries with none and the "also asked as" groups.  `--show` prints each sampled
entry with its links, their judgements (`?` when not judged yet) and its
"also asked as" entries.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "nacos-faq"
DEFAULT_JUDGED = Path(__file__).resolve().parent / "related_judged.json"
SAMPLE_SIZE = 30
SEEDS = {"tune": 17, "holdout": 1017, "fresh": 2017, "final": 3017, "check": 4017, "errors": 5017, "accept": 6017}
LABELS = ("wanted", "topic", "unrelated", "duplicate")


def samples(ids: list[str], size: int = SAMPLE_SIZE) -> dict[str, list[str]]:
    """Each sample, drawn from the ids the samples before it left."""
    rest, drawn = sorted(ids), {}
    for name, seed in SEEDS.items():
        drawn[name] = random.Random(seed).sample(rest, size)
        taken = set(drawn[name])
        rest = [i for i in rest if i not in taken]
    return drawn


def pair_key(entry_id: str, other_id: str) -> str:
    return f"{entry_id} > {other_id}"


def score(sample: list[str], related: dict[str, list[str]], judged: dict[str, str]) -> dict:
    """Label counts and shares over the links of the sampled entries."""
    counts = dict.fromkeys(LABELS, 0)
    unjudged = []
    for eid in sample:
        for rid in related[eid]:
            label = judged.get(pair_key(eid, rid))
            if label is None:
                unjudged.append(pair_key(eid, rid))
            else:
                counts[label] += 1
    total = sum(counts.values())
    return {"links": total + len(unjudged), "judged": total, "unjudged": unjudged, "counts": counts,
            "shares": {k: round(v / total, 3) if total else 0.0 for k, v in counts.items()},
            "entries_without": sum(1 for eid in sample if not related[eid])}


def _one_line(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--judged", type=Path, default=DEFAULT_JUDGED)
    parser.add_argument("--sample", choices=(*SEEDS, "all"), default="all")
    parser.add_argument("--show", action="store_true", help="print each sampled entry and its links")
    parser.add_argument("--unjudged", action="store_true", help="list the links not judged yet")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from kb_builder import pipeline

    gathered = pipeline.gather(pipeline.Settings(content_dir=args.corpus.resolve()))
    by_id = {n.entry.id: n.entry for n in gathered.entries}
    links = gathered.graph.links
    related = {eid: [r.entry_id for r in l.related] for eid, l in links.items()}
    judged: dict[str, str] = json.loads(args.judged.read_text(encoding="utf-8")) if args.judged.is_file() else {}
    bad = {k: v for k, v in judged.items() if v not in LABELS}
    if bad:
        raise SystemExit(f"{args.judged}: unknown labels {bad}")
    drawn = samples(list(by_id))
    names = list(SEEDS) if args.sample == "all" else [args.sample]

    def title(eid: str) -> str:
        e = by_id[eid]
        return _one_line(e.display_title or e.title, 90)

    report: dict = {"samples": {}}
    for name in names:
        if args.show:
            print(f"=== {name} sample (seed {SEEDS[name]})")
            for eid in drawn[name]:
                e = by_id[eid]
                print(f"\n{eid}: {title(eid)}\n    Q: {_one_line(e.question or '', 240)}")
                for rid in related[eid]:
                    mark = judged.get(pair_key(eid, rid), "?")
                    print(f"    [{mark:>9}] {rid}: {title(rid)} | {_one_line(by_id[rid].question or '', 100)}")
                for aid in links[eid].also_asked:
                    print(f"    [also asked] {aid}: {title(aid)}")
            print()
        report["samples"][name] = score(drawn[name], related, judged)
    total = len(links) or 1
    report["corpus"] = {
        "entries": len(links),
        "related_per_entry": round(sum(len(r) for r in related.values()) / total, 2),
        "entries_without_related": sum(1 for r in related.values() if not r),
        "also_asked_groups": len(gathered.graph.duplicate_groups),
        "entries_in_also_asked": sum(len(g) for g in gathered.graph.duplicate_groups),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    for name, result in report["samples"].items():
        shares = ", ".join(f"{k} {result['shares'][k]:.0%}" for k in LABELS)
        print(f"{name}: {result['links']} links on {SAMPLE_SIZE} entries ({result['judged']} judged): {shares}; "
              f"{result['entries_without']} entries without related links")
        if args.unjudged:
            for key in result["unjudged"]:
                print(f"  unjudged: {key}")
    c = report["corpus"]
    print(f"corpus: {c['entries']} entries, {c['related_per_entry']} related links per entry, "
          f"{c['entries_without_related']} without any; {c['also_asked_groups']} 'also asked as' groups "
          f"({c['entries_in_also_asked']} entries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
