"""The folder `kb export` writes from the hostile fixtures, built by plain MkDocs with kb
not even importable, is as safe as the site the kb plugin builds (issue 16): the same
checks as tests/test_security.py (hostile_checks), on every page, in Chromium too.

Without the plugin nothing guards the HTML, so the exported markdown itself carries
nothing the theme's scripts act on (kb_builder/markdown_guard.py): attribute lists,
fenced-block options, raw tags, titles and headings of entries and generated pages.
"""
from __future__ import annotations

import shutil

import pytest
import yaml
from hostile_checks import (HOSTILE, assert_every_page_runs_no_injected_script, browser, config_with_every_feature,
                            injected_markup, theme_ids, theme_reads)
from test_accounting import kb
from test_export import kb_free_mkdocs


@pytest.fixture(scope="module")
def exported_site(tmp_path_factory):
    """The hostile fixtures exported with every theme feature on, then built by MkDocs."""
    content = tmp_path_factory.mktemp("hostile-content") / "content"
    shutil.copytree(HOSTILE, content)
    config = config_with_every_feature(tmp_path_factory.mktemp("hostile-config"))
    root = tmp_path_factory.mktemp("hostile-export")
    out, site = root / "out", root / "site"
    proc = kb("export", "--config", str(config), "--content", str(content), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = kb_free_mkdocs(out, site)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, site


def test_the_exported_site_is_built_without_kb(exported_site):
    out, site = exported_site
    config = (out / "mkdocs.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(config)["plugins"] == ["search"] and "python/name:kb_builder" not in config
    entries = {p.parent.name for p in (site / "q").glob("*/index.html")}
    assert entries == {p.stem for p in (out / "docs" / "q").glob("*.md")}
    assert len(entries) == len(list(HOSTILE.glob("*.md")))


def test_no_injected_markup_in_the_exported_site(exported_site):
    _, site = exported_site
    assert len(list(site.rglob("*.html"))) > 20
    assert injected_markup(site) == {}


def test_exported_entries_carry_nothing_the_theme_reads(exported_site):
    _, site = exported_site
    assert theme_reads(site) == {}
    plain = theme_ids(site / "q" / "hostile-data-attributes" / "index.html")
    for entry in ("hostile-clobber-headings", "hostile-clobber-config", "hostile-clobber-fence"):
        assert theme_ids(site / "q" / entry / "index.html") == plain, entry  # only the theme's own ids


@pytest.mark.browser
def test_exported_pages_run_no_injected_script(exported_site, browser):
    """tests/test_security.py's browser run, on the exported site."""
    _, site = exported_site
    assert_every_page_runs_no_injected_script(site, browser)


@pytest.mark.corpus
def test_the_real_corpus_exports_unchanged(corpus_dir, tmp_path):
    """Text that is not hostile is exported as it is: every generated page of the Nacos
    corpus is written byte for byte as kb generated it (the guard changes none)."""
    from kb_builder.export import export

    result = export(None, corpus_dir, tmp_path / "out")
    docs, pages = tmp_path / "out" / "docs", result.generated.pages
    changed = sorted(uri for uri, page in pages.items() if (docs / uri).read_text(encoding="utf-8") != page.text)
    assert len(pages) > 1000 and changed == []
