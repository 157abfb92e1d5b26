"""The home page and the search box in headless Chromium, on a small site whose entries all
have one date and one category (as the Nacos corpus has): the home page's heading, search
box and leading lists, no categories tab, and every result of a query reachable, with
their true number; a search also runs on paste and when an input method commits text.

Skips without the playwright package or a Chromium (conftest.need_browser)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_browser_search import served_site

SITE_NAME = "Nacos 问答知识库"  # the repository's mkdocs.yml
QUERY = "心跳"
HEARTBEAT = 32  # entries about heartbeats: more than Material's first page, and than the old cap of 20

HOSTILE = '<img src=x onerror="window.__xss=1">心跳显示异常'
_VARIANTS = ["客户端心跳超时", "心跳线程阻塞", "服务端收不到心跳", "心跳间隔怎么设置", "心跳失败后实例下线",
             "gRPC 心跳", "临时实例心跳", "心跳日志太多"]


def _entries() -> dict[str, tuple]:
    """id -> (title, tags, question, answer)"""
    out = {}
    for i in range(HEARTBEAT):
        title = f"{_VARIANTS[i % len(_VARIANTS)]}的问题 第{i}例"
        out[f"question-history-{1000 + i}"] = (
            title, [], title, f"第{i}例：{'心跳' * (1 + i % 3)}相关的现象，检查客户端与服务端之间的网络和线程池。")
    # The last page holds this title: the page script shows it as text too.
    out["question-history-1031"] = (HOSTILE, [], HOSTILE, "页面显示异常，与网络无关。偶尔提到心跳。")
    for i in range(3):  # the same question, asked three times
        out[f"question-history-{2000 + i}"] = ("控制台密码怎么修改", [], "控制台密码怎么修改", "在控制台的用户管理里修改密码。")
    out["question-history-3000"] = ("Nacos 哪个版本最常用", [], "Nacos 哪个版本最常用", "2.x 的最新稳定版本。")
    for i in range(4):  # four entries cite it
        out[f"question-history-{3001 + i}"] = (f"升级版本前要注意什么 情形{i}", [], f"升级版本前要注意什么 情形{i}",
                                               "先看 [这一条](./question-history-3000.md) 再升级。")
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # One date and one category for all, as in the Nacos corpus.
    be, server, site_dir = served_site(tmp_path_factory, _entries(), date="2024-09-26", category="expertConsultation")
    yield be, server.url, site_dir
    server.close()
    be.close_browser()


@pytest.fixture()
def page(site):
    be, url, _ = site
    context = be.browser().new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(be._SPY)  # records the messages between Material and the worker
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("window.__kbSearch && window.__kbSearch.ready !== null")
    yield page
    context.close()
    assert errors == []


def _ranking(site_dir: Path, query: str) -> list[str]:
    """`kb search`'s results for the query: all of them, best first."""
    from kb_builder import search, siteindex

    return [hit.id for hit in search.search(search.open_index(siteindex.index_dir(site_dir)), query, limit=10_000)]


def _shown(page) -> list[str]:
    hrefs = page.eval_on_selector_all(".md-search-result__list > li a", "els => els.map(a => a.getAttribute('href'))")
    return [m.group(0) for m in (re.search(r"question-history-\d+", h or "") for h in hrefs) if m]


def _result_for(page, query: str) -> None:
    """Wait until the worker's result for `query` is drawn, kb's count included."""
    page.wait_for_function("q => (window.__kbSearch.results || []).some(r => r.query === q)", arg=query)
    page.wait_for_function("() => new Promise(r => setTimeout(() => requestAnimationFrame(() => r(true))))")


def _count(total: int) -> str:
    return f"{total} 个符合条件的结果"  # Material's wording in Chinese


@pytest.mark.browser
def test_the_true_count_and_a_more_button_for_the_rest(site, page):
    _, _, site_dir = site
    expected = _ranking(site_dir, QUERY)
    assert len(expected) >= HEARTBEAT > 20
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(QUERY)
    box.press("End")  # a key released: Material searches
    _result_for(page, QUERY)
    assert page.locator(".md-search-result__meta").inner_text() == _count(len(expected))
    assert len(_shown(page)) == 10
    status = page.locator(".kb-search-more__status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == f"已显示 10 / {len(expected)} 个结果"
    button = page.locator(".kb-search-more__button")
    assert button.is_visible() and button.inner_text() == "再显示 10 个结果"
    # The keyboard: the arrow keys go from the search box through the results to the button.
    for _ in range(11):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('kb-search-more__button')")
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('.md-search-result__list > li').length === n", arg=20)
    assert status.inner_text() == f"已显示 20 / {len(expected)} 个结果"
    page.keyboard.press(" ")  # Space presses it too (Material would send the key to its search box)
    page.wait_for_function("n => document.querySelectorAll('.md-search-result__list > li').length === n", arg=30)
    assert page.locator("input.md-search__input").input_value() == QUERY
    while button.is_visible():
        before = len(_shown(page))
        button.click()
        page.wait_for_function("n => document.querySelectorAll('.md-search-result__list > li').length > n",
                               arg=before)
    assert _shown(page) == expected  # every result, in `kb search`'s order
    assert expected.index("question-history-1031") >= 10  # beyond Material's first page
    assert any(HOSTILE in t for t in page.locator(".md-search-result__list h1").all_inner_texts())
    assert page.locator(".md-search-result__list img").count() == 0 and page.evaluate("window.__xss") is None
    assert page.evaluate("document.activeElement.matches('.md-search-result__link')")  # the button went
    # A new query starts again from its first page.
    box.fill("控制台密码")
    box.press("End")
    _result_for(page, "控制台密码")
    assert not button.is_visible() and len(_shown(page)) == len(_ranking(site_dir, "控制台密码")) <= 10


@pytest.mark.browser
def test_pasted_text_is_searched(page):
    box = page.locator("input.md-search__input")
    box.click()
    # What a paste from a menu or a phone's clipboard gives: no key is pressed or released.
    page.evaluate("""q => {
        const box = document.querySelector("input.md-search__input")
        const data = new DataTransfer()
        data.setData("text/plain", q)
        box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}))
        box.value = q
        box.dispatchEvent(new InputEvent("input", {inputType: "insertFromPaste", bubbles: true}))
    }""", QUERY)
    _result_for(page, QUERY)
    assert len(_shown(page)) == 10


@pytest.mark.browser
def test_text_an_input_method_commits_is_searched(page):
    box = page.locator("input.md-search__input")
    box.click()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "xintiao", "selectionStart": 7, "selectionEnd": 7})
    cdp.send("Input.insertText", {"text": QUERY})  # commits the composition: compositionend, no key released
    assert box.input_value() == QUERY
    _result_for(page, QUERY)
    assert len(_shown(page)) == 10


@pytest.mark.browser
def test_the_home_page_search_box_shows_results(site, page):
    _, _, site_dir = site
    form = page.locator("article form.kb-home-search")
    assert form.get_attribute("method") == "get" and form.get_attribute("role") == "search"
    home_box = form.locator("input[name=q]")  # without scripts: the home page with ?q=, which opens the search
    label = form.locator("label")
    assert label.get_attribute("for") == home_box.get_attribute("id") and label.inner_text() == "输入症状关键词，或直接粘贴报错信息"
    home_box.press_sequentially(QUERY)
    _result_for(page, QUERY)
    assert page.locator("input.md-search__input").input_value() == QUERY
    assert page.locator(".md-search-result__meta").inner_text() == _count(len(_ranking(site_dir, QUERY)))
    assert len(_shown(page)) == 10 and home_box.input_value() == QUERY


@pytest.mark.browser
def test_the_home_page_says_what_the_site_is_and_leads_with_what_is_asked(page):
    def texts(selector: str) -> list[str]:
        return [t.rstrip("¶").strip() for t in page.locator(selector).all_inner_texts()]  # less the permalink

    assert texts("article h1") == [SITE_NAME]
    headings = texts("article h2")
    assert "常被问到的问题" in headings and "被引用最多的问题" in headings and "最新问题" not in headings
    assert "控制台密码怎么修改 被问过 3 次" in page.locator("article").inner_text()
    assert "Nacos 哪个版本最常用 被 4 个问题引用" in page.locator("article").inner_text()
    # One category: no categories tab, link or count.
    tabs = page.locator(".md-tabs__link").all_inner_texts()
    assert tabs and "分类" not in [t.strip() for t in tabs]
    assert page.locator('a[href*="categories/"]').count() == 0
    assert "分类" not in page.locator("article").inner_text()
