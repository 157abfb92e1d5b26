"""The home page's record and markdown: the site's name as its heading, the search box's
place, and what it leads with: the latest questions when their dates tell them apart,
else the most asked (duplicate groups) and most referenced (backlinks); categories only
when there are several, on the home page and in kb's navigation."""
from __future__ import annotations

from pathlib import Path

from kb_builder import link, normalize, tags
from kb_builder.model import Entry
from kb_builder.pages import default_nav, render_pages
from kb_builder.pipeline import Settings, render_context


def _entry(entry_id: str, title: str, date: str = "2024-09-26", category: str = "expertConsultation",
           answer: str = "检查客户端日志。") -> Entry:
    return Entry(id=entry_id, title=title, question=title, answer=answer, source_path=f"{entry_id}.md",
                 date=date, category=category)


def _pages(entries, lang="zh", site_name="Nacos 问答知识库"):
    settings = Settings(content_dir=Path("."), lang=lang, site_name=site_name)
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    graph = link.build_graph(normalized)
    return {uri: page.text for uri, page in render_pages(render_context(settings, normalized, graph)).items()}


def _one_day() -> list[Entry]:
    """Thirteen entries of one date: three ask the same question, four cite one entry, two another."""
    entries = [_entry(f"q-{i:02d}", f"第 {i} 个关于集群部署的问题 编号{i}") for i in range(8)]
    entries += [_entry(f"dup-{i}", "控制台密码怎么修改") for i in range(3)]
    entries += [_entry("cited", "Nacos 哪个版本最常用"), _entry("cited-less", "Nacos 端口有哪些")]
    for i in range(4):
        entries[i] = _entry(f"q-{i:02d}", entries[i].title, answer="见 [这一条](./cited.md)。")
    for i in (4, 5):
        entries[i] = _entry(f"q-{i:02d}", entries[i].title, answer="见 [这一条](./cited-less.md)。")
    return entries


def test_one_date_for_all_leads_with_most_asked_and_most_referenced():
    home = _pages(_one_day())["index.md"]
    assert home.startswith("---") and "\n# Nacos 问答知识库\n" in home
    assert "## 常被问到的问题" in home and "## 被引用最多的问题" in home and "## 最新问题" not in home
    asked = home.split("## 常被问到的问题", 1)[1].split("##", 1)[0]
    assert "控制台密码怎么修改" in asked and "被问过 3 次" in asked and asked.count("控制台密码怎么修改") == 1
    cited = home.split("## 被引用最多的问题", 1)[1].split("##", 1)[0]
    assert cited.index("Nacos 哪个版本最常用") < cited.index("Nacos 端口有哪些")  # most cited first
    assert "被 4 个问题引用" in cited and "被 2 个问题引用" in cited
    assert "2024-09-26" not in asked + cited  # one date for all says nothing


def test_dates_that_tell_entries_apart_keep_the_latest_questions():
    entries = [_entry(e.id, e.title, date=f"2024-05-{i + 1:02d}") for i, e in enumerate(_one_day())]
    home = _pages(entries)["index.md"]
    assert "## 最新问题" in home and "## 常被问到的问题" not in home and "## 被引用最多的问题" not in home


def test_the_rule_compares_the_newest_with_the_first_entry_not_shown():
    from kb_builder import homepage

    day = [_entry(f"e-{i}", f"问题{i}") for i in range(11)]
    assert not homepage.dates_tell_apart(day, 10)  # eleven on the newest date: any ten is a pick
    assert homepage.dates_tell_apart(day[:10], 10)  # all of them are shown
    older = day[:10] + [_entry("old", "旧问题", date="2023-01-01")]
    assert homepage.dates_tell_apart(older, 10)
    undated = [_entry(f"u-{i}", f"问题{i}", date="") for i in range(11)]
    assert not homepage.dates_tell_apart(undated, 10)


def test_without_duplicates_or_backlinks_the_latest_stay():
    home = _pages([_entry(f"e-{i}", f"第 {i} 个互不相干的问题 词{i}") for i in range(12)])["index.md"]
    assert "## 最新问题" in home and "## 常被问到的问题" not in home


def test_one_category_is_not_a_section():
    pages = _pages(_one_day())
    home = pages["index.md"]
    assert "共 13 个已解答问题，" in home and "分类" not in home and "categories/" not in home
    assert "分类" not in [title for item in default_nav("zh", pages) for title in item]
    two = _one_day()
    two[0] = Entry(**{**two[0].__dict__, "category": "deployment"})
    pages = _pages(two)
    assert "2 个分类" in pages["index.md"] and "(<categories/index.md>)" in pages["index.md"]
    assert {"分类": "categories/index.md"} in default_nav("zh", pages)


def test_nav_lists_only_the_sections_the_site_has():
    pages = _pages([_entry(f"e-{i}", f"天气预报第 {i} 条 词{i}") for i in range(3)])
    assert "troubleshooting/index.md" not in pages  # no hub holds these entries
    assert [list(item.values())[0] for item in default_nav("zh", pages)] == [
        "index.md", "errors/index.md", "tags/index.md"]


def test_labels_and_heading_follow_the_language():
    home = _pages(_one_day(), lang="en", site_name="")["index.md"]
    assert "\n# Knowledge base\n" in home  # no site name: the label
    assert "## Most asked questions" in home and "asked 3 times" in home and "referenced by 4 questions" in home
    assert "13 answered questions, " in home and "categories" not in home


def test_the_search_box_has_a_place_and_its_labels():
    home = _pages(_one_day())["index.md"]
    assert '\n<div class="kb-home-search"></div>\n' in home
    front = home.split("---", 2)[1]
    assert "kb_search_box:" in front and "label: 输入症状关键词，或直接粘贴报错信息" in front and "button: 搜索" in front
