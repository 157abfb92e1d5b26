"""Symptom-hub precision: judged (entry, hub, group) placements drawn with a fixed seed.

    python benchmarks/hub_quality.py [--corpus DIR] [--hubs FILE] [--holdout | --seed N] [--size 30]
                                     [--show] [--json]

The placements are the ones a hub page lists, as `kb build` computes them (the
shipped rules, or `--hubs FILE`).  The sample is the `--size` placements whose
hash of (seed, entry, hub) is smallest: uniform over placements, and stable
while rules change (a rule change moves only the placements it adds, removes or
files under another group), so judging after each change is judging the change.
The tuning seed is TUNE_SEED; `--holdout` uses HOLDOUT_SEED, whose sample is
judged only once the rules are done, never tuned on.

Judgements live in benchmarks/hub_judged.json, keyed "entry-id hub/group":
{"verdict": "right" | "partly" | "wrong", "why": "..."}.  A placement is right
when the entry's question is about the hub's symptom and the sub-symptom it is
filed under; partly when the hub fits but the sub-symptom does not (or the
question only touches the symptom); wrong when the hub does not fit.  A
verdict belongs to a placement, not to a run, so it stays valid while rules
change; a changed rule that files an entry elsewhere makes a new placement to
judge.  `--show` prints each sampled placement with the entry's title,
question, tags and keywords (the unjudged first), for judging.

It prints right / partly / wrong / unjudged counts of the sample, and how the
corpus is spread: entries in a hub, hubs per entry, entries per hub and group.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
sys.path.insert(0, str(REPO))

TUNE_SEED = 17
HOLDOUT_SEED = 20251130
JUDGED = REPO / "benchmarks" / "hub_judged.json"
VERDICTS = ("right", "partly", "wrong")


def placements_of(corpus: Path, hubs_file: Path | None):
    """Every (entry id, hub slug, group slug) a hub page lists, and the entries by id."""
    from kb_builder import pipeline

    gathered = pipeline.gather(pipeline.Settings(corpus, lang="zh", hubs_file=hubs_file))
    found = sorted((entry_id, hub.slug, group.slug) for hub in gathered.graph.hubs
                   for group in hub.groups for entry_id in group.entry_ids)
    return found, {n.entry.id: n for n in gathered.entries}, gathered.graph


def draw(placements: list[tuple[str, str, str]], seed: int, size: int) -> list[tuple[str, str, str]]:
    def rank(placement: tuple[str, str, str]) -> bytes:
        entry_id, hub, _ = placement
        return hashlib.blake2b(f"{seed}\0{entry_id}\0{hub}".encode(), digest_size=8).digest()

    return sorted(sorted(placements, key=rank)[:size])


def key(placement: tuple[str, str, str]) -> str:
    entry_id, hub, group = placement
    return f"{entry_id} {hub}/{group}"


def load_judged(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    bad = [k for k, v in data.items() if v.get("verdict") not in VERDICTS]
    if bad:
        raise SystemExit(f"{path}: verdict must be one of {VERDICTS}: {bad[:5]}")
    return data


def tally(sample: list[tuple[str, str, str]], judged: dict[str, dict]) -> Counter:
    return Counter(judged.get(key(p), {}).get("verdict", "unjudged") for p in sample)


def _excerpt(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--hubs", type=Path, help="a site's hub rules (default: the shipped ones)")
    ap.add_argument("--judged", type=Path, default=JUDGED)
    seeds = ap.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=TUNE_SEED)
    seeds.add_argument("--holdout", action="store_true", help=f"the held-out sample (seed {HOLDOUT_SEED})")
    ap.add_argument("--size", type=int, default=30)
    ap.add_argument("--show", action="store_true", help="print the sampled placements (unjudged first)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (skipped)")
        return 0
    seed = HOLDOUT_SEED if args.holdout else args.seed
    found, by_id, graph = placements_of(args.corpus, args.hubs)
    judged = load_judged(args.judged)
    sample = draw(found, seed, args.size)
    counts = tally(sample, judged)
    per_entry = Counter(Counter(p[0] for p in found).values())
    in_hub = len({p[0] for p in found})
    summary = {"seed": seed, "sample": len(sample), **{v: counts.get(v, 0) for v in (*VERDICTS, "unjudged")},
               "placements": len(found), "entries": len(by_id), "entries_in_a_hub": in_hub,
               "hubs_per_entry": dict(sorted(per_entry.items())),
               "hubs": {h.slug: {g.slug: len(g.entry_ids) for g in h.groups} for h in graph.hubs}}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return 0
    if args.show:
        for p in sorted(sample, key=lambda p: (key(p) in judged, p)):
            n = by_id[p[0]]
            verdict = judged.get(key(p), {}).get("verdict", "UNJUDGED")
            print(f"[{verdict}] {key(p)}\n  title: {_excerpt(n.entry.title, 160)}\n"
                  f"  question: {_excerpt(n.entry.question, 300)}\n"
                  f"  tags: {', '.join(t.label for t in n.tags)} | keywords: {', '.join(n.entry.keywords)}\n")
    print(f"seed {seed}: {len(sample)} placements sampled of {len(found)}: "
          + ", ".join(f"{v} {summary[v]}" for v in (*VERDICTS, "unjudged")))
    print(f"entries in a hub: {in_hub}/{len(by_id)}; hubs per entry: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(per_entry.items())))
    for hub, groups in summary["hubs"].items():
        print(f"  {hub}: " + ", ".join(f"{g} {c}" for g, c in groups.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
