"""End-to-end: the real corpus and the sample content built into sites, looked at as HTML."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitecheck import broken_links, parse_page

REPO = Path(__file__).resolve().parents[1]
BOILERPLATE = ("答疑服务说明", "差评", "专家智能答疑服务", "### 反馈", "<font")


@pytest.fixture(scope="session")
def corpus_site(corpus_dir, tmp_path_factory):
    from kb_builder.sitebuild import build_site

    out = tmp_path_factory.mktemp("corpus-site") / "site"
    result = build_site(REPO / "mkdocs.yml", content=corpus_dir, site_dir=out)
    return out, result


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-site") / "site"
    proc = subprocess.run([sys.executable, "-m", "kb_builder", "build", "--site-dir", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_one_page_per_corpus_entry_with_display_title_as_h1(corpus_site, corpus):
    site, result = corpus_site
    pages = sorted((site / "q").glob("*/index.html"))
    assert len(pages) == len(corpus.entries) == 883
    by_id = {e.id: e for e in corpus.entries}
    for page in pages:
        parsed = parse_page(page)
        assert len(parsed.h1) == 1, page
        assert " ".join(parsed.h1[0].rstrip("¶").split()) == " ".join(by_id[page.parent.name].display_title.split())
    assert result.generated.corpus.files_seen == 883 and not result.generated.corpus.skipped


def test_a_cut_title_shows_the_question_and_the_full_question_stays(corpus_site, corpus):
    site, _ = corpus_site
    page = site / "q" / "question-history-11206" / "index.html"
    h1 = " ".join(parse_page(page).h1[0].rstrip("¶").split())
    assert h1 == "NacosException: http error, code=403,msg=user not found!,dataId=application-dev.yml," \
                 "group=DEFAULT_GROUP,tenant="
    assert 'id="问题"' not in page.read_text(encoding="utf-8")  # the heading is the whole question
    clipped = [e for e in corpus.entries if e.display_title.endswith("…")]
    assert len(clipped) >= 10
    for e in clipped:
        text = " ".join("".join(parse_page(site / "q" / e.id / "index.html").text).split())
        assert " ".join(e.question.split())[-30:] in text, e.id


def test_readers_see_no_source_path_and_readable_anchors_and_labels(corpus_site):
    site, _ = corpus_site
    for page in list((site / "q").glob("*/index.html"))[:200]:
        html = page.read_text(encoding="utf-8")
        assert "NACOS-user-question-history" not in html and "kb-meta__source" not in html, page
        ids = parse_page(page).ids
        assert "解答" in ids and not any(re.fullmatch(r"_\d+", i) for i in ids), page
        assert "本站使用" in html and "Made with" not in html, page


def test_entry_page_shows_question_and_answer_without_boilerplate(corpus_site, corpus):
    site, _ = corpus_site
    html = (site / "q" / "question-history-8457" / "index.html").read_text(encoding="utf-8")
    assert "HealthCheckRequest" in html  # from the answer
    assert "有遇到过nacos客户端不发送心跳检测的问题嘛" in html  # the question
    for page in (site / "q").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        for marker in BOILERPLATE:
            assert marker not in text, (page, marker)


def test_no_broken_internal_links_in_corpus_site(corpus_site):
    site, _ = corpus_site
    assert broken_links(site) == []


def test_navigation_does_not_list_every_entry(corpus_site):
    site, _ = corpus_site
    html = (site / "q" / "question-history-8457" / "index.html").read_text(encoding="utf-8")
    nav = html.split('<nav class="md-nav md-nav--primary', 1)[1].split("</nav>", 1)[0]
    assert nav.count("question-history-") < 20


def test_sample_site_builds_with_kb_build(sample_site):
    site, stdout = sample_site
    assert "entries in" in stdout and " 0 skipped" in stdout
    assert (site / "index.html").is_file()
    assert len(list((site / "q").glob("*/index.html"))) >= 12
    assert broken_links(site) == []


def test_sample_site_speaks_its_language_and_hides_source_paths(sample_site):
    site, _ = sample_site
    entries = list((site / "q").glob("*/index.html"))
    for page in [site / "index.html", *entries]:
        html = page.read_text(encoding="utf-8")
        assert "本站使用" in html and "Made with" not in html, page
    for page in entries:
        assert "content/question-history-" not in "".join(parse_page(page).text), page
        ids = parse_page(page).ids
        assert "解答" in ids and not any(re.fullmatch(r"_\d+", i) for i in ids), page


def test_mkdocs_build_directly_uses_the_plugin(tmp_path):
    out = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml", "-d", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (out / "tags" / "index.html").is_file()
    assert len(list((out / "q").glob("*/index.html"))) >= 12


def test_kb_export_writes_markdown_pages(tmp_path):
    out = tmp_path / "export"
    proc = subprocess.run([sys.executable, "-m", "kb_builder", "export", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    pages = list((out / "docs" / "q").glob("*.md"))
    assert len(pages) >= 12
    assert (out / "docs" / "index.md").is_file() and (out / "docs" / "tags" / "index.md").is_file()
    assert (out / "mkdocs.yml").is_file()  # tests/test_export.py: the folder builds without the plugin


def test_every_entry_page_reaches_a_tag_page(corpus_site):
    site, _ = corpus_site
    assert (site / "tags" / "index.html").is_file()
    for page in (site / "q").glob("*/index.html"):
        links = parse_page(page).links
        # a tag page, or for a tag on too few entries, a search for it
        assert any((href.startswith("../../tags/") and href != "../../tags/") or href.startswith("../../?q=")
                   for href in links), page


def test_corpus_site_has_hubs_error_index_and_related(corpus_site):
    site, result = corpus_site
    stats = result.generated.graph.stats
    hubs = [p for p in (site / "troubleshooting").glob("*/index.html")]
    assert len(hubs) >= 7
    errors_html = (site / "errors" / "index.html").read_text(encoding="utf-8")
    assert errors_html.count('id="e-') >= 50
    pages = list((site / "q").glob("*/index.html"))
    with_related = sum(1 for p in pages if re.search(r"<h2[^>]*>相关问题", p.read_text(encoding="utf-8")))
    # Fewer, better links (benchmarks/related_quality.py): a related question shares two
    # ordinary words and scores 0.3; about two entries in five have one.
    assert with_related == stats["entries_with_related"] >= 0.3 * len(pages)
    assert stats  # the build summary has numbers to print
