"""mkdocs_adapter pins what it mirrors of MkDocs: rendering with one shared Markdown
converter gives, page for page, what `Page.render` gives with a converter of its own
(HTML, table of contents, title, anchors), whatever was rendered before on the converter."""
from __future__ import annotations

from pathlib import Path

import pytest

mkdocs_config = pytest.importorskip("mkdocs.config")
from mkdocs.structure.files import Files  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402

from kb_builder import mkdocs_adapter  # noqa: E402

PAGES = {
    "a/index.md": "# 标题 A\n\n正文 [链接](../b/index.md#sec) 和 [外部](https://example.org)。\n\n## 第一节\n\n"
                  "!!! note \"提示\"\n    注意事项\n\n```yaml\nkey: value\n```\n",
    "b/index.md": "# Title B {: #custom }\n\n## sec\n\nText with `code` and <span id=\"raw\">raw</span>.\n\n"
                  "- one\n    - nested\n- two\n\n[back](../a/index.md)\n",
    "c/index.md": "## 第一节\n\nThe same heading as a page before, only [a missing page](../nowhere.md) and a [dead anchor](../b/index.md#gone).\n",
}


@pytest.fixture
def site(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nmarkdown_extensions:\n  - attr_list\n  - admonition\n  - toc:\n      permalink: true\n"
        "  - pymdownx.superfences\n", encoding="utf-8")
    config = mkdocs_config.load_config(str(tmp_path / "mkdocs.yml"))
    config.plugins._current_plugin = "kb"  # what MkDocs sets while a plugin's event runs
    files = Files([mkdocs_adapter.GeneratedFile.make(config, uri, text, in_nav=False) for uri, text in PAGES.items()])
    return config, files


def _page(config, files, uri: str) -> Page:
    page = Page(None, files.get_file_from_path(uri), config)
    page.read_source(config)
    return page


def _state(page: Page) -> tuple:
    return (page.content, [(t.id, t.title, t.level, [(c.id, c.title) for c in t.children]) for t in page.toc],
            page.title, sorted(page.present_anchor_ids), sorted(page.links_to_anchors.items(), key=str)
            if page.links_to_anchors else None)


def test_this_mkdocs_has_what_the_adapter_mirrors():
    assert mkdocs_adapter.supported()


@pytest.mark.parametrize("order", [list(PAGES), list(reversed(PAGES))])
def test_a_shared_converter_renders_each_page_as_mkdocs_does(site, order):
    config, files = site
    shared = mkdocs_adapter.SharedConverter(config)
    for uri in order:
        ours, theirs = _page(config, files, uri), _page(config, files, uri)
        shared.render(ours, files)
        theirs.render(config, files)
        assert _state(ours) == _state(theirs), uri
    assert shared._md is not None  # one converter served every page


def test_generated_files_skip_dirty_builds_only_when_told(site):
    config, files = site
    file = files.get_file_from_path("a/index.md")
    assert file.is_modified()  # a generated page without a built copy is new
    file.kb_unchanged = True
    assert not file.is_modified()
    file.kb_unchanged, file.kb_elsewhere = False, True
    assert not file.is_modified()


def test_dest_path_and_nav_uris_follow_mkdocs(site):
    config, files = site
    assert mkdocs_adapter.dest_path(config, "a/index.md") == files.get_file_from_path("a/index.md").abs_dest_path
    assert mkdocs_adapter.nav_uris([{"Home": "index.md"}, {"Part": ["x/./y.md", {"Deep": "z.md"}]}]) == \
        {"index.md", "x/y.md", "z.md"}


def test_mkdocs_makes_no_page_for_a_file_that_has_one(site):
    """What `KeptFiles` relies on: `get_navigation` leaves a documentation file's page as it is."""
    from mkdocs.structure.nav import get_navigation

    config, files = site
    config["nav"] = ["b/index.md"]
    kept = files.get_file_from_path("a/index.md")
    page = Page(None, kept, config)
    nav = get_navigation(files, config)
    assert kept.page is page
    assert files.get_file_from_path("c/index.md").page is not None  # the others get theirs
    assert [p.file.src_uri for p in nav.pages] == ["b/index.md"]


def test_kept_files_are_the_same_source_s_in_the_same_site(site):
    config, _ = site
    kept = mkdocs_adapter.KeptFiles()
    source, other = object(), object()

    def build(made_from):
        kept.start(config)
        found = {}
        for uri, src in made_from.items():
            file = kept.get(uri, src) or mkdocs_adapter.GeneratedFile.make(config, uri, "# x\n", in_nav=False)
            kept.keep(uri, src, file)
            found[uri] = file
        kept.end()
        return found

    first = build({"a/index.md": source, "b/index.md": source})
    page = Page(None, first["b/index.md"], config)
    page.content = "<p>html</p>"
    kept.written()
    assert page.content is None  # a kept page lets go of its HTML once written
    page_a = Page(None, first["a/index.md"], config)
    page_a.update_date = "2000-01-01"
    second = build({"a/index.md": source, "b/index.md": other})
    assert second["a/index.md"] is first["a/index.md"]  # the same page object: the same file
    assert page_a.update_date == Page(None, second["b/index.md"], config).update_date  # dated as a new one
    assert second["b/index.md"] is not first["b/index.md"]  # made from another page: a new one
    assert first["b/index.md"].page is None  # the file dropped lets go of its page
    config["site_dir"] = str(Path(config["site_dir"]) / "elsewhere")
    third = build({"a/index.md": source})
    assert third["a/index.md"] is not second["a/index.md"]  # another site: nothing kept
    kept.clear()
    assert kept.get("a/index.md", source) is None


# ------------------------------------------------------------------------ theme environments

@pytest.fixture
def material_site(tmp_path: Path):
    pytest.importorskip("material")
    (tmp_path / "docs").mkdir()
    (tmp_path / "overrides").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ntheme:\n  name: material\n  language: zh\n  custom_dir: overrides\nplugins:\n  - search\n",
        encoding="utf-8")

    def load():
        return mkdocs_config.load_config(str(tmp_path / "mkdocs.yml"))
    return tmp_path, load


def _theme_files(config) -> list[str]:
    files = Files([])
    files.add_files_from_theme(config.theme.get_env(), config)
    return sorted(f.src_uri for f in files)


def test_theme_environments_list_the_same_files_and_translate_alike(material_site):
    from kb_builder.serving import template_code

    folder, load = material_site
    plain = load()
    envs = mkdocs_adapter.ThemeEnvs(template_code({}))
    ours = load()
    envs.install(ours)
    assert _theme_files(ours) == _theme_files(plain) and len(_theme_files(plain)) > 10
    later = load()  # the configuration of a later rebuild: what was compiled and listed is reused
    envs.install(later)
    assert _theme_files(later) == _theme_files(plain)
    # Material's search plugin asks the theme's language template in its on_config
    searched = []
    for config in (plain, ours, later):
        config.plugins["material/search"].on_config(config)
        found = config.plugins["material/search"].config
        searched.append((found.lang, found.separator, found.pipeline))
    assert searched[0] == searched[1] == searched[2]
    env = ours.theme.get_env()
    assert env.bytecode_cache is envs.code and env.get_template("main.html") is not None


def test_theme_environments_walk_the_edited_folder_every_time(material_site):
    from kb_builder.serving import template_code

    folder, load = material_site
    envs = mkdocs_adapter.ThemeEnvs(template_code({}))
    first = load()
    envs.install(first)
    before = _theme_files(first)
    (folder / "overrides" / "extra.css").write_text("a {}", encoding="utf-8")  # a site's own file, added
    again = load()
    envs.install(again)
    assert _theme_files(again) == sorted([*before, "extra.css"])
