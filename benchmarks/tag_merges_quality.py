"""Tag merges: every compound tag the tag plan folds into a shorter one, judged by hand.

    python benchmarks/tag_merges_quality.py [--corpus DIR] [--judged FILE] [--part tune|holdout|all] [--json]

Builds the tag plan of ../shared/corpus/nacos-faq as the site does (`pipeline.gather`,
the project's `site_tags`, `records.Site.tags`) and lists every merge (variant ->
the tag whose page lists its entries) with the entries of each and the entries they
share.  Judgements are data: `tag_merges_judged.json` maps "VARIANT > TARGET" (tag
labels) to a verdict and why:

* right      the compound is the shorter tag's topic (心跳检测 / 心跳): a reader of
             one page wants the other's entries, and the compound adds no subject;
* too broad  the compound names a more specific thing (a product, a kind of error,
             a feature) folded into a generic word (达梦数据库 into 数据库);
* wrong      the shorter word means something else inside the compound.

Every pair is judged once and keeps its verdict while the rule changes, so the list
also holds the merges the plan no longer makes: each is shown as it is now, merged,
linked (both tags have a page and link to each other) or apart (the compound has too
few entries for a page: its entries link to a search for it).  A decision agrees with
its verdict when a right pair is merged and a too-broad or wrong one is not.

The pairs are split by a hash of their key into `tune` (looked at while choosing the
rule) and `holdout` (the rule's thresholds were chosen without them).  It prints the
list, then per part how many decisions agree, and the corpus's tag pages, redirects
and merges.  Exit status 1 when the plan makes a merge the list does not judge.
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
JUDGED = Path(__file__).resolve().parent / "tag_merges_judged.json"
VERDICTS = ("right", "too broad", "wrong")
PARTS = ("tune", "holdout")
SITE_TAGS = ("nacos", "opensource")  # as the project's mkdocs.yml
sys.path.insert(0, str(REPO))


def part_of(key: str) -> str:
    return PARTS[hashlib.blake2b(f"17\0{key}".encode(), digest_size=8).digest()[0] >= 128]


def tag_plan(corpus: Path):
    """The site's tag plan, each tag's label and entry ids, and the number of entries."""
    from kb_builder import pipeline
    from kb_builder.records import Site

    gathered = pipeline.gather(pipeline.Settings(content_dir=corpus, lang="zh", site_tags=SITE_TAGS))
    site = Site(gathered.entries, gathered.graph, "zh")
    members = {slug: {n.entry.id for n in ns} for slug, ns in site.tag_members.items()}
    return site.tags, dict(site.tag_label), members, len(gathered.entries)


def load_judged(path: Path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    bad = [k for k, v in data.items() if v.get("verdict") not in VERDICTS]
    if bad:
        raise SystemExit(f"{path}: verdict must be one of {VERDICTS}: {bad[:5]}")
    return data


def rows_of(plan, labels: dict[str, str], members: dict[str, set[str]], judged: dict[str, dict]) -> list[dict]:
    """One row per merge the plan makes and per judged pair, with what the plan does now."""
    slug_of = {label: slug for slug, label in labels.items()}
    pairs = {f"{labels[v]} > {labels[t]}": (v, t) for v, t in plan.merged.items()}
    for key in judged:
        variant, _, target = key.partition(" > ")
        if key not in pairs and variant in slug_of and target in slug_of:
            pairs[key] = (slug_of[variant], slug_of[target])
    rows = []
    for key, (v, t) in sorted(pairs.items(), key=lambda kv: (labels[kv[1][1]], kv[0])):
        if plan.merged.get(v) == t:
            now = "merged"
        elif t in plan.see_also.get(v, ()):
            now = "linked"
        else:
            now = "apart"
        verdict = judged.get(key, {}).get("verdict", "?")
        rows.append({"pair": key, "part": part_of(key), "verdict": verdict, "now": now,
                     "variant_entries": len(members.get(v, ())), "target_entries": len(members.get(t, ())),
                     "shared": len(members.get(v, set()) & members.get(t, set())),
                     "agrees": None if verdict == "?" else (now == "merged") == (verdict == "right"),
                     "why": judged.get(key, {}).get("why", "not judged")})
    return rows


def summary(rows: list[dict]) -> dict:
    judged = [r for r in rows if r["verdict"] != "?"]
    right = [r for r in judged if r["verdict"] == "right"]
    other = [r for r in judged if r["verdict"] != "right"]
    return {"judged": len(judged), "agree": sum(r["agrees"] for r in judged),
            "right_merged": sum(r["now"] == "merged" for r in right), "right": len(right),
            "not_right_undone": sum(r["now"] != "merged" for r in other), "not_right": len(other),
            "not_right_linked": sum(r["now"] == "linked" for r in other),
            "merges": sum(r["now"] == "merged" for r in rows),
            "merges_by_verdict": dict(Counter(r["verdict"] for r in rows if r["now"] == "merged"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--judged", type=Path, default=JUDGED)
    ap.add_argument("--part", choices=(*PARTS, "all"), default="all")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (skipped)")
        return 0
    plan, labels, members, entries = tag_plan(args.corpus.resolve())
    rows = rows_of(plan, labels, members, load_judged(args.judged))
    parts = PARTS if args.part == "all" else (args.part,)
    shown = [r for r in rows if r["part"] in parts]
    report = {"parts": {p: summary([r for r in rows if r["part"] == p]) for p in parts},
              "all": summary(shown),
              "corpus": {"entries": entries, "tags": len(members), "tag_pages": len(plan.members),
                         "tags_without_page": sum(plan.page_of(s) is None for s in members),
                         "merges": len(plan.merged)}}
    unjudged = [r["pair"] for r in rows if r["verdict"] == "?"]
    if args.json:
        print(json.dumps({**report, "rows": shown}, ensure_ascii=False, indent=1))
        return 1 if unjudged else 0
    for r in shown:
        mark = {True: " ", False: "x", None: "?"}[r["agrees"]]
        print(f"{mark} {r['now']:6} [{r['verdict']:9}] {r['pair']}  ({r['variant_entries']} / "
              f"{r['target_entries']} entries, {r['shared']} shared; {r['part']})  {r['why']}")
    print()
    for name, s in (*report["parts"].items(), ("all", report["all"])):
        print(f"{name}: {s['agree']}/{s['judged']} decisions agree: right merged {s['right_merged']}/{s['right']}, "
              f"too broad or wrong undone {s['not_right_undone']}/{s['not_right']} ({s['not_right_linked']} linked); "
              f"merges now {s['merges']} {s['merges_by_verdict']}")
    c = report["corpus"]
    print(f"corpus: {c['entries']} entries, {c['tags']} tags, {c['tag_pages']} tag pages, "
          f"{c['tags_without_page']} tags listed on no page (a search), {c['merges']} merges")
    if unjudged:
        print(f"not judged: {', '.join(unjudged)}")
    return 1 if unjudged else 0


if __name__ == "__main__":
    sys.exit(main())
