"""What a reader sees on a phone (390 px wide) in headless Chromium: listings whose dates
never break across lines, A-Z bars with letters a finger can hit, no page wider than the
screen, and a 404 page in the site's language.

Skips without the playwright package or a Chromium (conftest.need_browser)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_browser_search import REPO, _browser_engine

PHONE = {"width": 390, "height": 844}
# Titles of every length, so that some date falls at the end of a line.
WORDS = "服务注册失败后客户端心跳超时导致实例被摘除请问应该如何排查网络和线程池配置"


def _write(content: Path) -> None:
    content.mkdir()
    for i in range(70):
        title = f"{WORDS[: 4 + (i * 7) % 34]} 第{i}例"
        front = {"id": f"q-{i}", "title": title, "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                 # 35 tags of two entries each: more than the index's top 30, so it files the rest A-Z
                 "tags": ["线程池"] * (i < 25) + ["网络"] * (i < 50) + [f"tag{chr(97 + i // 2 % 26)}{i // 52}"]}
        error = f"java.lang.IllegalStateException: broken state number {i % 5}" if i < 10 else ""
        (content / f"q-{i}.md").write_text(
            f"---\n{json.dumps(front, ensure_ascii=False)}\n---\n\n## 用户问题 ：\n{title} {error}\n\n"
            f"## 专家官方解答 ：\n\n检查客户端与服务端之间的网络和线程池。\n", encoding="utf-8")


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    be = _browser_engine()
    from kb_builder.sitebuild import build_site

    root = tmp_path_factory.mktemp("layout")
    _write(root / "content")
    site = build_site(REPO / "mkdocs.yml", content=root / "content", site_dir=root / "site").site_dir
    server = be.Server(Path(site))
    context = be.browser().new_context(viewport=PHONE)
    page = context.new_page()
    yield page, server.url, Path(site)
    context.close()
    server.close()
    be.close_browser()


def _open(page, url: str) -> None:
    page.goto(url, wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url  # nothing sticks out


@pytest.mark.browser
def test_dates_stay_whole_on_a_phone(phone):
    page, url, _ = phone
    _open(page, f"{url}tags/thread-pool/")  # 25 entries, each with its date
    lines = page.eval_on_selector_all(".kb-date", "els => els.map(e => e.getClientRects().length)")
    assert len(lines) == 25 and set(lines) == {1}, lines


@pytest.mark.browser
def test_a_z_letters_are_big_enough_to_tap(phone):
    page, url, _ = phone
    for path, bar in (("tags/", "tags-"), ("errors/", "letter-")):
        _open(page, url + path)
        boxes = page.eval_on_selector_all(
            f".kb-letters a[href^='#{bar}']", "els => els.map(e => [e.getBoundingClientRect().width, "
                                              "e.getBoundingClientRect().height])")
        assert boxes, path
        assert all(w >= 24 and h >= 24 for w, h in boxes), (path, boxes)


@pytest.mark.browser
def test_the_404_page_speaks_the_site_language(phone):
    page, url, _ = phone
    page.goto(url + "no/such/page/", wait_until="load")  # the test server answers 404 without the page
    _open(page, url + "404.html")
    assert page.inner_text("article h1") == "页面不存在"
    assert "Not found" not in page.inner_text("article")
    assert page.get_attribute("article a", "href") == "/."  # home, as the theme's logo links it
