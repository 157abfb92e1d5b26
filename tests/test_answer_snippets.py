"""Answer snippets: a result shows the step, command or config line of its answer that holds
the query, in `kb search` and in the browser (whose index ships a few passages per entry)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb_builder import search, snippets

ENTRY = """---
id: "{id}"
title: "{title}"
date: "2024-05-10"
tags: ["数据库"]
---

## 用户问题 ：
{question}

## 专家官方解答 ：
{answer}
"""

LONG_ANSWER = """启动日志里的这一行说明服务没能初始化数据源，真正的原因一般写在后面的异常堆栈里。请按下面的顺序排查，每一步都确认后再重启服务，避免同时改动太多配置而看不出是哪一项起了作用。

1. **数据源开关**：确认配置文件里已打开外置数据库的开关，并且数据库地址、用户名、密码的键名没有拼写错误。
2. **连接参数**：新版驱动建议在连接串里加上 `useSSL=false&allowPublicKeyRetrieval=true&serverTimezone=UTC`，否则可能出现握手或时区错误。
3. **表结构**：先执行发行包 `conf` 目录下的 `demo-schema.sql`，缺表时同样会导致启动失败。
4. **网络与账号**：在服务所在机器上亲自连一次数据库，排除防火墙、白名单和账号授权问题。

修改后用 `sh startup.sh -m standalone` 重新启动，并用 `tail -f logs/demo.log` 观察日志。
"""


def _write(content: Path) -> None:
    content.mkdir()
    entries = [
        ("question-history-1", "服务启动报数据源初始化失败", "按文档切换到外置数据库之后，服务启动不起来，日志说数据源初始化失败。",
         LONG_ANSWER),
        ("question-history-2", "控制台登录后页面空白", "登录以后控制台一片空白，刷新也没有用。",
         "清理浏览器缓存后重新登录；如果仍然空白，检查反向代理是否转发了静态资源。"),
        ("question-history-3", "客户端连接超时", "客户端启动时报连接超时。",
         "确认服务端端口已开放，并检查客户端配置的服务地址是否正确。"),
    ]
    for id_, title, question, answer in entries:
        (content / f"{id_}.md").write_text(ENTRY.format(id=id_, title=title, question=question, answer=answer),
                                           encoding="utf-8")


# --------------------------------------------------------------------------- passages


def test_an_answer_is_cut_into_its_lines_and_long_lines_at_sentences():
    parts = snippets.passages(LONG_ANSWER)
    assert all(len(p) <= snippets.PASSAGE_CHARS for p in parts)
    # the list items and the closing command line are passages of their own, without markup
    assert any(p.startswith("连接参数 ：新版驱动") or p.startswith("连接参数：新版驱动") for p in parts), parts
    assert any("sh startup.sh -m standalone" in p for p in parts)
    assert not any("**" in p or "`" in p for p in parts)
    # the long opening paragraph is cut at a sentence end, nothing of it lost
    assert "".join(parts).replace(" ", "").count("请按下面的顺序排查") == 1
    assert parts[0].endswith("。")


def test_a_line_without_sentence_ends_is_cut_between_words():
    line = "修改默认的密钥 " + " ".join(f"demo.core.auth.key{i}.value" for i in range(12))
    parts = snippets.passages(line)
    assert len(parts) > 1 and all(len(p) <= snippets.PASSAGE_CHARS for p in parts)
    assert all(p.rstrip("…").split()[-1].startswith("demo.core.auth.key") or p.endswith("密钥") for p in parts)


def test_the_shipped_passages_are_the_commands_and_keys_the_title_does_not_say():
    parts = snippets.passages(LONG_ANSWER)
    chosen = snippets.salient_passages(parts, "服务启动报数据源初始化失败 " + parts[0], limit=3)
    assert len(chosen) == 3
    assert any("serverTimezone=UTC" in p for p in chosen)
    assert any("sh startup.sh" in p for p in chosen)
    assert parts[0] not in chosen
    assert list(chosen) == [p for p in parts if p in chosen]  # in answer order


def test_the_best_passage_holds_the_most_query_words():
    texts = ["没有匹配", "数据库 连接", "数据库 连接 超时", "超时"]
    assert snippets.best_passage(texts, ["数据库", "超时", "连接"]) == 2
    assert snippets.best_passage(texts, ["握手"]) == -1
    assert snippets.best_passage(["ab cd", "cd ab"], ["ab", "cd"]) == 0  # the first on a tie


# --------------------------------------------------------------------------- both engines


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from test_ranking_parity import indexes

    root = tmp_path_factory.mktemp("snippets")
    _write(root / "content")
    index = indexes(root / "content", root / "site")
    return index, root / "site"


def test_kb_search_shows_the_line_of_the_answer_that_holds_the_query(built):
    index, _ = built
    [hit] = search.search(index, "serverTimezone", limit=1)
    assert hit.id == "question-history-1"
    assert "<mark>serverTimezone</mark>" in hit.snippet
    assert "连接参数" in hit.highlight  # the passage itself, from its start
    [hit] = search.search(index, "demo-schema.sql 缺表", limit=1)
    assert "**demo-schema.sql**" in hit.highlight
    assert hit.highlight.replace("**", "").startswith("表结构")


def test_the_browser_shows_the_shipped_passage_that_holds_the_query(built):
    from test_ranking_parity import worker_results

    _, site = built
    [config, opening] = worker_results(site, ["serverTimezone", "数据源初始化失败"])
    location, text = config[0]
    assert location.strip("/").endswith("question-history-1")
    assert "<mark>serverTimezone</mark>" in text and text.startswith("… ")
    # a query the opening lines answer keeps the opening lines
    location, text = opening[0]
    assert location.strip("/").endswith("question-history-1") and not text.startswith("…")
