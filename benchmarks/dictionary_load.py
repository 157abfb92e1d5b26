"""Reading jieba's dictionary: jieba's own marshalled copy against kb's copy (jieba_dict.py).

Every `kb build`, `kb serve` and `kb new` reads the dictionary once; this times that read
in fresh processes, alternating the two, and prints the medians and their ratio.  kb's
copy is made first (in a temporary cache folder) so that each timed run reads it.

    python benchmarks/dictionary_load.py [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

JIEBA = """
import time, logging, warnings
warnings.simplefilter("ignore")
import jieba
jieba.setLogLevel(logging.WARNING)
t = time.perf_counter()
jieba.initialize()
print(time.perf_counter() - t, len(jieba.dt.FREQ))
"""

KB = """
import time
from kb_builder import jieba_dict
t = time.perf_counter()
freq, total = jieba_dict.load()
print(time.perf_counter() - t, len(freq))
"""


def timed(code: str, env: dict) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    seconds, words = out.split()
    return float(seconds), int(words)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "KB_CACHE_DIR": cache, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        first, _ = timed(KB, env)  # makes kb's copy
        jieba_times, kb_times, sizes = [], [], set()
        for _ in range(args.runs):
            for code, into in ((JIEBA, jieba_times), (KB, kb_times)):
                seconds, words = timed(code, env)
                into.append(seconds)
                sizes.add(words)
    if len(sizes) != 1:
        print(f"the two reads hold different numbers of words: {sorted(sizes)}")
        return 1
    row = {"words": sizes.pop(), "jieba_s": statistics.median(jieba_times), "kb_copy_s": statistics.median(kb_times),
           "first_kb_run_s": first}
    row["ratio"] = row["kb_copy_s"] / row["jieba_s"]
    print(f"{row['words']} words and prefixes; median of {args.runs} fresh processes each:")
    print(f"  jieba's own copy (jieba.initialize)  {row['jieba_s']:.3f} s")
    print(f"  kb's copy (jieba_dict.load)          {row['kb_copy_s']:.3f} s  ({row['ratio']:.2f}x)")
    print(f"  kb's first run (makes its copy)      {first:.3f} s")
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
