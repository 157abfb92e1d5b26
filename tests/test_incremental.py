"""Live preview (`kb serve`): after one entry changes, a dirty rebuild renders only the pages
that changed, and the site equals a clean build of the new content (tags, hubs, related
questions, backlinks, the home page and both search indexes included)."""
from __future__ import annotations

import gzip
import logging
import re
import shutil
from pathlib import Path

import pytest

from kb_builder import search, siteindex
from kb_builder.serving import SERVE_BUILD_TYPE, PageRecord, Serving
from kb_builder.sitebuild import load_config

REPO = Path(__file__).resolve().parents[1]


def _build(content: Path, site: Path, dirty: bool) -> None:
    from mkdocs.commands.build import build

    # As MkDocs' live-reload server does: a fresh configuration (and plugin) for every rebuild.
    config, _ = load_config(REPO / "mkdocs.yml", content, site)
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    build(config, dirty=dirty)


@pytest.fixture()
def serving():
    """`kb serve` mode: the kb plugin (MkDocs keeps one instance per process) holds one
    `Serving` across rebuilds; yields the plugin."""
    config, plugin = load_config(REPO / "mkdocs.yml")
    config.plugins.on_startup(command="serve", dirty=True)
    try:
        yield plugin
    finally:
        plugin.stop_serving()


def _clean_build(plugin, content: Path, site: Path) -> None:
    """A clean build in the middle of a serve session, which stays as it was."""
    kept, plugin.serving = plugin.serving, None
    try:
        _build(content, site, dirty=False)
    finally:
        plugin.serving = kept


def _pages(site: Path) -> dict[str, bytes]:
    out = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if not path.is_file() or rel.startswith("_kb_index/"):
            continue
        data = path.read_bytes()
        if rel.endswith(".gz"):  # gzip headers carry a timestamp
            data = gzip.decompress(data)
        out[rel] = data
    return out


def _mtimes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}


def _set_front_matter(path: Path, key: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    text, n = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
    assert n == 1, (path, key)
    path.write_text(text, encoding="utf-8")


@pytest.fixture()
def content(tmp_path):
    src = REPO / "content"
    dest = tmp_path / "content"
    shutil.copytree(src, dest)
    yield dest


def test_serve_uses_dirty_rebuilds():
    assert SERVE_BUILD_TYPE == "dirty"


def test_edit_one_entry_rebuilds_only_what_changed_and_matches_a_clean_build(content, tmp_path, serving):
    live = tmp_path / "live"
    _build(content, live, dirty=True)  # the first build of `kb serve`
    before = _mtimes(live)
    entry_pages = [p for p in before if p.startswith("q/")]
    assert len(entry_pages) >= 10

    # A second rebuild with nothing changed renders no generated page.
    _build(content, live, dirty=True)
    assert _mtimes(live) == {p: t for p, t in _mtimes(live).items()}
    unchanged = _mtimes(live)
    assert all(unchanged[p] == before[p] for p in entry_pages)

    # Edit one entry: a new title, a new tag and new text.
    target = sorted(content.glob("*.md"))[3]
    entry_id = re.search(r'(?m)^id:\s*"?([^"\n]+)', target.read_text(encoding="utf-8")).group(1).strip()
    _set_front_matter(target, "title", '"增量构建标题 kbincremental"')
    text = target.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^tags:\s*\[", 'tags: ["增量标签", ', text, count=1) if re.search(r"(?m)^tags:\s*\[", text) \
        else text.replace("\n---\n", '\ntags: ["增量标签"]\n---\n', 1)
    target.write_text(text, encoding="utf-8")

    _build(content, live, dirty=True)
    after = _mtimes(live)
    rewritten = {p for p in after if after[p] != before.get(p)}
    assert f"q/{entry_id}/index.html" in rewritten
    # only the pages that show the entry are rendered again, not the whole site
    assert len([p for p in rewritten if p.startswith("q/")]) < len(entry_pages) / 2, sorted(rewritten)
    page = (live / "q" / entry_id / "index.html").read_text(encoding="utf-8")
    assert "增量构建标题" in page

    # Everything equals a clean build of the edited content: entry pages, tag pages
    # (the new tag's page included), hubs, related questions, backlinks, home, browser index.
    clean = tmp_path / "clean"
    _clean_build(serving, content, clean)
    # The whoosh index is written into the live site in the background: compared once done.
    assert serving.serving.wait_for_index(300)
    live_pages, clean_pages = _pages(live), _pages(clean)
    assert sorted(live_pages) == sorted(clean_pages)
    differing = [p for p in clean_pages if live_pages[p] != clean_pages[p]]
    assert differing == []
    assert any(p.startswith("tags/") and "增量标签".encode() in clean_pages[p] for p in clean_pages
               if p != "tags/index.html")

    # The whoosh index of the live site has the new text.
    index = search.open_index(siteindex.index_dir(live, serving=True))
    try:
        hits = search.search(index, "kbincremental")
    finally:
        index.close()
    assert hits and hits[0].id == entry_id


def test_remembered_segmentations_give_the_same_site(content, tmp_path, serving):
    """`kb serve` remembers cuts across rebuilds: a title edit, then nothing, then a clean build."""
    import json

    live = tmp_path / "live"
    _build(content, live, dirty=True)
    target = sorted(content.glob("*.md"))[2]
    _set_front_matter(target, "title", '"记住分词 kbremembered"')
    _build(content, live, dirty=True)
    _build(content, live, dirty=True)
    assert serving.serving.wait_for_index(300)
    clean = tmp_path / "clean"
    _clean_build(serving, content, clean)
    live_pages, clean_pages = _pages(live), _pages(clean)
    assert sorted(live_pages) == sorted(clean_pages)
    assert [p for p in clean_pages if live_pages[p] != clean_pages[p]] == []
    where = (siteindex.index_dir(live, serving=True), siteindex.index_dir(clean))
    meta = [json.loads((folder / search.META_FILE).read_text(encoding="utf-8")) for folder in where]
    # What the index holds, not how it lies on disk: the live one is a base and a delta when
    # the writer of the edit before finished first, a single base when it was replaced
    # unfinished ("base" and "order" say which; the suite saw both).
    layout = ("base", "order")
    assert {k: v for k, v in meta[0].items() if k not in layout} == {k: v for k, v in meta[1].items() if k not in layout}
    found = []
    for folder in where:
        index = search.open_index(folder)
        try:
            found.append([(hit.id, round(hit.score, 6)) for hit in search.search(index, "记住分词 kbremembered")])
        finally:
            index.close()
    assert found[0] == found[1] and found[0][0][0] == target.stem.replace("NACOS-user-", "")


def test_deleted_entry_leaves_no_stale_page(content, tmp_path, serving):
    live = tmp_path / "live"
    _build(content, live, dirty=True)
    target = sorted(content.glob("*.md"))[5]
    entry_id = re.search(r'(?m)^id:\s*"?([^"\n]+)', target.read_text(encoding="utf-8")).group(1).strip()
    assert (live / "q" / entry_id / "index.html").is_file()
    target.unlink()
    _build(content, live, dirty=True)
    assert not (live / "q" / entry_id / "index.html").exists()
    assert serving.serving.wait_for_index(300)  # its temporary folder is in the live site until done
    clean = tmp_path / "clean"
    _clean_build(serving, content, clean)
    assert sorted(p for p in _pages(live) if p.endswith(".html")) == \
        sorted(p for p in _pages(clean) if p.endswith(".html"))


def test_failed_build_makes_the_next_one_render_everything(content, tmp_path, serving):
    live = tmp_path / "live"
    _build(content, live, dirty=True)
    assert serving.serving.record_of(str(live))
    record = serving.serving.page_record(str(live), "fingerprint")  # a build that starts and never commits
    assert isinstance(record, PageRecord) and serving.serving.record_of(str(live)) == {}


def test_answer_edit_added_and_deleted_entries_match_a_clean_build(content, tmp_path, serving):
    """What the graph keeps between rebuilds (link._LAST), remembered reads and renders and the
    page record's hashes: after an answer edit, a new entry and a deleted one, the live site
    (related questions, backlinks, tags, hubs, home, search index) equals a clean build."""
    live = tmp_path / "live"
    _build(content, live, dirty=True)
    files = sorted(content.glob("*.md"))

    def check() -> None:
        _build(content, live, dirty=True)  # reuses what the session kept
        assert serving.serving.wait_for_index(300)  # it writes into the live site
        clean = tmp_path / "clean"
        if clean.exists():
            shutil.rmtree(clean)
        _clean_build(serving, content, clean)  # computes everything from scratch
        live_pages, clean_pages = _pages(live), _pages(clean)
        assert sorted(live_pages) == sorted(clean_pages)
        assert [p for p in clean_pages if live_pages[p] != clean_pages[p]] == []

    # An answer only: the graph's inputs are unchanged, the entry page is not.
    target = files[1]
    text, n = re.subn(r"(?m)^## (?:专家官方解答|Answer).*$", lambda m: m.group(0) + "\n\n答案新增段落 kbanswer。\n",
                      target.read_text(encoding="utf-8"), count=1)
    assert n == 1
    target.write_text(text, encoding="utf-8")
    check()
    assert "kbanswer" in (live / "q" / _entry_id(target) / "index.html").read_text(encoding="utf-8")

    # A new entry asking what another one asks (related questions and duplicates change).
    source = files[4].read_text(encoding="utf-8")
    new = re.sub(r'(?m)^id:.*$', 'id: "kb-added-entry"', source, count=1)
    (content / "kb-added-entry.md").write_text(new, encoding="utf-8")
    check()
    assert (live / "q" / "kb-added-entry" / "index.html").is_file()

    # A deleted entry: gone from related lists, tags and hubs.
    gone = _entry_id(files[6])
    files[6].unlink()
    check()
    assert not (live / "q" / gone / "index.html").exists()


def _entry_id(path: Path) -> str:
    return re.search(r'(?m)^id:\s*"?([^"\n]+)', path.read_text(encoding="utf-8")).group(1).strip()


def test_serve_keeps_compiled_templates_until_their_source_changes(monkeypatch):
    """MkDocs makes a new Jinja environment per rebuild; under kb serve compiled
    templates are reused, and a template whose source changed is compiled again."""
    import jinja2

    serving = Serving()
    cache = serving.template_code()
    assert serving.template_code() is cache
    sources = {"t.html": "{{ x }}!"}
    first = jinja2.Environment(loader=jinja2.DictLoader(sources), bytecode_cache=cache)
    assert first.get_template("t.html").render(x=1) == "1!"

    def env_counting(compiled):
        env = jinja2.Environment(loader=jinja2.DictLoader(sources), bytecode_cache=cache)
        real = env.compile
        monkeypatch.setattr(env, "compile", lambda *a, **k: compiled.append(a[1:2]) or real(*a, **k))
        return env

    compiled: list = []
    assert env_counting(compiled).get_template("t.html").render(x=2) == "2!"
    assert compiled == []
    sources["t.html"] = "{{ x }}?"
    assert env_counting(compiled).get_template("t.html").render(x=3) == "3?"
    assert compiled == [("t.html",)]
