"""Two checkouts of kb compared on `kb serve` rebuilds, in lockstep.

    python benchmarks/serve_ab.py OLD_CHECKOUT [NEW_CHECKOUT] [--entries 5000]
                                  [--kinds noop,answer,title,tag,latin,add,delete] [--rounds 6]

On a shared machine the time of one rebuild drifts by 20 % over minutes, more than most
changes gain, so timing one checkout and then the other says little.  Here both run at
once, each a serve session (MkDocs' dirty rebuilds, as `kb serve` does them) over its own
copy of one generated corpus: every edit is made in both copies and each process rebuilds
in turn (which goes first alternates), so both see the same moment of the machine.  The
report gives each kind's median time per checkout and the median of the per-edit ratios
new / old.  The whoosh index, which `kb serve` writes in a background process, is not
written (it is not part of edit -> site, and it would compete with the other checkout).

NEW_CHECKOUT defaults to this repository; OLD_CHECKOUT is typically a worktree:
`git worktree add ../kb-old <commit>`.  Both run with this interpreter and its packages.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_scale import REPO, front, make_corpus  # noqa: E402

# One serve session: a first build, then a rebuild for each line read, its time printed.
_CHILD = r'''
import logging, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from mkdocs.commands.build import build
from kb_builder.sitebuild import load_config, CONTENT_ENV
config_file, content, site = sys.argv[2], sys.argv[3], sys.argv[4]
logging.getLogger("mkdocs").setLevel(logging.ERROR)
os.environ[CONTENT_ENV] = content

def rebuild():
    config, _ = load_config(config_file, Path(content), site)
    config.site_url = "http://127.0.0.1:8000/"
    build(config, serve_url="http://127.0.0.1:8000/", dirty=True)

config, plugin = load_config(config_file, Path(content), site)
config.plugins.on_startup(command="serve", dirty=True)
plugin.serving.index_in_background = lambda *args, **kwargs: None
rebuild()
# then, as mkdocs serve does before it serves, the plugins' `serve` event
config.plugins.on_serve(type("Server", (), {"watch": lambda self, path: None})(), config=config, builder=rebuild)
print("ready", flush=True)
for _ in sys.stdin:
    start = time.perf_counter()
    rebuild()
    print(f"{time.perf_counter() - start:.4f}", flush=True)
'''

KINDS = ("noop", "answer", "title", "tag", "latin", "add", "delete")


def edit(content: Path, name: str, text: str, kind: str, i: int) -> None:
    """The same edit of the same entry in one copy of the corpus (`noop`: none)."""
    target, added = content / name, content / "kb-ab-added.md"
    if kind == "answer":  # after the answer's heading: text after the references is dropped
        target.write_text(re.sub(r"(?m)^## 专家官方解答.*$", lambda m: m.group(0) + f"\n\nkbedit v{i} 段落。\n", text,
                                 count=1), encoding="utf-8")
    elif kind == "title":
        target.write_text(front(text, "title", f'"kbtitle{i} 热更新标题"'), encoding="utf-8")
    elif kind == "tag":
        target.write_text(front(text, "tags", f'["热更新标签{"甲乙丙丁戊己庚辛"[i % 8]}", "nacos"]'), encoding="utf-8")
    elif kind == "latin":
        target.write_text(front(text, "tags", f'["kbtag{i}", "nacos"]'), encoding="utf-8")
    elif kind == "add":
        added.write_text(re.sub(r"(?m)^id:.*$", f'id: "kb-ab-added-{i}"', text, count=1), encoding="utf-8")
    elif kind == "delete":
        added.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=REPO)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--kinds", default="noop,answer", help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",")
    if unknown := [k for k in kinds if k not in KINDS]:
        parser.error(f"unknown kinds {unknown}")
    checkouts = {"old": args.old.resolve(), "new": args.new.resolve()}
    with tempfile.TemporaryDirectory(prefix="kb-serve-ab-") as tmp_name:
        tmp = Path(tmp_name)
        corpus = make_corpus(args.entries, tmp / "corpus")
        files = sorted(corpus.glob("*.md"))
        name = files[len(files) // 2].name
        text = (corpus / name).read_text(encoding="utf-8")
        # (pkg_resources, imported by jieba, warns that the other checkout is on the path)
        env = dict(os.environ, KB_CACHE_DIR=str(tmp / "cache"), PYTHONWARNINGS="ignore::UserWarning")
        procs, copies = {}, {}
        for side, checkout in checkouts.items():
            copies[side] = tmp / f"content-{side}"
            shutil.copytree(corpus, copies[side])
            procs[side] = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(checkout), str(checkout / "mkdocs.yml"), str(copies[side]),
                 str(tmp / f"site-{side}")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tmp)
        try:
            for proc in procs.values():
                while (line := proc.stdout.readline()) and line.strip() != "ready":
                    pass
            times: dict[tuple[str, str], list[float]] = {}
            for i in range(args.rounds):
                for kind in kinds:
                    for side in ("old", "new") if i % 2 == 0 else ("new", "old"):
                        edit(copies[side], name, text, kind, i)
                        procs[side].stdin.write("rebuild\n")
                        procs[side].stdin.flush()
                        times.setdefault((kind, side), []).append(float(procs[side].stdout.readline()))
        finally:
            for proc in procs.values():
                if proc.stdin:
                    proc.stdin.close()
                proc.wait()
    print(f"{args.entries} entries, {args.rounds} rebuilds of each kind per checkout, in turn")
    print(f"{'kind':8} {'old s':>7} {'new s':>7} {'new/old':>8}")
    for kind in kinds:
        old, new = times[(kind, "old")], times[(kind, "new")]
        ratio = statistics.median(b / a for a, b in zip(old, new))
        print(f"{kind:8} {statistics.median(old):7.3f} {statistics.median(new):7.3f} {ratio:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
