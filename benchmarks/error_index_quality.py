"""Error index quality: every signature of the corpus's error index, judged by hand.

    python benchmarks/error_index_quality.py [--corpus DIR] [--list NAME] [--stored] [--json]

Builds the error index of ../shared/corpus/nacos-faq as the site lists it (the
graph's `error_index`, with each signature's aliases when it has any) and looks up
every signature in a judged list of benchmarks/error_index_judged.json (by default
the last one).  Each judged signature is "useful", "variant" (the same error as
another listed signature) or "noise" (generic, truncated, mangled, or not an error
message); the criteria are in the file.  It prints the list, one signature a line,
then the share of useful signatures.  A signature the list does not judge is shown
with "?" and counts as not useful; a judged one the build no longer lists is shown
too.  Exit status 1 when the build and the list differ (judge the new signatures).

--stored prints the summary of every stored list without building (before → after).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
JUDGED = Path(__file__).resolve().parent / "error_index_judged.json"
VERDICTS = ("useful", "variant", "noise")
sys.path.insert(0, str(REPO))


def built_index(corpus: Path) -> list[dict]:
    """[{signature, aliases, entries}] as the site's error index lists them."""
    from kb_builder import pipeline

    gathered = pipeline.gather(pipeline.Settings(content_dir=corpus, lang="zh"))
    graph = gathered.graph
    aliases = getattr(graph, "error_aliases", {}) or {}
    return [{"signature": sig, "aliases": list(aliases.get(sig, ())), "entries": len(ids)}
            for sig, ids in graph.error_index.items()]


def summary(verdicts: list[str]) -> dict:
    counts = Counter(verdicts)
    total = len(verdicts)
    return {"signatures": total, **{v: counts[v] for v in (*VERDICTS, "?")},
            "useful_pct": round(100 * counts["useful"] / total, 1) if total else 0.0}


def _line(summ: dict) -> str:
    return (f"{summ['signatures']} signatures: {summ['useful']} useful, {summ['variant']} variants, "
            f"{summ['noise']} noise" + (f", {summ['?']} not judged" if summ["?"] else "")
            + f" -> {summ['useful_pct']}% useful")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--judged", type=Path, default=JUDGED)
    ap.add_argument("--list", help="the judged list to compare with (default: the last one)")
    ap.add_argument("--stored", action="store_true", help="only summarise the stored lists")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    data = json.loads(args.judged.read_text(encoding="utf-8"))
    lists = data["lists"]
    if args.stored:
        stored = {name: summary([row["verdict"] for row in judged["signatures"]]) for name, judged in lists.items()}
        print(json.dumps(stored, indent=1) if args.json else
              "\n".join(f"{name:>8}: {_line(summ)}" for name, summ in stored.items()))
        return 0
    name = args.list or list(lists)[-1]
    judged = {row["signature"]: row for row in lists[name]["signatures"]}
    rows = built_index(args.corpus)
    built = {row["signature"] for row in rows}
    for row in rows:
        verdict = judged.get(row["signature"], {})
        row["verdict"] = verdict.get("verdict", "?")
        row["why"] = verdict.get("why", "not judged")
    gone = [sig for sig in judged if sig not in built]
    summ = summary([row["verdict"] for row in rows])
    if args.json:
        print(json.dumps({"list": name, "summary": summ, "signatures": rows, "no_longer_listed": gone},
                         ensure_ascii=False, indent=1))
    else:
        for row in rows:
            aliases = f"  (also: {' | '.join(row['aliases'])})" if row["aliases"] else ""
            print(f"{row['verdict']:>7} {row['entries']:>3}  {row['signature']}{aliases}  -- {row['why']}")
        for sig in gone:
            print(f"   gone      {sig}  -- judged in {name!r}, no longer listed")
        print(f"\n{name}: {_line(summ)}")
    return 1 if summ["?"] or gone else 0


if __name__ == "__main__":
    sys.exit(main())
