"""Two-process rendering (issue 8): `kb build` splits the pages between itself and a
forked child.  The site must be the same as a one-process build, both processes must
really render, and a failing or warning child must fail the build without touching
the previous site."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from kb_builder import parallel, sitebuild
from kb_builder import plugin as kb_plugin
from kb_builder import siteindex

REPO = Path(__file__).resolve().parents[1]


def _pages(site: Path) -> dict[str, bytes]:
    """Every file of a built site except the indexes, whose file names or key order
    vary from build to build (whoosh segment names, hash order)."""
    out = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not rel.startswith(("_kb_index/", "search/")):
            out[rel] = path.read_bytes()
    return out


def _build(content: Path, site: Path, processes: int, **kw):
    return sitebuild.build_site(REPO / "mkdocs.yml", content, site, processes=processes, **kw)


@pytest.fixture
def forks(monkeypatch):
    """Record the pids of rendering children forked during a build."""
    if not parallel.can_fork():
        pytest.fail(f"cannot fork here (cores {os.cpu_count()}, threads {threading.active_count()}): "
                    "two-process rendering would not be tested")
    seen: list[int] = []
    real = kb_plugin.KbPlugin._render_in_two_processes

    def render_in_two_processes(self, config, files):
        real(self, config, files)
        if self._worker is not None:  # the parent, which forked the rendering child
            seen.append(self._worker.pid)

    monkeypatch.setattr(kb_plugin.KbPlugin, "_render_in_two_processes", render_in_two_processes)
    return seen


def test_split_balances_weight_and_keeps_every_item():
    items = [(f"p{i}", float(w)) for i, w in enumerate([9, 7, 6, 5, 5, 4, 3, 2, 2, 1] * 20)]
    a, b = parallel.split(items, 2)
    assert a | b == {k for k, _ in items} and not a & b
    weight = dict(items)
    wa, wb = sum(weight[k] for k in a), sum(weight[k] for k in b)
    assert abs(wa - wb) <= max(weight.values())
    # A head start of a third of the work: that share gets correspondingly less.
    total = wa + wb
    a, b = parallel.split(items, 2, head_start=(total / 3, 0.0))
    wa, wb = sum(weight[k] for k in a), sum(weight[k] for k in b)
    assert abs((wa + total / 3) - wb) <= max(weight.values())


def test_shared_counter_adds_across_a_fork():
    counter = parallel.SharedCounter(2)
    pid = os.fork()
    if pid == 0:
        for _ in range(50):
            counter.add(1)
        os._exit(0)
    for _ in range(20):
        counter.add(0)
    os.waitpid(pid, 0)
    assert counter.total() == 70
    counter.close()


def test_two_processes_build_the_same_site_as_one(sample_content_dir, tmp_path, forks):
    one = _build(sample_content_dir, tmp_path / "one", processes=1)
    assert forks == []
    two = _build(sample_content_dir, tmp_path / "two", processes=2)
    assert len(forks) == 1
    a, b = _pages(one.site_dir), _pages(two.site_dir)
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert differ == []
    assert len([k for k in a if k.startswith("q/")]) == 15
    # Both halves of the search machinery are there too.
    assert siteindex.index_dir(two.site_dir).is_dir() and (two.site_dir / "search" / "kb" / "meta.json").is_file()


def test_the_child_renders_its_share(sample_content_dir, tmp_path, forks, monkeypatch):
    """Which pages each process rendered: disjoint, together all generated pages."""
    log = tmp_path / "rendered.log"
    real = kb_plugin.KbPlugin.on_page_content

    def on_page_content(self, html, page, config, files):
        with open(log, "a", encoding="utf-8") as f:  # O_APPEND: one line per write, from either process
            f.write(f"{os.getpid()} {page.file.src_uri}\n")
        return real(self, html, page, config, files)

    monkeypatch.setattr(kb_plugin.KbPlugin, "on_page_content", on_page_content)
    result = _build(sample_content_dir, tmp_path / "site", processes=2)
    lines = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    by_pid: dict[str, set[str]] = {}
    for pid, uri in lines:
        by_pid.setdefault(pid, set()).add(uri)
    assert set(by_pid) == {str(os.getpid()), str(forks[0])}
    mine, theirs = by_pid[str(os.getpid())], by_pid[str(forks[0])]
    assert not mine & theirs
    assert len(lines) == len(mine | theirs)  # no page rendered twice
    assert set(result.generated.pages) <= mine | theirs
    assert len(theirs) >= len(result.generated.pages) // 4


def _fail_in_child(monkeypatch, how):
    real = kb_plugin.KbPlugin.on_page_content

    def on_page_content(self, html, page, config, files):
        if parallel.in_child() and page.file.src_uri.startswith("q/"):
            how()
        return real(self, html, page, config, files)

    monkeypatch.setattr(kb_plugin.KbPlugin, "on_page_content", on_page_content)


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_a_failing_child_fails_the_build_and_keeps_the_old_site(sample_content_dir, tmp_path, forks, monkeypatch,
                                                                caplog):
    site = tmp_path / "site"
    _build(sample_content_dir, site, processes=1)
    before = _tree(site)

    def boom():
        raise RuntimeError("renderer exploded")

    _fail_in_child(monkeypatch, boom)
    with pytest.raises(Exception, match="Aborted"):
        _build(sample_content_dir, site, processes=2)
    assert "second rendering process failed" in caplog.text
    assert forks, "the build did not fork"
    assert _tree(site) == before
    assert not list(tmp_path.glob(".site.building-*"))


def test_a_warning_in_the_child_fails_a_strict_build(sample_content_dir, tmp_path, forks, monkeypatch, caplog):
    """MkDocs' `strict: true` fails a build on warnings; the child's count as the parent's do."""
    mkdocs_log = logging.getLogger("mkdocs")
    level = mkdocs_log.level
    mkdocs_log.setLevel(logging.WARNING)  # other tests turn it down
    try:
        _strict_build_fails(sample_content_dir, tmp_path, monkeypatch, caplog)
    finally:
        mkdocs_log.setLevel(level)


def _strict_build_fails(sample_content_dir, tmp_path, monkeypatch, caplog):
    _fail_in_child(monkeypatch, lambda: logging.getLogger("mkdocs.plugins.kb").warning("kb: something odd"))
    _build(sample_content_dir, tmp_path / "lenient", processes=2)  # not strict: a warning is fine
    real_load = sitebuild.load_config

    def strict_load(*args, **kw):
        config, plugin = real_load(*args, **kw)
        config["strict"] = True
        return config, plugin

    monkeypatch.setattr(sitebuild, "load_config", strict_load)
    with pytest.raises(Exception, match="Aborted"):
        _build(sample_content_dir, tmp_path / "strict", processes=2)
    assert "warnings in strict mode while rendering pages in the second process" in caplog.text
    assert not (tmp_path / "strict").exists()


def test_quiet_logging_still_lets_strict_count_warnings():
    """`kb build -q` hides warnings from the terminal, not from MkDocs' strict mode."""
    sitebuild.setup_logging(quiet=True)
    try:
        assert logging.getLogger("mkdocs").isEnabledFor(logging.WARNING)
    finally:
        sitebuild.setup_logging()


def _search_files(site: Path) -> dict:
    import json

    out = {}
    for path in sorted((site / "search").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "meta.json" or path.name == "search_index.json":
            # the build id differs from build to build
            (data.get("config", {}).get("kb", data) if path.name == "search_index.json" else data).pop("id", None)
        out[path.relative_to(site).as_posix()] = data
    return out


def test_indexes_from_the_child_equal_indexes_built_in_process(corpus_dir, tmp_path, monkeypatch):
    """The index child segments before the link graph exists and gets the error signatures
    later; its indexes must be those a build in one process writes."""
    from kb_builder import search

    forked = _build(corpus_dir, tmp_path / "forked", processes=2)
    from kb_builder import indexjob

    monkeypatch.setattr(indexjob.IndexJob, "start", classmethod(lambda cls, *a, **k: None))
    local = _build(corpus_dir, tmp_path / "local", processes=1)
    a, b = _search_files(forked.site_dir), _search_files(local.site_dir)
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []
    ia = search.open_index(siteindex.index_dir(forked.site_dir))
    ib = search.open_index(siteindex.index_dir(local.site_dir))
    try:
        assert ia.meta == ib.meta
        with_errors = [d for d in search_docs_of(forked) if d.errors]
        assert with_errors  # the corpus has error signatures: the late part of the protocol ran
        for q in ["NacosException", "403 user not found", "服务注册失败", with_errors[0].errors[0]]:
            assert [h.id for h in ia.search(q)] == [h.id for h in ib.search(q)]
        reader_a, reader_b = ia.ix.reader(), ib.ix.reader()
        try:
            for field in ("errors", "parts", "answer"):
                assert list(reader_a.lexicon(field)) == list(reader_b.lexicon(field))
        finally:
            reader_a.close()
            reader_b.close()
    finally:
        ia.close()
        ib.close()


def search_docs_of(result):
    from kb_builder.pipeline import search_docs

    return search_docs(result.generated.entries, result.generated.graph)


_SERVE_PARENT = """
import random, sys, time
from pathlib import Path
from kb_builder.documents import SearchDoc
from kb_builder.serving import Serving
rng = random.Random(1)
chars = [chr(c) for c in range(0x4e00, 0x4e00 + 3000)]
def text(n): return "".join(rng.choice(chars) for _ in range(n))
# About 15 s of segmenting and indexing for the child.
docs = [SearchDoc(id=f"e{i}", title=text(20), url=f"q/e{i}/", question=text(60), answer=text(600))
        for i in range(400)]
serving = Serving()
serving.index_in_background(docs, (), (), Path(sys.argv[1]))
print(serving._background[sys.argv[1]].pid, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for whoever adopted it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="Linux only (PR_SET_PDEATHSIG, /proc)")
def test_the_serve_index_writer_dies_with_kb_serve(tmp_path):
    """Issue 14: after kill -9 of `kb serve`, its background whoosh writer kept running."""
    import signal
    import subprocess
    import sys
    import time

    # (its own temporary folder: a kb serve killed with -9 cannot remove the one it made)
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    parent = subprocess.Popen([sys.executable, "-c", _SERVE_PARENT, str(tmp_path / "_kb_index")],
                              stdout=subprocess.PIPE, text=True, env=env)
    child = 0
    try:
        child = int(parent.stdout.readline())
        time.sleep(1.5)  # past its start-up: indexing
        assert _running(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(child), "the index writer outlived kb serve"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child and _running(child):
            os.kill(child, signal.SIGKILL)
