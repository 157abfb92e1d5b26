"""The live preview equals a clean build after every kind of edit, in verify mode.

One `kb serve` session (the plugin's `Serving`, with `KB_VERIFY_CACHE=1`: every
remembered value is recomputed and compared) rebuilds a small site after each edit
of EDITS; a clean build of the same files into another folder must give the same
site, file by file.  The edits cover every field of an entry, entries added,
deleted and renamed, links between entries, generated pages appearing and going,
the site's hub rules, a hub's order and its former slugs (redirect pages), glossary and
`mkdocs.yml` options, and the `updated` field, which reaches the pages through the model,
the schema and the templates alone.
"""
from __future__ import annotations

import gzip
import logging
import re
import shutil
from pathlib import Path

import pytest

from kb_builder.sitebuild import load_config

REPO = Path(__file__).resolve().parents[1]
KEEP = ["question-history-90001.md", "question-history-90002.md", "question-history-90004.md",
        "question-history-90006.md", "question-history-90013.md"]

CONFIG = """\
site_name: Live
docs_dir: docs
theme:
  name: material
  language: zh
plugins:
  - search
  - kb:
      content_dir: content
      site_tags: [nacos]
      related: {related}
      hubs: hubs.yml
      glossary: glossary.yml
markdown_extensions:
  - attr_list
  - md_in_html
  - def_list
  - tables
  - toc:
      permalink: true
"""

HUBS = """\
removed: %s
hubs:
  - slug: ports
    formerly: %s
    title: {zh: 端口, en: Ports}
    match: {keywords: [端口, %s]}
    groups:
      - slug: refused
        title: {zh: 拒绝连接, en: Refused}
        match: {keywords: [connection refused]}
"""


def _site(root: Path, related: int = 5, hub_word: str = "9848", formerly: str = "[]", removed: str = "[]") -> None:
    (root / "mkdocs.yml").write_text(CONFIG.format(related=related), encoding="utf-8")
    (root / "hubs.yml").write_text(HUBS % (removed, formerly, hub_word), encoding="utf-8")


def _file(root: Path, name: str) -> Path:
    return root / "content" / name


def _edit(path: Path, pattern: str, repl: str) -> None:
    text, n = re.subn(pattern, repl, path.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert n == 1, (path, pattern)
    path.write_text(text, encoding="utf-8")


def _front(path: Path, key: str, value: str) -> None:
    """Set a front-matter key (added when absent)."""
    text = path.read_text(encoding="utf-8")
    if re.search(rf"(?m)^{key}:", text):
        _edit(path, rf"^{key}:.*$", f"{key}: {value}")
    else:
        _edit(path, r"^---\n", f"---\n{key}: {value}\n")


def _answer(path: Path, text: str) -> None:
    _edit(path, r"^## 专家官方解答.*$", lambda m: m.group(0) + f"\n\n{text}\n")


A, B, C, D, E = KEEP

EDITS = [
    ("title", lambda r: _front(_file(r, A), "title", '"改过的标题 kbtitle"')),
    ("question", lambda r: _edit(_file(r, B), r"^## 用户问题 ：.*$", lambda m: m.group(0) + "\n新的问题描述 kbquestion")),
    ("answer", lambda r: _answer(_file(r, C), "新增的解答段落 kbanswer。")),
    ("tags: a new tag", lambda r: _front(_file(r, D), "tags", '["全新标签kbtag", "spring-boot"]')),
    ("a tag gains its second entry: a page", lambda r: _front(_file(r, E), "tags", '["全新标签kbtag", "spring-boot"]')),
    ("a tag loses its second entry: a redirect", lambda r: _front(_file(r, E), "tags", '["spring-boot"]')),
    ("keywords", lambda r: _front(_file(r, D), "keywords", '["配置刷新", "kbkeyword"]')),
    ("date", lambda r: _front(_file(r, E), "date", '"2021-01-02"')),
    ("updated", lambda r: _front(_file(r, E), "updated", '"2025-03-04"')),
    ("category", lambda r: _front(_file(r, A), "category", "kbCategory")),
    ("references", lambda r: _edit(_file(r, C), r"^## 参考链接 ：.*$",
                                   lambda m: m.group(0) + "\n\n* 专家经验：改过的标题 kbtitle")),
    ("a new error signature", lambda r: _front(_file(r, E), "title",
                                               '"启动报错 java.lang.IllegalStateException: kb broke down here"')),
    ("hub membership", lambda r: _front(_file(r, E), "title", '"端口 9848 connection refused 怎么办"')),
    # C and E share a hub group, E first (the newer); a backlink puts C first (hubs.assign_hubs)
    ("a backlink reorders a hub", lambda r: _answer(_file(r, D), f"另见 [端口那一条](./{C})。")),
    ("a link to another entry", lambda r: _answer(_file(r, B), f"另见 [这一条](./{A})。")),
    ("add an entry", lambda r: (r / "content" / "kb-added.md").write_text(
        _file(r, C).read_text(encoding="utf-8").replace("question-history-90004", "kb-added"), encoding="utf-8")),
    ("rename a file", lambda r: _file(r, "kb-added.md").rename(_file(r, "kb-added-renamed.md"))),
    ("a tag loses its last entry", lambda r: _front(_file(r, D), "tags", '["spring-boot"]')),
    ("delete an entry", lambda r: _file(r, A).unlink()),
    ("hub rules", lambda r: _site(r, hub_word="8848")),
    ("a hub's former slugs", lambda r: _site(r, hub_word="8848", formerly="[port-numbers, network]",
                                             removed="[old-guide]")),
    ("a former slug dropped, another one moved", lambda r: _site(r, hub_word="8848", formerly="[old-guide]",
                                                                 removed="[network]")),
    ("site glossary", lambda r: (r / "glossary.yml").write_text("groups:\n  - [kbanswer, 答案标记]\n",
                                                                encoding="utf-8")),
    ("mkdocs.yml options", lambda r: _site(r, related=2, hub_word="8848", formerly="[old-guide]", removed="[network]")),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    (root / "content").mkdir()
    (root / "docs").mkdir()
    for name in KEEP:
        shutil.copy(REPO / "content" / name, root / "content" / name)
    (root / "glossary.yml").write_text("groups:\n  - [kbanswer, 解答段落]\n", encoding="utf-8")
    _site(root)
    return root


def _build(root: Path, site: Path, dirty: bool) -> None:
    from mkdocs.commands.build import build

    config, _ = load_config(root / "mkdocs.yml", None, site)  # a new configuration per build, as serve makes
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    build(config, dirty=dirty)


def _files(site: Path) -> dict[str, bytes]:
    out = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not rel.startswith("_kb_index/"):
            data = path.read_bytes()
            out[rel] = gzip.decompress(data) if rel.endswith(".gz") else data  # gzip headers hold a time
    return out


def test_every_kind_of_edit_leaves_the_live_site_equal_to_a_clean_build(root, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_VERIFY_CACHE", "1")
    config, plugin = load_config(root / "mkdocs.yml")
    config.plugins.on_startup(command="serve", dirty=True)
    live = tmp_path / "live"
    try:
        assert plugin.serving.session.store.verify
        _build(root, live, dirty=True)
        for name, edit in EDITS:
            edit(root)
            _build(root, live, dirty=True)
            assert plugin.serving.wait_for_index(300), name
            clean = tmp_path / "clean"
            shutil.rmtree(clean, ignore_errors=True)
            serving, plugin.serving = plugin.serving, None  # a clean build: a new session
            try:
                _build(root, clean, dirty=False)
            finally:
                plugin.serving = serving
            a, b = _files(live), _files(clean)
            assert sorted(a) == sorted(b), (name, set(a) ^ set(b))
            assert [p for p in b if a[p] != b[p]] == [], name
        assert plugin.serving.session.store.hits > 0
    finally:
        plugin.stop_serving()
    site = _files(live)
    page = site["q/question-history-90013/index.html"].decode()
    assert "更新于 2025-03-04" in page  # the `updated` field reached the entry page
    # the hub's former slugs: the one dropped is gone, the others lead to the hub or the index
    assert "troubleshooting/port-numbers/index.html" not in site
    assert 'url=../ports/"' in site["troubleshooting/old-guide/index.html"].decode()
    assert 'url=../"' in site["troubleshooting/network/index.html"].decode()
