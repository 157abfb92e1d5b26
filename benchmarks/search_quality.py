"""Search quality benchmark: judged queries against one or more search engines.

    python benchmarks/search_quality.py [--corpus DIR] [--queries FILE ...] [--engine NAME ...]
                                        [--no-holdout] [--misses] [--detail] [--json]

Query files are JSON lines {"q": "...", "rel": [NNNN, ...]}; an id NNNN stands
for the entry "question-history-NNNN" (other ids are used as written).  Other keys
are allowed; a file whose lines carry "split" ("tune" or "holdout", as in
queries_en.jsonl and queries_para.jsonl, see draw_targets.py) is scored as one set
per split, so the holdout part is always reported apart.  By default every judged
set is scored over ../shared/corpus/nacos-faq: the dev set in ../shared/eval,
benchmarks/queries_extra.jsonl, queries_en.jsonl and queries_para.jsonl.

It prints one row per query set: success@1, success@5 and MRR@10 of each engine.
--detail prints per engine and set also recall@10, the number of queries with no
result, and warm latency p50/p95 in ms.  --misses lists the queries whose first hit
is not relevant, except holdout ones (holdout queries are never looked at one by one).

Adding an engine (e.g. the browser search, driven through a built site): write
a factory `make(corpus_dir: Path) -> Callable[[str], list[str]]` that prepares
the engine once and returns a function from a query to ranked entry ids, and
register it with `register_engine("name", make)` (or add it to ENGINES).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
sys.path.insert(0, str(REPO))

Engine = Callable[[str], list[str]]
ENGINES: dict[str, Callable[[Path], Engine]] = {}


def register_engine(name: str, make: Callable[[Path], Engine]) -> None:
    ENGINES[name] = make


def _entries(corpus_dir: Path):
    from kb_builder.ingest import read_corpus

    return read_corpus(corpus_dir).entries


def make_kb_search(corpus_dir: Path) -> Engine:
    from kb_builder import pipeline, search

    index = pipeline.index_for_content(corpus_dir, cache=False)  # as `kb build` indexes it

    def run(query: str) -> list[str]:
        return [h.id for h in search.search(index, query, limit=10)]

    return run


try:
    from whoosh.analysis import Token, Tokenizer
except ImportError:  # pragma: no cover
    Tokenizer = object


def _segment(text: str) -> list[str]:
    from kb_builder.analyze import Analyzer

    return Analyzer().segment(text)


class JiebaTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, word in enumerate(_segment(value)):
            t.original = t.text = word
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            yield t



def make_plain_whoosh(corpus_dir: Path) -> Engine:
    """The starting point the issue measured: whoosh + jieba, title and body, BM25F, OR query."""
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import OrGroup, MultifieldParser

    schema = Schema(id=ID(stored=True), title=TEXT(analyzer=JiebaTokenizer()), body=TEXT(analyzer=JiebaTokenizer()))
    ix = RamStorage().create_index(schema)
    w = ix.writer()
    for e in _entries(corpus_dir):
        w.add_document(id=e.id, title=e.title, body=e.question + "\n" + e.answer)
    w.commit()
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)

    def run(query: str) -> list[str]:
        try:
            q = parser.parse(query)
        except Exception:
            return []
        return [r["id"] for r in searcher.search(q, limit=10)]

    return run


register_engine("kb search", make_kb_search)
register_engine("plain whoosh+jieba", make_plain_whoosh)
try:
    import browser_engine  # benchmarks/browser_engine.py: the site's search box in headless Chromium

    browser_engine.register(register_engine)
except ImportError:
    pass


HOLDOUT = "holdout"
BENCH = REPO / "benchmarks"
DEFAULT_QUERIES = [SHARED / "eval" / "queries_dev.jsonl", BENCH / "queries_extra.jsonl",
                   BENCH / "queries_en.jsonl", BENCH / "queries_para.jsonl"]


def load_queries(path: Path) -> list[dict]:
    """The judged queries of a file: {"q", "rel" (a set of entry ids), "split" (None if not given)}."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        obj = json.loads(line)
        rel = {r if isinstance(r, str) and not str(r).isdigit() else f"question-history-{r}" for r in obj["rel"]}
        out.append({"q": obj["q"], "rel": rel, "split": obj.get("split")})
    return out


def query_sets(paths: list[Path], holdout: bool = True) -> dict[str, list[dict]]:
    """Set name -> queries: a file is one set, or one per split ("queries_en.jsonl:tune")."""
    groups: dict[tuple[int, bool, str], list[dict]] = {}
    for i, path in enumerate(paths):
        if not path.is_file():
            continue
        for item in load_queries(path):
            split = item["split"]
            if split == HOLDOUT and not holdout:
                continue
            name = path.name if split is None else f"{path.name}:{split}"
            groups.setdefault((i, split == HOLDOUT, name), []).append(item)
    # Within a file the holdout split comes after the others, whatever the line order.
    return {name: items for (_, _, name), items in sorted(groups.items())}


def score(engine: Engine, queries: list[dict]) -> tuple[dict, list[tuple[str, int | None, list[str]]]]:
    s1 = s5 = mrr = rec = 0.0
    zero = 0
    lat = []
    misses = []
    for item in queries:
        engine(item["q"])  # warm
        t = time.perf_counter()
        ranked = engine(item["q"])[:10]
        lat.append((time.perf_counter() - t) * 1000)
        rel = item["rel"]
        if not ranked:
            zero += 1
        first = next((i for i, d in enumerate(ranked) if d in rel), None)
        if first is not None:
            s1 += first == 0
            s5 += first < 5
            mrr += 1 / (first + 1)
        rec += len(rel & set(ranked)) / len(rel)
        if first is None or first > 0:
            misses.append((item["q"], first, ranked[:5]))
    n = len(queries) or 1
    lat.sort()
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else 0.0
    return ({"n": len(queries), "s@1": s1 / n, "s@5": s5 / n, "mrr@10": mrr / n, "recall@10": rec / n,
             "zero": zero, "p50_ms": statistics.median(lat) if lat else 0.0, "p95_ms": p95}, misses)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--queries", type=Path, nargs="*", default=DEFAULT_QUERIES)
    ap.add_argument("--engine", action="append", choices=sorted(ENGINES), help="default: all")
    ap.add_argument("--no-holdout", action="store_true", help="leave out the holdout splits (while tuning)")
    ap.add_argument("--misses", action="store_true", help="list queries whose first hit is not relevant (not holdout)")
    ap.add_argument("--detail", action="store_true", help="per engine and set: recall, empty results, latency")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (skipped)")
        return 0
    sets = query_sets(args.queries, holdout=not args.no_holdout)
    if not sets:
        print("no query files found (skipped)")
        return 0
    rows = []
    engines = args.engine or list(ENGINES)
    for name in engines:
        t = time.perf_counter()
        engine = ENGINES[name](args.corpus)
        setup = time.perf_counter() - t
        for qname, queries in sets.items():
            result, misses = score(engine, queries)
            rows.append({"engine": name, "queries": qname, "setup_s": setup, **result})
            if args.misses and not qname.endswith(":" + HOLDOUT):
                for q, first, top in misses:
                    print(f"  [{name}/{qname}] {'miss' if first is None else f'rank {first + 1}'}: {q}  top={top}",
                          file=sys.stderr)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.detail:
        print(detail_table(rows))
    else:
        print(compact_table(rows, engines, list(sets)))
    return 0


def compact_table(rows: list[dict], engines: list[str], sets: list[str]) -> str:
    """One line per query set: s@1, s@5 and MRR@10 of each engine side by side."""
    by = {(r["engine"], r["queries"]): r for r in rows}
    width = max(len("queries"), *map(len, sets))
    w = max(16, *map(len, engines))  # 16: "s@1  s@5 MRR@10"
    metrics = f"{'s@1':>4} {'s@5':>4} {'MRR@10':>6}"
    lines = [f"{'':<{width}} {'':>3} " + "".join(f"| {e:<{w}} " for e in engines),
             f"{'queries':<{width}} {'n':>3} " + "".join(f"| {metrics:>{w}} " for _ in engines)]
    lines.append("-" * len(lines[-1]))
    for qname in sets:
        found = [by.get((e, qname)) for e in engines]
        n = next((r["n"] for r in found if r), 0)
        cells = [f"{r['s@1']:>4.2f} {r['s@5']:>4.2f} {r['mrr@10']:>6.3f}" if r else "" for r in found]
        lines.append(f"{qname:<{width}} {n:>3} " + "".join(f"| {c:>{w}} " for c in cells))
    return "\n".join(line.rstrip() for line in lines)


def detail_table(rows: list[dict]) -> str:
    """One line per engine and set, with recall@10, empty results and warm latency too."""
    width = max(len("queries"), *(len(r["queries"]) for r in rows))
    head = (f"{'engine':<20} {'queries':<{width}} {'n':>3} {'s@1':>5} {'s@5':>5} {'MRR@10':>6} {'R@10':>5} "
            f"{'zero':>4} {'p50ms':>6} {'p95ms':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['engine']:<20} {r['queries']:<{width}} {r['n']:>3} {r['s@1']:>5.2f} {r['s@5']:>5.2f} "
                     f"{r['mrr@10']:>6.3f} {r['recall@10']:>5.2f} {r['zero']:>4} {r['p50_ms']:>6.1f} {r['p95_ms']:>6.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
