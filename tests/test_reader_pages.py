"""Generated pages as a demanding reader reads them: Chinese punctuation on a Chinese site,
one question a line in the error index, long listings that stay short, dates only where
they tell entries apart, and guide sections whose anchors do not change with their counts."""
from __future__ import annotations

import re
from pathlib import Path

import markdown
from test_hubs import RULES

from kb_builder import link, normalize, tags
from kb_builder.model import Entry
from kb_builder.pages import render_pages
from kb_builder.pipeline import Settings, render_context

EXTENSIONS = ["def_list", "attr_list", "md_in_html", "toc"]


def _entry(entry_id: str, title: str, date: str = "2024-09-26", tag_list: tuple[str, ...] = (), **kw) -> Entry:
    return Entry(id=entry_id, title=title, question=kw.pop("question", title), answer=kw.pop("answer", "重启服务。"),
                 source_path=f"{entry_id}.md", date=date, tags=tag_list, description=f"{title}的说明", **kw)


def _render(entries, lang="zh", **options):
    settings = Settings(content_dir=Path("."), lang=lang, **options)
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    return render_pages(render_context(settings, normalized, link.build_graph(normalized, hub_rules=settings.hubs_file)))


def _html(page) -> str:
    return page.fill(markdown.markdown(page.markdown.split("---\n", 2)[2], extensions=EXTENSIONS))


# 心跳 / 心跳检测 merged into one page; 客户端 and grpc related to it; an error shared by two questions
MERGED = [
    _entry("h-1", "心跳超时 java.lang.IllegalStateException: broken pipe here", tag_list=("心跳", "客户端", "grpc")),
    _entry("h-2", "心跳 问题二", tag_list=("心跳", "客户端")), _entry("h-3", "心跳 问题三", tag_list=("心跳", "grpc")),
    _entry("d-1", "心跳检测 问题, 带逗号 java.lang.IllegalStateException: broken pipe here",
           tag_list=("心跳检测", "客户端", "grpc")),
    _entry("d-2", "心跳检测 问题二", tag_list=("心跳检测", "客户端")),
    *[_entry(f"o-{i}", f"孤单问题 {i}", tag_list=(f"孤单{i}", "客户端")) for i in range(2)],
]


def test_a_chinese_site_writes_chinese_punctuation():
    pages = _render(MERGED)
    tag = pages["tags/heartbeat.md"].text
    assert "包含标签：心跳检测" in tag and "相关标签：" in tag
    assert not re.search(r"[\u4e00-\u9fff]: ", tag), tag  # no Latin colon after a Chinese label
    index = pages["tags/index.md"].text
    assert "。另有 2 个标签" in index, index  # no space between Chinese sentences
    english = _render(MERGED, lang="en")["tags/heartbeat.md"].text
    assert "Includes the tags: 心跳检测" in english and "Related tags: " in english


def test_the_error_index_lists_several_questions_one_a_line():
    page = _render(MERGED)["errors/index.md"]
    html = _html(page)
    row = html[html.index("broken pipe here</code>"):].split("</dd>")[0]
    items = re.findall(r"<li><a href=\"[^\"]*q/([\w-]+)\.md\">", row)
    assert sorted(items) == ["d-1", "h-1"], row  # each question an item of its own, not "a, b" in a line


# A tag on most entries says nothing (normalize.py drops it): the listings below are a part.
OTHERS = [_entry(f"x-{i}", f"其他问题 {i}", tag_list=("控制台",)) for i in range(60)]


def test_long_listings_list_titles_and_dates_only_where_they_tell_entries_apart():
    same_day = [_entry(f"s-{i}", f"配置问题 {i}", tag_list=("配置",)) for i in range(40)] + OTHERS
    tag = _html(_render(same_day)["tags/configuration.md"])
    assert "kb-date" not in tag  # every entry has the same date: it tells none apart
    assert "kb-desc" not in tag  # forty entries: titles only
    assert "<h3" not in tag  # one year: no heading with a lone "2024"
    years = [_entry(f"y-{i}", f"配置问题 {i}", date=f"{2021 + i % 3}-05-0{1 + i % 9}", tag_list=("配置",))
             for i in range(40)]
    tag = _html(_render(years + OTHERS)["tags/configuration.md"])
    assert re.findall(r"<h3[^>]*>(\d{4})", tag) == ["2023", "2022", "2021"] and "kb-date" in tag
    short = [_entry(f"t-{i}", f"配置问题 {i}", date=f"2024-05-0{1 + i}", tag_list=("配置",)) for i in range(5)]
    tag = _html(_render(short + OTHERS)["tags/configuration.md"])
    assert tag.count('class="kb-desc"') == 5 and tag.count('class="kb-date"') == 5


def test_guide_sections_are_anchored_by_their_slug(tmp_path):
    rules = tmp_path / "hubs.yml"
    rules.write_text(RULES, encoding="utf-8")

    def ids(count: int) -> list[str]:
        entries = [_entry(f"b-{i}", f"端口 {i} 被占用怎么办") for i in range(count)] + [_entry("p", "如何修改端口")]
        page = _render(entries, hubs_file=rules)["troubleshooting/ports.md"]
        return re.findall(r"<h2 id=\"([^\"]+)\"", _html(page))

    assert ids(3) == ids(4) == ["busy", "other"]  # a link to a section survives a new question
