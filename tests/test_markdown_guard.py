"""The markdown guard of `kb export` (kb_builder/markdown_guard.py): named fixtures
(tests/fixtures/markdown_guard/<name>.md and <name>.expected.md), and each expected page
rendered by Python-Markdown with the site's extensions, checked as the hostile site is
(hostile_checks): nothing the theme's scripts act on, no script, no handler."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import missing_expected
from hostile_checks import ArticleScan, Scan
from test_listindent import _converter

from kb_builder.markdown_guard import guard_page

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "markdown_guard"
CASES = sorted(p.name.removesuffix(".md") for p in FIXTURES.glob("*.md") if not p.name.endswith(".expected.md"))


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_every_fixture_has_its_expected_output():
    assert len(CASES) >= 10
    assert missing_expected(FIXTURES, CASES, ".expected.md") == []


@pytest.mark.parametrize("name", CASES)
def test_fixture(name):
    expected = _read(f"{name}.expected.md")
    assert guard_page(_read(f"{name}.md")) == expected
    assert guard_page(expected) == expected  # guarded once, left alone after


def test_text_that_is_not_hostile_is_left_as_it_is():
    assert _read("benign.expected.md") == _read("benign.md")


@pytest.fixture(scope="module")
def render():
    md = _converter()

    def convert(text: str) -> tuple[str, list[dict]]:
        md.reset()
        body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
        html = md.convert(body)
        return html, md.toc_tokens

    return convert


def _toc(tokens: list[dict]) -> list[dict]:
    return [t for token in tokens for t in [token, *_toc(token["children"])]]


@pytest.mark.parametrize("name", CASES)
def test_guarded_pages_render_nothing_the_theme_acts_on(name, render):
    html, tokens = render(_read(f"{name}.expected.md"))
    article = ArticleScan()
    article.feed(f'<article class="md-content__inner">{html}</article>')
    scan = Scan()
    scan.feed(html)
    assert article.problems == [] and scan.problems == []
    assert "<script" not in html and "<iframe" not in html
    for token in _toc(tokens):  # anchors and the labels the theme shortens into tooltips
        assert not token["id"].startswith("__") and "&lt;" not in token["name"], token


def test_unguarded_fixtures_do_render_what_the_theme_acts_on(render):
    """The fixtures are hostile: without the guard, Python-Markdown renders the markup."""
    found = {}
    for name in CASES:
        html, tokens = render(_read(f"{name}.md"))
        article, scan = ArticleScan(), Scan()
        article.feed(f'<article class="md-content__inner">{html}</article>')
        scan.feed(html)
        labels = [t["name"] for t in _toc(tokens) if "&lt;" in t["name"] or t["id"].startswith("__")]
        if article.problems or scan.problems or labels:
            found[name] = article.problems + scan.problems + labels
    assert set(found) == set(CASES) - {"benign"}


def test_headings_get_anchors_outside_the_themes_namespace(render):
    html, tokens = render(_read("headings.expected.md"))
    ids = [t["id"] for t in _toc(tokens)]
    assert ids[:5] == ["config", "配置-config", "search", "drawer", "palette-0"]
    assert "user-__code_0" in ids and 'class="kb-note"' in html
    assert ">__drawer<" in html.replace('<a class="headerlink"', "<").replace("¶", "")  # the text as written


def test_code_is_left_as_it_is():
    for name in ("fenced-blocks", "code-spans", "benign"):
        source, guarded = _read(f"{name}.md"), _read(f"{name}.expected.md")
        for code in re.findall(r"^( *)(```|~~~)[^\n]*\n(.*?)^\1\2$", source, re.S | re.M):
            assert code[2] in guarded
    assert '`<div class="container" id="__x" data-y="z">`' in _read("code-spans.expected.md")
