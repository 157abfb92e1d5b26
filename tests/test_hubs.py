"""Symptom hubs: rules read what carries an entry's meaning, a hub lists the entries most
cited or asked first and each duplicate group once, a hub page folds all but the first
entries of each sub-symptom.  The fixtures in fixtures/hubs are named after what they test
(the misfiled examples of the issue: a URL with https, a pasted 'Failed to bind' log, a
vague title tagged 性能)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb_builder import hubs, link, normalize, records, tags
from kb_builder.ingest import read_corpus
from kb_builder.model import Entry
from kb_builder.pages import render_pages
from kb_builder.pipeline import Settings, render_context

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hubs"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nacos-faq"


@pytest.fixture(scope="module")
def entries():
    corpus = read_corpus(FIXTURES)
    assert not corpus.errors and not corpus.skipped
    return normalize.normalize_corpus(corpus.entries, tags.load_tag_settings())


@pytest.fixture(scope="module")
def graph(entries):
    return link.build_graph(entries)


def _groups(graph, slug: str) -> dict[str, tuple[str, ...]]:
    return {g.slug: g.entry_ids for h in graph.hubs if h.slug == slug for g in h.groups}


# --------------------------------------------------------------------------- what rules read

def test_a_url_in_the_question_is_no_symptom(graph):
    # "https://..." names a page, not a TLS question: the entry is about a refused connection.
    assert graph.links["https-url-in-question"].hubs == ("connectivity",)
    assert "https-url-in-question" in _groups(graph, "connectivity")["cannot-connect"]


def test_a_pasted_startup_log_is_filed_by_its_symptom(graph):
    # "Failed to bind ... Address already in use" at startup: a port in use, not performance.
    assert "failed-to-bind-log" in _groups(graph, "startup")["port-in-use"]
    assert "performance" not in graph.links["failed-to-bind-log"].hubs


def test_tags_made_from_the_answer_do_not_place_an_entry(graph):
    # Tagged 性能 and 性能调优 (by a tool that read the answer): the question asks about configuration.
    assert graph.links["vague-title-tagged-performance"].hubs == ()


def test_a_subject_word_alone_is_no_symptom(graph):
    # 启动 in "启动后 ... 日志如何清理" is no startup problem; a weight that 不生效 is no configuration problem.
    assert graph.links["startup-word-in-logs-question"].hubs == ("logs-monitoring",)
    assert "config-not-applied" not in graph.links["weight-not-taking-effect"].hubs


def test_keywords_never_match_inside_code_names(entries):
    rules = hubs.hub_rules_from_text("hubs:\n  - slug: api\n    title: API\n    match: {keywords: [api]}\n")
    (hub,) = link.build_graph(entries, hub_rules=rules).hubs
    # not the entry whose question names com.example.api.exception.ClientException
    assert hub.entry_ids == ("open-api-call",)


def test_meaning_text_drops_what_a_program_printed():
    text = hubs.meaning_text('连不上 https://example.org/a?b=1 和 http: 10.0.0.1:8848 x\n'
                             '```\ntimeout\n```\n  at com.example.Client.call(Client.java:42)\n'
                             'login failed: {"code":403,"header":{"keep-alive":"timeout=60"}}')
    assert "https" not in text and "http" not in text and "timeout" not in text and "Client.java" not in text
    assert "连不上" in text and "login failed" in text


def test_tags_match_a_rules_tags_exactly_and_never_its_keywords(entries):
    def placed(match: str) -> tuple[str, ...]:
        rules = hubs.hub_rules_from_text(f"hubs:\n  - slug: perf\n    title: Perf\n    match: {match}\n")
        return link.build_graph(entries, hub_rules=rules).hubs[0].entry_ids

    assert placed("{tags: [性能调优]}") == ("vague-title-tagged-performance",)  # a site names its own tags
    assert placed("{keywords: [性能调优]}") == ()  # words are looked for in the title and question only


def test_shipped_rules_name_no_product():
    """The rules ship for every site: general symptoms, not one product's names or ports."""
    text = hubs.DEFAULT_HUBS.read_text(encoding="utf-8").lower()
    for word in ("nacos", "8848", "9848", "dataid", "spring cloud alibaba", "naming_persistent", "distro"):
        assert word not in text, word


# --------------------------------------------------------------------------- order

def test_a_group_lists_the_most_cited_then_the_newest_and_each_duplicate_group_once(graph):
    # login-403 is cited by two entries; password-lost-a and -b ask the same question (weight 1:
    # the newer one stands for both); then the newest, then the oldest.
    assert _groups(graph, "auth")["login-rejected"] == ("login-403", "password-lost-b", "login-newest",
                                                        "login-oldest")
    # The duplicate its page does not list is still in the hub (search records say so).
    assert "auth" in graph.links["password-lost-a"].hubs


def test_standings_count_citations_over_a_duplicate_group():
    found = dict(hubs.standings((("a", "2024", ("x",)), ("b", "2023", ("x", "y")), ("c", "2025", ())),
                                (("a", "b"),)))
    # a and b stand together: cited by x and y, and asked twice
    assert found["a"].weight == found["b"].weight == 3
    assert found["c"] == hubs.Standing(0, "2025", ())


# --------------------------------------------------------------------------- pages

RULES = """\
hubs:
  - slug: ports
    title: {zh: 端口, en: Ports}
    match: {keywords: [端口]}
    groups:
      - slug: busy
        title: {zh: 被占用, en: In use}
        match: {keywords: [占用]}
"""


def _port_entries() -> list[Entry]:
    busy = [Entry(id=f"busy-{i:02d}", title=f"端口 {i} 被占用怎么办", question=f"端口 {i} 被占用怎么办",
                  answer="换一个端口。", source_path=f"busy-{i:02d}.md", date=f"2024-01-{i + 1:02d}",
                  description=f"第 {i} 个端口的说明")
            for i in range(25)]
    other = [Entry(id=f"port-{i}", title=f"如何修改端口 {i}", question=f"如何修改端口 {i}", answer="改配置。",
                   source_path=f"port-{i}.md", date="2024-02-01") for i in range(3)]
    return busy + other


def _hub_page(tmp_path: Path, markdown_lists: bool):
    rules = tmp_path / "hubs.yml"
    rules.write_text(RULES, encoding="utf-8")
    settings = Settings(content_dir=tmp_path, lang="en", hubs_file=rules, markdown_lists=markdown_lists)
    normalized = normalize.normalize_corpus(_port_entries(), tags.load_tag_settings())
    graph = link.build_graph(normalized, hub_rules=rules)
    return render_pages(render_context(settings, normalized, graph))["troubleshooting/ports.md"]


def test_hub_page_lists_the_first_entries_of_each_group_and_folds_the_rest(tmp_path):
    page = _hub_page(tmp_path, markdown_lists=False)
    shown = records.hub_shown(2, 25)
    assert shown == records.HUB_GROUP_MAX
    lists = [re.findall(r'href="[^"]*q/([\w-]+)/"', fragment) for fragment in page.fragments]
    newest = [f"busy-{i:02d}" for i in range(24, -1, -1)]
    # busy: the newest ten listed, fifteen folded in one <details>; other: three, nothing folded
    assert lists == [newest[:shown], newest[shown:], ["port-0", "port-1", "port-2"]]
    assert page.markdown.count('<details class="kb-more"') == 1
    folded = page.markdown.split('<details class="kb-more"', 1)[1].split("</details>", 1)[0]
    assert "<!-- kb:fragment 1 -->" in folded and "15 more questions" in folded
    assert "## In use <small>(25)</small>" in page.markdown
    assert "kb-desc" not in page.text  # a guide lists questions, without their descriptions


def test_hub_page_for_other_engines_folds_a_markdown_list(tmp_path):
    page = _hub_page(tmp_path, markdown_lists=True)
    folded = page.text.split('<details class="kb-more" markdown="1">', 1)[1].split("</details>", 1)[0]
    assert len(re.findall(r"^- \[", folded, re.M)) == 15 and "(<../q/busy-00.md>)" in folded


def test_hub_shown_shares_a_page_budget_between_groups():
    assert [records.hub_shown(n, 100) for n in (1, 3, 4, 6, 8, 20)] == [10, 10, 7, 5, 3, 3]
    # a fold of one or two entries would hide less than it costs: they are listed (up to ten)
    assert [records.hub_shown(8, members) for members in (2, 5, 6, 30)] == [2, 5, 3, 3]
    assert records.hub_shown(2, 12) == 10


# --------------------------------------------------------------------------- the real corpus

@pytest.mark.corpus
def test_the_issues_misfiled_entries_are_filed_by_their_symptom():
    if not CORPUS.is_dir():
        pytest.skip("the nacos-faq corpus is not available")
    entries = normalize.normalize_corpus(read_corpus(CORPUS).entries, tags.load_tag_settings())
    graph = link.build_graph(entries)
    hubs_of = {eid: links.hubs for eid, links in graph.links.items()}
    assert "security" not in hubs_of["question-history-15432"]  # "https: github.com/..." in the question
    assert "performance" not in hubs_of["question-history-8458"]  # Failed to bind: Address already in use
    assert "performance" not in hubs_of["question-history-11478"]  # "springcloud nacos配置", tagged 性能
    assert max(len(found) for found in hubs_of.values()) <= 4  # the old rules put one entry in nine
