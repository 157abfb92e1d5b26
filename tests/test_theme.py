"""What the plugin adds to the site's theme (issue 16): kb's templates, styles and search
worker from the package (a site's custom_dir wins), the markdown extensions its pages
need, a clear error for a theme other than Material, and the search box wired or a
warning when a site's own main.html leaves nothing to wire."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from test_accounting import HOSTILE, kb

MINIMAL = "site_name: Theme test\ntheme: {theme}\nplugins: [search, kb]\n"


def _project(root: Path, theme: str = "material", custom: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(HOSTILE, root / "content")
    (root / "docs").mkdir()
    config = MINIMAL.format(theme=theme)
    if custom is not None:
        config = config.replace(f"theme: {theme}\n", f"theme:\n  name: {theme}\n  custom_dir: mine\n")
        for rel, text in custom.items():
            (root / "mine" / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / "mine" / rel).write_text(text, encoding="utf-8")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root


def _build(root: Path):
    return kb("build", "--processes", "1", cwd=root, timeout=300)


def _worker(page: Path) -> str | None:
    found = re.search(r'<script id="__config" type="application/json">(.*?)</script>',
                      page.read_text(encoding="utf-8"), re.S)
    return json.loads(found.group(1)).get("search") if found else None


def test_a_minimal_configuration_gets_the_markdown_extensions_kb_pages_need(tmp_path):
    root = _project(tmp_path / "site")
    proc = _build(root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (root / "site" / "q" / "hostile-tags" / "index.html").read_text(encoding="utf-8")
    assert "{ .kb-tag }" not in page and 'class="kb-tag"' in page  # attr_list
    assert '<div class="kb-meta">' in page and "markdown>" not in page  # md_in_html
    errors = (root / "site" / "errors" / "index.html").read_text(encoding="utf-8")
    assert "<dl>" in errors  # def_list: the error index is a definition list
    assert _worker(root / "site" / "q" / "hostile-tags" / "index.html").endswith("kb-search-worker.js")


def test_another_theme_is_a_clear_error(tmp_path):
    root = _project(tmp_path / "site", theme="mkdocs")
    proc = _build(root)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "needs the Material theme" in proc.stderr and "'mkdocs'" in proc.stderr
    assert not (root / "site").exists()


def test_custom_dir_overrides_kb_templates_and_files_and_keeps_search_wired(tmp_path):
    root = _project(tmp_path / "site", custom={
        "kb_entry.html": '{% extends "main.html" %}{% block content %}<p id="mine">my frame</p>'
                         '{{ super() }}{% endblock %}',
        "kb/meta-line.html": "MY-META-LINE",
        "assets/stylesheets/kb.css": "/* my kb.css */\n",
        # A site's own main.html, as Material's docs show them: extends base.html.
        "main.html": '{% extends "base.html" %}{% block announce %}Maintenance tonight{% endblock %}',
    })
    proc = _build(root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = root / "site" / "q" / "hostile-tags" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert '<p id="mine">my frame</p>' in html and "MY-META-LINE" in html and "Maintenance tonight" in html
    assert (root / "site" / "assets" / "stylesheets" / "kb.css").read_text(encoding="utf-8") == "/* my kb.css */\n"
    assert (root / "site" / "assets" / "javascripts" / "kb-search-worker.js").is_file()  # still kb's
    assert _worker(page).endswith("assets/javascripts/kb-search-worker.js")
    assert "search configuration" not in proc.stderr


def test_a_main_html_without_materials_configuration_is_warned_about(tmp_path):
    root = _project(tmp_path / "site", custom={
        "main.html": "<!doctype html><title>{{ page.title | e }}</title>{{ page.content }}"})
    proc = _build(root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"\d+ pages have no Material search configuration", proc.stderr)
    assert "will not find anything" in proc.stderr


@pytest.mark.parametrize("listed", ["attr_list", "markdown.extensions.attr_list"])
def test_extensions_the_site_lists_are_not_added_twice(listed):
    from types import SimpleNamespace

    from kb_builder import site_theme

    theme = SimpleNamespace(name="material", dirs=["/material"], custom_dir=None)
    config = SimpleNamespace(theme=theme, extra_css=[], markdown_extensions=["toc", listed])
    site_theme.install(config)
    assert config.markdown_extensions == ["toc", listed, "md_in_html", "def_list"]
    assert theme.dirs == [str(site_theme.THEME_DIR), "/material"]
    site_theme.install(config)  # a second build in the same process changes nothing
    assert theme.dirs == [str(site_theme.THEME_DIR), "/material"] and config.extra_css == [site_theme.STYLESHEET]
