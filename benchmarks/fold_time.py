"""Time Traditional -> Simplified folding (`analyze.to_simplified`) on the corpus text.

    python benchmarks/fold_time.py [../shared/corpus/nacos-faq]

Prints the time to make the browser's character table (loading the converter) and to fold
each file once, as a build does (one run: a second would find earlier conversions cached
where the converter keeps them)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from kb_builder import analyze


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/corpus/nacos-faq")
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.md"))]
    start = time.perf_counter()
    analyze.simplified_characters()  # loads the converter too
    table = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts:
        analyze.to_simplified(text)
    folding = time.perf_counter() - start
    print(f"{len(texts)} files, {sum(map(len, texts)):,} characters")
    print(f"character table: {table:.3f} s (converter loaded)")
    print(f"folding: {folding:.3f} s")


if __name__ == "__main__":
    main()
