"""`kb build` keeps what it derived in a cache folder, and the next `kb build` (a new
process) starts from it: pages whose inputs did not change are not rendered again, and
the site is the same bytes as a clean build's.  A settings change renders every page; a
damaged or foreign cache, or a previous site someone changed, costs only a cold build."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb_builder import buildcache, search, siteindex, usercache

REPO = Path(__file__).resolve().parents[1]
ADDED = "kb-cache-added"


def _kb_build(content: Path, site: Path, cache: Path | None, *extra: str, config: bool = True,
              cwd: Path = REPO, env: dict | None = None, no_cache: bool = False) -> dict:
    """`kb build --json` in a new process, with KB_CACHE_DIR=`cache` (None: as in `env`)."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    if cache is not None:
        env["KB_CACHE_DIR"] = str(cache)
    args = [sys.executable, "-m", "kb_builder", "build", "--json", "-v", "--content", str(content),
            "--site-dir", str(site), *extra]
    if config:
        args += ["--config", str(REPO / "mkdocs.yml")]
    if no_cache:
        args.append("--no-cache")
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    summary["log"] = proc.stderr
    return summary


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _assert_same(built: Path, clean: Path) -> None:
    """The site: the same files with the same bytes.  The whoosh index beside it may be an
    update of the previous one (index_update.py): the same entries' sources, and the same
    hits, scores and snippets for every entry's title and a few words."""
    one, two = _files(built), _files(clean)
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []
    a, b = (siteindex.index_dir(site) for site in (built, clean))
    assert (a / siteindex.SOURCES).read_bytes() == (b / siteindex.SOURCES).read_bytes()
    ia, ib = search.open_index(a), search.open_index(b)
    try:
        assert ia.doc_count == ib.doc_count
        reader = ib.searcher()
        queries = [reader.stored_fields(n)["title_raw"] for n in range(ib.doc_count)]
        queries += ["nacos", "配置", "启动 失败", "kbcacheadded"]
        for query in queries:
            assert [h.as_dict() for h in ia.search(query, 20)] == [h.as_dict() for h in ib.search(query, 20)], query
    finally:
        ia.close()
        ib.close()


def _add_entry(content: Path) -> None:
    source = sorted(content.glob("*.md"))[3].read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id:.*$", f'id: "{ADDED}"', source, count=1)
    text = re.sub(r"(?m)^title:.*$", 'title: "缓存验证新增的条目 kbcacheadded"', text, count=1)
    (content / f"{ADDED}.md").write_text(text, encoding="utf-8")


def _mtimes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in (site / "q").glob("*/index.html")}


@pytest.fixture
def content(sample_content_dir, tmp_path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(sample_content_dir, copy)
    return copy


def test_a_second_build_after_adding_an_entry_renders_fewer_pages_and_equals_a_clean_build(content, tmp_path):
    cache, site = tmp_path / "cache", tmp_path / "site"
    first = _kb_build(content, site, cache)
    assert first["reused_pages"] == 0  # nothing to start from
    assert first["cache"]["read"] is False and first["cache"]["cold_because"] == buildcache.NO_CACHE
    assert first["cache"]["written"] is True
    assert list((cache / "builds").glob("*.pickle"))
    before = _mtimes(site)
    _add_entry(content)
    # Every value the cache gives is computed again and compared (verify mode): none is stale.
    second = _kb_build(content, site, cache, env={**os.environ, "KB_VERIFY_CACHE": "1"})
    assert second["cache"]["read"] is True and second["cache"]["cold_because"] is None
    assert second["entry_pages"] == first["entry_pages"] + 1
    pages = second["entry_pages"] + second["listing_pages"]
    assert 0 < pages - second["reused_pages"] < pages / 2
    after = _mtimes(site)
    assert f"q/{ADDED}/index.html" in after
    # Pages that show nothing of the new entry are the previous build's files, not rendered again.
    kept = [uri for uri in before if after.get(uri) == before[uri]]
    assert len(kept) >= len(before) // 2
    # The whoosh index was updated (the previous base kept, the new entry in a delta), not written whole.
    assert len(search._segments(siteindex.index_dir(site))) == 2
    _kb_build(content, tmp_path / "clean", None, no_cache=True)
    assert len(search._segments(siteindex.index_dir(tmp_path / "clean"))) == 1
    _assert_same(site, tmp_path / "clean")


def test_no_cache_neither_reads_nor_writes_the_cache(content, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "KB_CACHE_DIR": str(cache)}
    summary = _kb_build(content, tmp_path / "site", None, env=env, no_cache=True)
    assert summary["reused_pages"] == 0
    # Only kb's copy of jieba's dictionary (jieba_dict.py) may be there: no build cache.
    assert not (cache / "builds").exists()
    assert all(p.name.startswith("jieba-") and p.suffix == ".dict" for p in cache.glob("*")), list(cache.iterdir())


def test_a_settings_change_renders_every_page_again(content, tmp_path):
    """The built-in configuration (no mkdocs.yml), run from a folder of its own; the cache
    follows XDG_CACHE_HOME when KB_CACHE_DIR is not set."""
    work = tmp_path / "work"
    work.mkdir()
    xdg = tmp_path / "xdg"
    env = {k: v for k, v in os.environ.items() if k != "KB_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(xdg)
    site = tmp_path / "site"

    def build(url: str, target: Path = site, cache: bool = True) -> dict:
        return _kb_build(content, target, None, "--site-url", url, config=False, cwd=work, env=env, no_cache=not cache)

    build("https://one.example/")
    assert list((xdg / "kb_builder" / "builds").glob("*.pickle"))
    same = build("https://one.example/")
    assert same["reused_pages"] > 0
    changed = build("https://two.example/")
    assert changed["reused_pages"] == 0
    assert "https://two.example/" in (site / "q" / "question-history-90001" / "index.html").read_text(encoding="utf-8")
    build("https://two.example/", tmp_path / "clean", cache=False)
    _assert_same(site, tmp_path / "clean")


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    head, _, payload = data[len(buildcache.MAGIC):].partition(b"\n")
    header = json.loads(head)
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(4096))
    elif how == "another kb version":
        header["kb"] = "0.0.0-other"
        path.write_bytes(buildcache.MAGIC + json.dumps(header).encode() + b"\n" + payload)
    else:  # a header that matches, over a payload that is not a pickle
        bad = b"\x00not a pickle" * 100
        header.update(length=len(bad), digest=buildcache.hashlib.blake2b(bad).hexdigest())
        path.write_bytes(buildcache.MAGIC + json.dumps(header).encode() + b"\n" + bad)


def test_a_damaged_or_foreign_cache_gives_a_cold_build(content, tmp_path):
    cache, site = tmp_path / "cache", tmp_path / "site"
    _kb_build(content, site, cache)
    [path] = (cache / "builds").glob("*.pickle")
    for how in ("truncated", "garbage", "another kb version", "not a pickle"):
        _damage(path, how)
        summary = _kb_build(content, site, cache)  # each writes the cache again
        assert summary["reused_pages"] == 0, how
        assert "cold build" in summary["log"], how
        assert summary["cache"]["read"] is False and summary["cache"]["written"] is True, how
        assert summary["cache"]["cold_because"] == {
            "truncated": "truncated or damaged", "garbage": "not a kb build cache",
            "another kb version": "made with other kb version",
            "not a pickle": "could not be read (UnpicklingError)"}[how], how
    _kb_build(content, tmp_path / "clean", None, no_cache=True)
    _assert_same(site, tmp_path / "clean")
    assert _kb_build(content, site, cache)["reused_pages"] > 0  # the cache written last is whole


def test_the_terminal_says_whether_the_cache_was_read_and_warns_when_it_could_not_be_written(content, tmp_path):
    """A CI job whose cache silently stopped working would pay a cold build every time:
    kb build's summary says why a build was cold, and a cache it could not write is a warning."""
    cache, site = tmp_path / "cache", tmp_path / "site"

    def build() -> subprocess.CompletedProcess:
        env = {**os.environ, "KB_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
        return subprocess.run([sys.executable, "-m", "kb_builder", "build", "--content", str(content), "--site-dir",
                               str(site), "--config", str(REPO / "mkdocs.yml")], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=600)

    first = build()
    assert first.returncode == 0, first.stderr[-3000:]
    assert re.search(r"build cache .*: not read \(none yet\): a cold build; written", first.stdout)
    second = build()
    assert re.search(r"build cache .*: read, [1-9]\d* pages copied from the previous site; written", second.stdout)
    [path] = (cache / "builds").glob("*.pickle")
    path.unlink()
    (path / "in the way").mkdir(parents=True)  # a folder where the cache file goes: neither read nor replaced
    third = build()
    assert third.returncode == 0, third.stderr[-3000:]
    assert re.search(r"not read \(unreadable \(.*\)\): a cold build; NOT written \((IsADirectory|OS)Error", third.stdout)
    assert "the build cache was not written" in third.stderr and "the next build will be cold" in third.stderr
    assert (path / "in the way").is_dir()  # kb removes nothing it did not make


def test_a_previous_site_changed_or_gone_is_rendered_again(content, tmp_path):
    cache, site = tmp_path / "cache", tmp_path / "site"
    _kb_build(content, site, cache)
    page = site / "q" / "question-history-90002" / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- changed by someone -->", encoding="utf-8")
    summary = _kb_build(content, site, cache)
    assert 0 < summary["reused_pages"]
    assert "changed by someone" not in page.read_text(encoding="utf-8")
    shutil.rmtree(site)
    assert _kb_build(content, site, cache)["reused_pages"] == 0
    _kb_build(content, tmp_path / "clean", None, no_cache=True)
    _assert_same(site, tmp_path / "clean")


def test_the_cache_location_follows_kb_cache_dir_then_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    assert usercache.cache_root({}) == tmp_path / "home" / ".cache" / "kb_builder"
    assert usercache.cache_root({"XDG_CACHE_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / "kb_builder"
    assert usercache.cache_root({"XDG_CACHE_HOME": "relative"}) == tmp_path / "home" / ".cache" / "kb_builder"
    assert usercache.cache_root({"XDG_CACHE_HOME": str(tmp_path / "xdg"), "KB_CACHE_DIR": str(tmp_path / "kb")}) \
        == tmp_path / "kb"
    environ = {"KB_CACHE_DIR": str(tmp_path / "kb")}
    one = buildcache.cache_file(REPO / "mkdocs.yml", tmp_path / "a", environ)
    assert one.parent == tmp_path / "kb" / "builds"
    assert one == buildcache.cache_file(REPO / "mkdocs.yml", tmp_path / "a", environ)
    # two content folders, or two configurations, never share a cache
    assert one != buildcache.cache_file(REPO / "mkdocs.yml", tmp_path / "b", environ)
    assert one != buildcache.cache_file(None, tmp_path / "a", environ)


def test_a_write_killed_midway_leaves_no_file_behind_after_the_next_write(tmp_path):
    """A build killed while it wrote the cache leaves a temporary file as large as the cache;
    the next write removes it, and leaves those of a write still running and other files."""
    path = tmp_path / "builds" / "site.pickle"
    path.parent.mkdir()
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone_pid = int(done.stdout)  # a process that has ended
    abandoned = path.parent / f".site.pickle.{gone_pid}.x1y2.tmp"
    running = path.parent / f".site.pickle.{os.getpid()}.a1b2.tmp"
    others = [path.parent / ".other.pickle.1.tmp", path.parent / f".site.pickle.{gone_pid}.keep",
              path.parent / "notes.tmp"]
    for f in (abandoned, running, *others):
        f.write_bytes(b"partial")
    header = {"format": buildcache.FORMAT, "settings": "s"}
    buildcache.save(path, header, {"any": "value"})
    assert not abandoned.exists()
    assert running.exists() and all(f.exists() for f in others)
    assert path.is_file()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".site.pickle.") and p.name.endswith(".tmp")
                and p != running]


def test_what_a_restored_cache_froze_is_thawed_when_the_build_ends(content, tmp_path, monkeypatch):
    """The values a cache restores are frozen for the collector during the build, and thawed
    at its end (a long-lived caller, such as a test run or `kb serve`, would otherwise keep
    them out of every later collection); a freeze made by the caller stays."""
    import gc

    from kb_builder.sitebuild import build_site

    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    config = REPO / "mkdocs.yml"
    gc.unfreeze()
    build_site(config, content, tmp_path / "site", processes=1, cache=True)
    assert gc.get_freeze_count() == 0
    frozen = []

    def restore(self, settings, _restore=buildcache.BuildCache.session):
        session = _restore(self, settings)
        frozen.append(gc.get_freeze_count())
        return session

    monkeypatch.setattr(buildcache.BuildCache, "session", restore)
    result = build_site(config, content, tmp_path / "site", processes=1, cache=True)
    assert result.cache["read"] and frozen and frozen[0] > 0  # restored, and frozen while building
    assert gc.get_freeze_count() == 0
    gc.freeze()  # the caller's own freeze
    try:
        kept = gc.get_freeze_count()
        build_site(config, content, tmp_path / "site", processes=1, cache=True)
        assert gc.get_freeze_count() >= kept
    finally:
        gc.unfreeze()


def _square(n: int) -> int:
    return n * n


def test_values_another_process_derived_are_saved_after_the_store_and_read_back_into_it(tmp_path):
    """The index child's values reach the cache file as a part the parent copies unread; read
    back, the store holds them beside its own.  A part that could not be kept means no cache
    is written (the store gave up its older values for the part's), never one missing them."""
    import pickle

    from kb_builder.store import Store

    def cache_with_part(part: Path) -> buildcache.BuildCache:
        cache = buildcache.BuildCache(tmp_path / "cache" / "site.pickle", tmp_path / "site")
        cache.header = {"format": buildcache.FORMAT, "settings": "s"}
        store = Store(verify=False)
        store.memo(_square, 2)
        cache._store, cache._record = store, buildcache.SiteRecord("f", {})
        cache.keep_part(part)
        return cache

    part = tmp_path / "scratch" / "values.pickle"
    part.parent.mkdir()
    part.write_bytes(pickle.dumps({"values": {(f"{__name__}._square", (3,)): 9}, "derived": {}}))
    cache = cache_with_part(part)
    cache.save()
    assert cache.report["written"] and not part.exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["site.pickle"]  # the kept part is gone
    saved, why = buildcache.load(tmp_path / "cache" / "site.pickle", cache.header)
    assert why == "" and saved is not None
    assert saved.store.memo(_square, 3) == 9 and saved.store.memo(_square, 2) == 4
    assert saved.store.misses == 0

    (tmp_path / "cache" / "site.pickle").unlink()
    cache = cache_with_part(tmp_path / "scratch" / "gone.pickle")
    cache.save()
    assert not cache.report["written"] and "could not be kept" in cache.report["not_written_because"]
    assert not list((tmp_path / "cache").iterdir())
