"""How kb_builder scales: build time, memory, live-preview edits and search, at 1k-20k entries.

Corpora of the requested sizes are generated at run time (in a temp directory)
from ../shared/corpus/nacos-faq: every entry gets a unique id and title, and
copies beyond the first 883 get a paragraph from another entry's answer and
another date, so bodies, tags and related questions vary.

For each size, in one run on one machine:

* ``kb build``: wall time, peak RSS of the largest process and peak memory of all its
  processes together (``all PSS``: the sum of their proportional set sizes, sampled every
  0.25 s; forked processes share pages, so their RSS values overcount) of a full
  ``kb build`` (cold: an empty build cache in ``$KB_CACHE_DIR``, a new site folder); with
  ``--warm``, the same build again;
* ``warm +1``: one entry added, then ``kb build`` into the same site folder with the
  cache the cold build wrote (what a CI run after a one-entry commit does), and its
  share of the cold build's time.  A warm build that did not read the cache (kb's
  ``--json`` summary says why, e.g. kb's code changed in between) is marked ``(cold!)``;
* the baseline: the same entries as a plain, well-configured mkdocs-material
  site (short explicit nav with the entries kept out of it, ``search`` with
  ``lang: zh``, the ``tags`` plugin), reported as kb / baseline;
* edit one entry: the ``kb serve`` path (MkDocs' dirty rebuild with the kb
  plugin regenerating only what changed), time from the save to a site whose
  pages, tags, hubs, related links and search indexes include the change; for
  the answer (``edit→site``) and for the title and the tags replaced by a new
  Chinese or Latin tag (``other edits``: the slowest kind's median), each
  saved ``KB_BENCH_EDITS`` times (default 3) with a different text;
* the whoosh index (build time, size) and ``kb search`` latency p50/p95 (warm);
* the browser search index (raw and gzip) and, with ``--browser``, time from
  page load to the first result in headless Chromium (benchmarks/browser_engine.py).

    python benchmarks/build_scale.py [--sizes 1000,5000] [--no-baseline] [--browser]
    python benchmarks/build_scale.py --sizes 100000 --no-baseline --no-edit --no-whoosh   # not in CI
"""
from __future__ import annotations

import argparse
import gzip
import inspect
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "nacos-faq"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tree_memory import TreeMemory  # noqa: E402

QUERIES = ["服务注册失败", "配置中心 动态刷新", "nacos 集群部署", "NacosException", "鉴权 token 过期",
           "持久化实例 删除", "grpc 端口 9848", "spring cloud alibaba 版本", "mysql 数据源", "内存占用 高"]

_FM = re.compile(r"\A---\n(.*?)\n---\n", re.S)


# ----------------------------------------------------------------------------- corpora

def _split(text: str) -> tuple[str, str]:
    m = _FM.match(text)
    return (m.group(1), text[m.end():]) if m else ("", text)


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body) if len(p.strip()) > 40 and not p.lstrip().startswith(("#", "-" * 5))]


def make_corpus(n: int, dest: Path, source: Path = CORPUS, seed: int = 8) -> Path:
    """`n` entries in `dest`, derived from the files in `source`."""
    files = sorted(source.glob("*.md"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    paras = [_paragraphs(_split(t)[1]) for t in texts]
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    titles: set[str] = set()
    for i in range(n):
        k, copy = i % len(files), i // len(files)
        fm, body = _split(texts[k])
        new_id = f"bench-{i:06d}"
        fm = re.sub(r'(?m)^id:.*$', f'id: "{new_id}"', fm)
        title_m = re.search(r'(?m)^title:\s*"?(.*?)"?\s*$', fm)
        title = title_m.group(1) if title_m else new_id
        if copy or title in titles:
            title = f"{title} ({copy + 1}-{i})"
        titles.add(title)
        fm = re.sub(r'(?m)^title:.*$', "title: " + json.dumps(title, ensure_ascii=False), fm)
        if copy:
            year = 2020 + (i % 5)
            fm = re.sub(r'(?m)^date:.*$', f'date: "{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"', fm)
            other = paras[rng.randrange(len(paras))]
            if other:
                body = body.rstrip() + "\n\n" + rng.choice(other) + "\n"
        (dest / f"{new_id}.md").write_text(f"---\n{fm}\n---\n{body}", encoding="utf-8")
    return dest


# ----------------------------------------------------------------------------- processes

class Run(NamedTuple):
    seconds: float  # wall time
    rss: int  # peak RSS of the process tree's largest process, bytes
    out: str  # stdout and stderr
    pss: int  # peak of the whole tree's summed PSS, bytes (0 where /proc cannot tell)


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path | None = None,
                 timeout: float = 3600) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    out_chunks = []
    # os.wait4 gives this child's own rusage (ru_maxrss of the largest waited-for process in its tree).
    import threading

    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    with TreeMemory(proc.pid) as memory:
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    out = b"".join(out_chunks).decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-4000:]}")
    return Run(seconds, usage.ru_maxrss * 1024, out, memory.peak_pss)


def kb_env(cache_dir: Path) -> dict:
    env = dict(os.environ)
    env["KB_CACHE_DIR"] = str(cache_dir)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def add_entry(content: Path) -> Path:
    """A copy of the middle entry under a new id and title: the one-entry change `warm +1` builds."""
    files = sorted(content.glob("*.md"))
    fm, body = _split(files[len(files) // 2].read_text(encoding="utf-8"))
    fm = re.sub(r'(?m)^id:.*$', 'id: "bench-added"', fm)
    fm = re.sub(r'(?m)^title:.*$', 'title: "新增的一个条目 bench added"', fm)
    added = content / "bench-added.md"
    added.write_text(f"---\n{fm}\n---\n{body}", encoding="utf-8")
    return added


def kb_build(content: Path, site: Path, cache_dir: Path) -> tuple[Run, dict]:
    """The run and kb's summary (`--json`; its "cache" says whether the cache was read)."""
    run = run_measured(
        [sys.executable, "-m", "kb_builder", "build", "--config", str(REPO / "mkdocs.yml"),
         "--content", str(content), "--site-dir", str(site), "-q", "--json"], env=kb_env(cache_dir))
    return run, json.loads(run.out[run.out.index("{"):])


def _cache_said(summary: dict) -> str:
    """What kb said of its build cache, when it is not the expected: read and written."""
    c = summary.get("cache") or {}
    said = [] if c.get("read") else [f"cache not read: {c.get('cold_because')}"]
    if not c.get("written"):
        said.append(f"cache NOT written: {c.get('not_written_because')}")
    return "; ".join(said)


BASELINE_YML = """\
site_name: Baseline
docs_dir: docs
theme:
  name: material
  language: zh
  font: false
nav:
  - index.md
  - tags.md
not_in_nav: |
  /q/
plugins:
  - search:
      lang: zh
  - tags
"""


def baseline_build(content: Path, work: Path) -> Run:
    """The issue's baseline: the entries as pages of a plain mkdocs-material site."""
    docs = work / "docs"
    if work.exists():
        shutil.rmtree(work)
    (docs / "q").mkdir(parents=True)
    for f in content.glob("*.md"):
        shutil.copyfile(f, docs / "q" / f.name)
    (docs / "index.md").write_text("# Baseline\n", encoding="utf-8")
    (docs / "tags.md").write_text("# Tags\n\n<!-- material/tags -->\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text(BASELINE_YML, encoding="utf-8")
    return run_measured([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml"),
                         "-d", str(work / "site")], cwd=work)


def front(text: str, key: str, value: str) -> str:
    """The entry with front-matter `key` set to `value` (added when missing)."""
    top = re.search(r"(?s)^---\n.*?\n---\n", text).group(0)
    if re.search(rf"(?m)^{key}:", top):
        new_top = re.sub(rf"(?m)^{key}:.*(?:\n[ \t]+-.*)*", f"{key}: {value}", top, count=1)
    else:
        new_top = top[:-4] + f"\n{key}: {value}\n---\n"
    return new_top + text[len(top):]


# The serve path, in a child process: the first build as `kb serve` does it, then
# one entry edited and the rebuild MkDocs' live-reload server would run, timed.
_EDIT_DRIVER = r'''
import json, os, sys, time, logging
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from mkdocs.commands.build import build
from kb_builder.sitebuild import load_config, CONTENT_ENV
config_file, content, site = sys.argv[2], Path(sys.argv[3]), sys.argv[4]
logging.getLogger("mkdocs").setLevel(logging.ERROR)
os.environ[CONTENT_ENV] = str(content)
from kb_builder.serving import SERVE_BUILD_TYPE
dirty = SERVE_BUILD_TYPE == "dirty"

def rebuild():
    config, _ = load_config(config_file, content, site)
    config.site_url = "http://127.0.0.1:8000/"
    build(config, serve_url="http://127.0.0.1:8000/", dirty=dirty)

config, plugin = load_config(config_file, content, site)
config.plugins.on_startup(command="serve", dirty=dirty)  # as mkdocs serve does, once
t = time.perf_counter(); rebuild(); first = time.perf_counter() - t
# then, as mkdocs serve does before it serves, the plugins' `serve` event
config.plugins.on_serve(type("Server", (), {"watch": lambda self, path: None})(), config=config, builder=rebuild)
target = sorted(content.glob("*.md"))[len(list(content.glob("*.md"))) // 2]
text = target.read_text(encoding="utf-8")
marker = "kbeditmarker"
import re
para = "\n\n" + marker + " 热更新验证段落。\n\n"
m = re.search(r"(?m)^## 专家官方解答.*$", text)
text = text[:m.end()] + para + text[m.end():] if m else text.rstrip() + para
target.write_text(text, encoding="utf-8")
saves = int(os.environ.get('KB_BENCH_EDITS', '3'))


# FRONT (build_scale.front, put here when the driver is written)


# Each kind of edit, a different text each save: the answer, the title, the tags replaced
# by a new Chinese tag (a word the segmenter is taught) and by a new Latin one.
kinds = {
    "answer": lambda i: text.replace(marker + " ", f"{marker} v{i} "),
    "title": lambda i: front(text, "title", f'"kbtitle{i} 热更新标题验证"'),
    "tag (new, Chinese)": lambda i: front(text, "tags", f'["热更新标签{"甲乙丙丁戊己庚辛"[i % 8]}", "nacos"]'),
    "tag (new, Latin)": lambda i: front(text, "tags", f'["kbtag{i}", "nacos"]'),
}
by_kind, kinds_ok = {}, {}
for kind, variant in kinds.items():
    by_kind[kind] = []
    for i in range(saves):
        target.write_text(variant(i), encoding="utf-8")
        t = time.perf_counter(); rebuild(); by_kind[kind].append(time.perf_counter() - t)
    if kind == "title":  # the entry page shows the last title
        kinds_ok[kind] = f"kbtitle{saves - 1}" in (Path(site) / "q" / target.stem / "index.html").read_text(encoding="utf-8")
    if kind.startswith("tag"):  # a tag page lists the last tag
        label = f"kbtag{saves - 1}" if "Latin" in kind else f"热更新标签{'甲乙丙丁戊己庚辛'[(saves - 1) % 8]}"
        kinds_ok[kind] = any(label in p.read_text(encoding="utf-8") for p in (Path(site) / "tags").rglob("index.html"))
# An entry added (a copy of the target under a new id) and deleted again, each timed.
added = target.with_name("kb-bench-added.md")
for i in range(saves):
    added.write_text(re.sub(r"(?m)^id:.*$", f"id: \"kb-bench-added-{i}\"", kinds["answer"](i), count=1), encoding="utf-8")
    t = time.perf_counter(); rebuild(); by_kind.setdefault("add an entry", []).append(time.perf_counter() - t)
    kinds_ok["add an entry"] = (Path(site) / "q" / f"kb-bench-added-{i}" / "index.html").is_file()
    added.unlink()
    t = time.perf_counter(); rebuild(); by_kind.setdefault("delete an entry", []).append(time.perf_counter() - t)
    kinds_ok["delete an entry"] = not (Path(site) / "q" / f"kb-bench-added-{i}" / "index.html").exists()
times = by_kind["answer"]
target.write_text(kinds["answer"](saves), encoding="utf-8")  # end on the answer edit, checked below
rebuild()
page = Path(site) / "q" / target.stem / "index.html"
ok = page.is_file() and marker in page.read_text(encoding="utf-8")
browser_ok = any(marker in p.read_text(encoding="utf-8") for p in (Path(site) / "search").rglob("*.json"))
plugin.serving.wait_for_index(600)  # under kb serve the whoosh index is written in the background
from kb_builder import search, siteindex
ix = search.open_index(siteindex.index_dir(site, serving=True))
hits = search.search(ix, marker)
ix.close()
plugin.serving.stop()  # as kb serve does when it stops: the writers' kept terms go with it
print(json.dumps({"first": first, "edit": times, "kinds": by_kind, "dirty": dirty, "page_ok": ok and all(kinds_ok.values()),
                  "kinds_ok": kinds_ok, "search_ok": bool(hits) and hits[0].id == target.stem and browser_ok}))
'''


def edit_one(content: Path, site: Path, cache_dir: Path, tmp: Path) -> dict:
    copy = tmp / "edit-content"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(content, copy)
    driver = tmp / "edit_driver.py"
    driver.write_text(_EDIT_DRIVER.replace("# FRONT (build_scale.front, put here when the driver is written)\n",
                                           inspect.getsource(front)), encoding="utf-8")
    out = run_measured([sys.executable, str(driver), str(REPO), str(REPO / "mkdocs.yml"), str(copy), str(site)],
                       env=kb_env(cache_dir)).out
    return json.loads(out.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- search

def search_numbers(site: Path) -> dict:
    from kb_builder import search, siteindex

    index_dir = siteindex.find(site)
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    started = time.perf_counter()  # as one `kb search` command: open, then the first query
    ix = search.open_index(index_dir)
    search.search(ix, QUERIES[0])
    first = (time.perf_counter() - started) * 1000
    try:
        for q in QUERIES:  # warm: the searcher, segmenter and OS caches
            search.search(ix, q)
        times = []
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                search.search(ix, q)
                times.append((time.perf_counter() - t) * 1000)
    finally:
        ix.close()
    times.sort()
    return {"index_bytes": size, "p50_ms": statistics.median(times), "first_ms": first,
            "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))]}


def whoosh_build_seconds(content: Path) -> float:
    """The whoosh index alone (read + normalise + link are not counted)."""
    code = textwrap.dedent(f"""
        import sys, time, tempfile
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from kb_builder.pipeline import Settings, analysis, gather, search_docs
        from kb_builder import search
        gathered = gather(Settings(content_dir=Path({str(content)!r}), site_tags=("nacos", "opensource")))
        docs = search_docs(gathered.entries, gathered.graph)
        t = time.perf_counter()
        search.build_index(docs, Path(tempfile.mkdtemp()) / "ix", analysis(gathered, docs))
        print(time.perf_counter() - t)
    """)
    out = run_measured([sys.executable, "-c", code], env=kb_env(Path(tempfile.mkdtemp()))).out
    return float(out.strip().splitlines()[-1])


def browser_numbers(site: Path, browser: bool) -> dict:
    kb_dir = site / "search"
    files = [p for p in kb_dir.rglob("*.json") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    out = {"raw": raw, "gzip": gz, "first_ms": None}
    if browser:
        try:
            sys.path.insert(0, str(REPO / "benchmarks"))
            import browser_engine as be

            server = be.Server(site)
            try:
                runs = [be.first_result_ms(server.url, "服务注册失败")["ms"] for _ in range(3)]
                out["first_ms"] = statistics.median(runs)
            finally:
                server.close()
        except Exception as exc:  # no playwright/chromium: report the rest
            out["first_error"] = str(exc)[:200]
    return out


# ----------------------------------------------------------------------------- main

def _mb(n: float) -> str:
    if n < 2**20:
        return f"{n / 2**10:.0f} KiB"
    return f"{n / 2**20:.1f} MiB" if n < 2**30 else f"{n / 2**30:.2f} GiB"


def bench_size(n: int, tmp: Path, baseline: bool, browser: bool, whoosh_alone: bool, warm: bool,
               edit: bool = True, warm_add: bool = True) -> dict:
    content = make_corpus(n, tmp / f"content-{n}")
    cache = tmp / f"cache-{n}"
    site = tmp / f"site-{n}"
    row: dict = {"entries": n}
    run, summary = kb_build(content, site, cache)
    row.update(kb_s=run.seconds, kb_rss=run.rss, kb_pss=run.pss)
    print(f"  [{n}] kb build (cold cache) {run.seconds:.1f} s, largest process {_mb(run.rss)}, "
          f"all processes {_mb(run.pss)}", flush=True)
    if warm:
        run, summary = kb_build(content, site, cache)
        row.update(kb_warm_s=run.seconds, kb_warm_said=_cache_said(summary))
        print(f"  [{n}] kb build (warm cache) {run.seconds:.1f} s {row['kb_warm_said']}", flush=True)
    if warm_add:
        added = add_entry(content)
        run, summary = kb_build(content, site, cache)
        added.unlink()
        row.update(kb_add_s=run.seconds, kb_add_pss=run.pss, kb_add_said=_cache_said(summary))
        print(f"  [{n}] kb build after adding one entry (warm cache) {run.seconds:.1f} s, "
              f"{run.seconds / row['kb_s']:.0%} of cold, all processes {_mb(run.pss)} {row['kb_add_said']}",
              flush=True)
    if baseline:
        run = baseline_build(content, tmp / f"baseline-{n}")
        row.update(base_s=run.seconds, base_rss=run.rss, base_pss=run.pss)
        print(f"  [{n}] baseline build {run.seconds:.1f} s, largest process {_mb(run.rss)}, "
              f"all processes {_mb(run.pss)}", flush=True)
        shutil.rmtree(tmp / f"baseline-{n}", ignore_errors=True)
    row["search"] = search_numbers(site)
    row["browser"] = browser_numbers(site, browser)
    if whoosh_alone:
        row["whoosh_s"] = whoosh_build_seconds(content)
    if edit:
        row["edit"] = edit_one(content, tmp / f"serve-{n}", cache, tmp)
        print(f"  [{n}] edit one entry: {row['edit']}", flush=True)
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(tmp / f"serve-{n}", ignore_errors=True)
    return row


def print_table(rows: list[dict]) -> None:
    head = ["entries", "kb build", "peak RSS", "all PSS", "warm", "warm +1", "baseline", "kb/base", "edit→site", "other edits", "edit ok",
            "whoosh", "index", "search 1st, p50/p95", "browser idx raw/gz", "1st result"]
    lines = [head]
    for r in rows:
        e, s, b = r.get("edit"), r["search"], r["browser"]
        lines.append([
            str(r["entries"]), f"{r['kb_s']:.1f} s", _mb(r["kb_rss"]), _mb(r["kb_pss"]) if r.get("kb_pss") else "-",
            (f"{r['kb_warm_s']:.1f} s" + (" (cold!)" if r["kb_warm_said"] else "")) if "kb_warm_s" in r else "-",
            (f"{r['kb_add_s']:.1f} s ({r['kb_add_s'] / r['kb_s']:.0%})" + (" (cold!)" if r["kb_add_said"] else ""))
            if "kb_add_s" in r else "-",
            f"{r['base_s']:.1f} s" if "base_s" in r else "-",
            f"{r['kb_s'] / r['base_s']:.2f}×" if "base_s" in r else "-",
            (f"{statistics.median(e['edit']):.2f} s" + ("" if e["dirty"] else " (full)")) if e else "-",
            f"≤ {max(statistics.median(t) for k, t in e['kinds'].items() if k != 'answer'):.2f} s"
            if e and e.get("kinds") else "-",
            ("yes" if e["page_ok"] and e["search_ok"] else "NO") if e else "-",
            f"{r['whoosh_s']:.1f} s" if "whoosh_s" in r else "-",
            _mb(s["index_bytes"]), f"{s['first_ms']:.0f}, {s['p50_ms']:.0f}/{s['p95_ms']:.0f} ms",
            f"{_mb(b['raw'])}/{_mb(b['gzip'])}",
            f"{b['first_ms']:.0f} ms" if b.get("first_ms") else "-",
        ])
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    for i, row in enumerate(lines):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:  # each kind of edit: the median and the slowest save
        kinds = (r.get("edit") or {}).get("kinds") or {}
        if kinds:
            print(f"edits at {r['entries']}: " + "; ".join(
                f"{k} {statistics.median(t):.2f} s (max {max(t):.2f})" for k, t in kinds.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,5000", help="comma-separated entry counts (e.g. 883,1000,5000,20000)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain mkdocs-material build")
    ap.add_argument("--browser", action="store_true", help="time the first result in headless Chromium")
    ap.add_argument("--no-whoosh", dest="whoosh", action="store_false",
                    help="skip timing the whoosh index build on its own")
    ap.add_argument("--warm", action="store_true", help="also time a second build (warm cache)")
    ap.add_argument("--no-edit", dest="edit", action="store_false", help="skip the edit-one-entry (kb serve) timing")
    ap.add_argument("--no-warm-add", dest="warm_add", action="store_false",
                    help="skip the build after adding one entry (warm build cache)")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS} (skipped)")
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="kb-build-scale-"))
    rows = []
    try:
        for n in sizes:
            print(f"{n} entries …", flush=True)
            rows.append(bench_size(n, tmp, not args.no_baseline, args.browser, args.whoosh, args.warm, args.edit,
                                   args.warm_add))
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
