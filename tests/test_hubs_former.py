"""A hub's former addresses keep answering: the rules' `formerly:` (a renamed hub) and
`removed:` (a hub that is gone) become redirect pages, as tags without a page do; a
former slug that is a live hub's, listed twice or not a slug is refused with the file and
line."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from kb_builder import hubs, link, normalize, tags
from kb_builder.model import Entry
from kb_builder.pages import render_site
from kb_builder.pipeline import Settings, render_context

RULES = """\
removed: [old-guide]
hubs:
  - slug: ports
    formerly: [port-numbers, network]
    title: {zh: "端口<b>问题</b>", en: Ports}
    match: {keywords: [端口]}
  - slug: empty
    formerly: [was-empty]
    title: {zh: 空的, en: Empty}
    match: {keywords: [不会出现的词]}
"""


def _entries() -> list[Entry]:
    return [Entry(id=f"port-{i}", title=f"端口 {i} 被占用怎么办", question=f"端口 {i} 被占用怎么办", answer="换一个端口。",
                  source_path=f"port-{i}.md", date="2024-01-01") for i in range(3)]


def _render(tmp_path: Path, rules: str = RULES, entries: list[Entry] | None = None):
    path = tmp_path / "hubs.yml"
    path.write_text(rules, encoding="utf-8")
    settings = Settings(content_dir=tmp_path, lang="zh", hubs_file=path)
    normalized = normalize.normalize_corpus(_entries() if entries is None else entries, tags.load_tag_settings())
    return render_site(render_context(settings, normalized, link.build_graph(normalized, hub_rules=path)))


def test_rules_read_former_slugs():
    rules = hubs.hub_rules_from_text(RULES, "hubs.yml")
    assert rules.former == (("port-numbers", "ports"), ("network", "ports"), ("was-empty", "empty"),
                            ("old-guide", None))


def test_a_former_address_redirects_to_the_hub_or_to_the_guides_index(tmp_path):
    pages, redirects = _render(tmp_path)
    assert "troubleshooting/ports.md" in pages and "troubleshooting/port-numbers.md" not in pages
    moved = redirects["troubleshooting/port-numbers.md"]
    assert '<meta http-equiv="refresh" content="0; url=../ports/">' in moved
    assert '<link rel="canonical" href="../ports/">' in moved and '<meta name="robots" content="noindex">' in moved
    assert "此排障指南现在位于" in moved
    assert "<b>" not in moved and "端口&lt;b&gt;问题&lt;/b&gt;" in moved  # the hub's title, escaped
    assert 'url=../ports/"' in redirects["troubleshooting/network.md"]
    for gone in ("troubleshooting/old-guide.md", "troubleshooting/was-empty.md"):  # no page to go to: the index
        assert '<meta http-equiv="refresh" content="0; url=../">' in redirects[gone], gone
        assert "故障排查" in redirects[gone]
    # a site without guides has no index for them to lead to
    entries = [Entry(id="other", title="别的问题", question="别的问题", answer="答案。", source_path="other.md")]
    pages, redirects = _render(tmp_path, entries=entries)
    assert not any(uri.startswith("troubleshooting/") for uri in [*pages, *redirects])


def test_the_shipped_rules_keep_the_old_hub_addresses():
    former = dict(hubs.load_hub_rules().former)
    assert former == {"config-refresh": "config-not-applied", "monitoring": "logs-monitoring",
                      "concepts": None, "client-integration": None, "config-management": None}


@pytest.mark.parametrize("text, line, words", [
    # a former slug that is a live hub's: the hub's page is at that address
    ("hubs:\n  - slug: ports\n    formerly: [network]\n  - slug: network\n", 3, "slug of a live hub (hubs[1])"),
    ("removed:\n  - zz\n  - ports\nhubs:\n  - slug: ports\n", 3, "slug of a live hub (hubs[0])"),
    # one former address, two places
    ("hubs:\n  - slug: a\n    formerly: [old]\n  - slug: b\n    formerly:\n      - new\n      - old\n", 7,
     "already listed at hubs[0].formerly[0]"),
    ("removed: [old]\nhubs:\n  - slug: a\n    formerly: [old]\n", 1, "already listed at hubs[0].formerly[0]"),
    # not a slug: it becomes a path
    ("hubs:\n  - slug: a\n    formerly: ['../etc']\n", 3, "'../etc' is not a slug"),
    ("hubs:\n  - slug: a\n    formerly: ['<script>']\n", 3, "is not a slug"),
    ("hubs:\n  - slug: a\n    formerly: old\n", 3, "expected a list of slugs"),
    # the guides' index is troubleshooting/index
    ("hubs:\n  - slug: a\n    formerly: [index]\n", 3, "'index' is not a slug"),
    ("hubs:\n  - slug: a\n  - slug: index\n", 3, "'slug' must be unique"),
])
def test_bad_former_slugs_are_refused_with_the_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "hubs.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(hubs.HubRulesError) as caught:
        hubs.load_hub_rules(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert words in str(caught.value)


def _site(root: Path, rules: str) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "docs").mkdir()
    for entry in _entries():
        front = json.dumps({"id": entry.id, "title": entry.title, "date": entry.date}, ensure_ascii=False)
        (root / "content" / f"{entry.id}.md").write_text(f"---\n{front}\n---\n\n{entry.answer}\n", encoding="utf-8")
    (root / "hubs.yml").write_text(rules, encoding="utf-8")
    (root / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: Former
        site_url: https://example.org/kb/
        theme: {name: material, language: zh}
        plugins:
          - search
          - kb:
              hubs: hubs.yml
        """), encoding="utf-8")
    return root / "mkdocs.yml"


def test_a_build_writes_the_redirect_pages_outside_the_sitemap(tmp_path):
    from kb_builder.sitebuild import build_site

    site = build_site(_site(tmp_path, RULES), site_dir=tmp_path / "site").site_dir
    page = (Path(site) / "troubleshooting" / "port-numbers" / "index.html").read_text(encoding="utf-8")
    assert 'http-equiv="refresh" content="0; url=../ports/"' in page
    assert (Path(site) / "troubleshooting" / "old-guide" / "index.html").is_file()
    sitemap = (Path(site) / "sitemap.xml").read_text(encoding="utf-8")
    assert "troubleshooting/ports/" in sitemap and "port-numbers" not in sitemap and "old-guide" not in sitemap


def test_a_build_with_a_colliding_former_slug_fails_naming_the_file_and_line(tmp_path, caplog):
    from mkdocs.exceptions import MkDocsException

    from kb_builder.sitebuild import build_site

    config = _site(tmp_path, "hubs:\n  - slug: ports\n    match: {keywords: [端口]}\n  - slug: net\n"
                             "    formerly: [ports]\n")
    with pytest.raises(MkDocsException):
        build_site(config, site_dir=tmp_path / "site")
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    # one line, no traceback
    assert errors == [f"kb: {tmp_path / 'hubs.yml'}:5: hubs[1].formerly[0]: 'ports' is the slug of a live hub "
                      "(hubs[0]): its page is at that address"]
    assert not (tmp_path / "site").exists()  # nothing half-written
