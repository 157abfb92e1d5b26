"""The browser index's size with and without the answer passages it ships, in one run.

    python benchmarks/index_size.py [--size N]

Analyses the real corpus (or a generated one of `--size` entries, as build_scale.py
makes them) once and builds the browser index twice: as the site ships it, and with no
passages (what the index held before answer snippets).  Prints files, raw and gzip
bytes of each and the gzip ratio; the budget is 2x.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from kb_builder import browser_index, pipeline, snippets  # noqa: E402
from kb_builder.pipeline import Settings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "nacos-faq")
    ap.add_argument("--size", type=int, help="a generated corpus of this many entries (build_scale.make_corpus)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = args.corpus
        if args.size:
            import build_scale

            content = build_scale.make_corpus(args.size, Path(tmp) / "content")
        gathered = pipeline.gather(Settings(content_dir=content.resolve()))
        analysis = pipeline.analysis(gathered, pipeline.search_docs(gathered.entries, None))
    shipped = browser_index.build(None, analysis).sizes()
    real = snippets.salient_passages
    try:
        snippets.salient_passages = lambda texts, known: ()
        bare = browser_index.build(None, analysis).sizes()
    finally:
        snippets.salient_passages = real
    print(f"{len(gathered.entries)} entries, {snippets.SHIPPED_PASSAGES} passages per entry")
    for name, sizes in (("with passages", shipped), ("without", bare)):
        print(f"  {name:14} files {sizes['files']:5}  raw {sizes['raw']:>11,}  gzip {sizes['gzip']:>11,}")
    print(f"  gzip ratio {shipped['gzip'] / bare['gzip']:.2f} (budget 2.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
