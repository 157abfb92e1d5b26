"""Atomic output (issue 7): the site and its whoosh index (beside it: site.kb-index) are built
in temporary directories beside the targets and swapped in only on success. A killed or
failed build leaves the previous site byte for byte; the next build cleans up.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb_builder import outdir, siteindex, sitebuild

from test_accounting import HOSTILE, kb, leftovers, tree_hash

REPO = Path(__file__).resolve().parents[1]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture(scope="module")
def corpus_copy(corpus_dir, tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("corpus-copy") / "content"
    shutil.copytree(corpus_dir, content)
    return content


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory):
    """A small site built by `kb build`, the 'previous' site every test starts from."""
    site = tmp_path_factory.mktemp("atomic") / "site"
    proc = kb("build", "-q", "--content", str(HOSTILE), "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert siteindex.index_dir(site).is_dir()
    return site


def _start_build(content: Path, site: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as err:
        return subprocess.Popen([sys.executable, "-m", "kb_builder", "build", "-q", "--content", str(content),
                                 "--site-dir", str(site)], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)


def _html_written(site: Path) -> int:
    return sum(1 for d in site.parent.glob(f".{site.name}.building-*") for _ in d.rglob("*.html"))


@pytest.mark.corpus
def test_killed_builds_leave_the_previous_site_intact(previous_site, corpus_copy, tmp_path):
    site = previous_site
    before = tree_hash(site)
    observed = {}

    # 1. killed a few seconds in (reading and linking the corpus)
    proc = _start_build(corpus_copy, site, tmp_path / "early.log")
    time.sleep(4)
    assert proc.poll() is None, (tmp_path / "early.log").read_text()
    proc.kill()
    proc.wait(timeout=30)
    assert tree_hash(site) == before
    observed["early"] = leftovers(site)

    # 2. killed midway through writing pages into the temporary directory
    proc = _start_build(corpus_copy, site, tmp_path / "midway.log")
    deadline = time.monotonic() + 400
    written = 0
    while time.monotonic() < deadline and proc.poll() is None:
        written = _html_written(site)
        if written >= 100:
            break
        time.sleep(0.3)
    assert proc.poll() is None, "the build finished before it could be killed: " + \
        (tmp_path / "midway.log").read_text()[-2000:]
    assert written >= 100, f"only {written} pages were written before the deadline"
    proc.kill()
    proc.wait(timeout=30)
    assert tree_hash(site) == before
    observed["midway"] = leftovers(site)

    # What is left: the killed builds' temporary directories, hidden ('.site.building-<pid>-*')
    # beside the site, never at the site's own path and never inside it.
    for name in observed["early"] + observed["midway"]:
        assert name.startswith(f".{site.name}.building-"), observed
    assert len(observed["midway"]) >= 1
    assert [p.name for p in site.iterdir() if p.name.startswith(".")] == [outdir.MARKER]

    # 3. the next build succeeds, replaces the site and removes the dead builds' leftovers
    content = tmp_path / "content"
    shutil.copytree(HOSTILE, content)
    (content / "after-kill.md").write_text("---\nid: after-kill\ntitle: Built after the kill\n"
                                           "tags: [nacos]\n---\nanswer\n", encoding="utf-8")
    proc = kb("build", "-q", "--content", str(content), "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (site / "q" / "after-kill" / "index.html").is_file()
    assert siteindex.index_dir(site).is_dir()
    assert leftovers(site) == []
    assert (site.stat().st_mode & 0o777) == 0o777 & ~_umask()


def test_failed_build_keeps_site_and_index(previous_site, monkeypatch):
    """A failure after every page was written (here: the whoosh index) changes nothing."""
    from kb_builder import search

    index = siteindex.index_dir(previous_site)
    before = tree_hash(previous_site), tree_hash(index)

    def broken_index(*args, **kwargs):
        raise RuntimeError("disk full while writing the index")

    monkeypatch.setattr(search, "build_index", broken_index)
    with pytest.raises(RuntimeError, match="disk full"):
        sitebuild.build_site(REPO / "mkdocs.yml", content=HOSTILE, site_dir=previous_site)
    assert (tree_hash(previous_site), tree_hash(index)) == before
    assert leftovers(previous_site) == []


def test_missing_content_fails_cleanly(previous_site, tmp_path):
    before = tree_hash(previous_site)
    proc = kb("build", "--content", str(tmp_path / "nope"), "--site-dir", str(previous_site))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "does not exist" in proc.stderr
    assert tree_hash(previous_site) == before and leftovers(previous_site) == []


# --------------------------------------------------------------------------- the swap itself

def _make(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "index.html").write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_swap_in_replaces_the_site(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    final = _make(tmp_path / "site", "old")
    new = _make(tmp_path / ".site.building-1-x", "new")
    outdir.swap_in(new, final)
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    # first build: nothing to replace
    first = _make(tmp_path / ".other.building-1-y", "first")
    outdir.swap_in(first, tmp_path / "other")
    assert (tmp_path / "other" / "index.html").read_text(encoding="utf-8") == "first"


def test_clean_leftovers_only_removes_dead_builds(tmp_path):
    final = _make(tmp_path / "site", "site")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        live_dir = _make(tmp_path / f".site.building-{sleeper.pid}-abc", "busy")
        dead_dir = _make(tmp_path / f".site.building-{dead.pid}-def", "stale")
        old_dir = _make(tmp_path / f".site.old-{dead.pid}", "stale")
        other = _make(tmp_path / f".other.building-{dead.pid}-ghi", "another site's")
        removed = outdir.clean_leftovers(final)
        assert sorted(removed) == sorted([dead_dir, old_dir])
        assert live_dir.is_dir() and other.is_dir() and final.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
