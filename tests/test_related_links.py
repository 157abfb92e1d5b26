"""Related questions: a link needs more than one shared ordinary word; a question asked
again goes under "also asked as"; chatter and site-wide words are learned from the corpus."""
from __future__ import annotations

from dataclasses import replace

import pytest

from kb_builder import link
from kb_builder.analyze import Analyzer, Segmentations
from kb_builder.model import Entry, NormalizedEntry, Tag
from kb_builder.store import Store

LOW = 0.05  # a low score threshold: what decides is the rule, not the score


def entry(entry_id: str, title: str, answer: str | None = None, tags: tuple[str, ...] = ()) -> NormalizedEntry:
    """An entry whose answer, unless given, takes up the words of its question (answers do)."""
    answer = f"关于“{title}”：见文档。" if answer is None else answer
    return NormalizedEntry(Entry(id=entry_id, title=title, question=title, answer=answer,
                                 source_path=f"{entry_id}.md"), tuple(Tag(t, t) for t in tags))


def related(graph: link.Graph, entry_id: str) -> list[str]:
    return [r.entry_id for r in graph.links[entry_id].related]


FILLERS = [entry("f1", "集群节点宕机之后如何恢复数据"), entry("f2", "控制台页面打不开显示空白"),
           entry("f3", "Spring Boot 应用启动时读取不到配置"), entry("f4", "How to export all configs to a file"),
           entry("f5", "配置中心的历史版本能保留多久"), entry("f6", "Where are the server logs written")]


@pytest.mark.parametrize("one_word, two_words, other", [
    ("如何切换到 oracle 数据源", "oracle 数据源插件放在哪个目录", "客户端 token 切换节点后失效"),
    ("How to rotate the access token", "Access token expires after rotation of the key",
     "How to rotate log files daily"),
])
def test_a_link_sharing_only_one_ordinary_word_is_not_made(one_word, two_words, other):
    """'切换' alone (or 'rotate') is no reason to link two questions; two shared words are."""
    entries = [entry("a", one_word), entry("b", two_words), entry("c", other), *FILLERS]
    graph = link.build_graph(entries, min_score=LOW)
    assert "b" in related(graph, "a")
    assert "c" not in related(graph, "a") and "a" not in related(graph, "c")


@pytest.mark.parametrize("go, python, go_timeout", [
    ("nacos go 客户端下载", "nacos python 客户端下载", "go 客户端连接超时怎么处理"),
    ("How to download the go client", "How to download the python client", "The go client times out when connecting"),
])
def test_the_same_question_about_another_thing_is_not_related(go, python, go_timeout):
    """The python client's download is no help to a reader asking for the go client's:
    each question has one ordinary word the other lacks, the rest they share.  A question
    about the go client that differs by more than a swapped word stays related."""
    entries = [entry("go", go), entry("python", python), entry("timeout", go_timeout), *FILLERS]
    graph = link.build_graph(entries, min_score=LOW)
    assert "python" not in related(graph, "go") and "go" not in related(graph, "python")
    assert "timeout" in related(graph, "go")


@pytest.mark.parametrize("first, again, different, tagged, tags", [
    ("nacos的默认用户名密码是什么？", "nacos默认用户名密码", "nacos修改默认用户名和密码的步骤", "nacos 密码",
     ("默认", "用户名")),
    ("How do I reset the admin password?", "Reset admin password", "Admin password reset email never arrives",
     "Password", ("reset", "admin")),
])
def test_a_near_duplicate_goes_to_also_asked_not_related(first, again, different, tagged, tags):
    """The same question in other words ('是什么', 'How do I') is asked again: it is listed
    under "also asked as", not among the related questions; a question adding its own
    words stays related, and so does one whose tags, not its words, hold the question."""
    entries = [entry("a", first), entry("b", again), entry("c", different), entry("d", tagged, tags=tags), *FILLERS]
    graph = link.build_graph(entries, min_score=LOW)
    assert graph.links["a"].also_asked == ("b",) and graph.links["b"].also_asked == ("a",)
    assert "b" not in related(graph, "a") and "a" not in related(graph, "b")
    assert "c" in related(graph, "a") and graph.links["c"].also_asked == ()
    assert graph.links["d"].also_asked == ()


CHATTER = [("求助：各位 oracle 数据源怎么配置", "在配置文件中配置 oracle 数据源插件。"),
           ("求助：各位 客户端 token 怎么刷新", "客户端会在 token 过期前自动刷新。"),
           ("求助：各位 集群节点宕机怎么办", "先检查集群其他节点的日志。"),
           ("求助：各位 控制台登录失败", "控制台登录失败时先确认用户名。"),
           ("求助：各位 内存占用很高", "内存占用高时调小 JVM 堆。"),
           ("求助：各位 服务下线后仍被调用", "服务下线后客户端缓存仍在，被调用一段时间。")]
CHATTER_EN = [("Thanks guys: how to configure the oracle datasource", "Configure the oracle datasource plugin."),
              ("Thanks guys: client token refresh fails", "The client refreshes the token before it expires."),
              ("Thanks guys: cluster node down", "Check the logs of the other cluster node."),
              ("Thanks guys: console login fails", "When the console login fails, check the user."),
              ("Thanks guys: memory usage too high", "Lower the heap when memory usage is high."),
              ("Thanks guys: offline service still called", "An offline service is still called from caches.")]


@pytest.mark.parametrize("chatter", [CHATTER, CHATTER_EN])
def test_words_the_answers_never_take_up_are_not_ordinary(chatter):
    """'求助' and '各位' (or 'thanks guys') open six questions whose answers take up their
    other words but never these: the corpus shows them to be chatter, so two questions
    sharing only them are not related."""
    entries = [entry(f"q{i}", title, answer) for i, (title, answer) in enumerate(chatter)] + FILLERS
    graph = link.build_graph(entries, min_score=LOW)
    asked = {f"q{i}" for i in range(len(chatter))}
    assert all(not asked.intersection(related(graph, q)) for q in asked)
    # The same words taken up by the answers mean something: the questions are related.
    echoed = [entry(f"q{i}", title, f"{title}：{answer}") for i, (title, answer) in enumerate(chatter)] + FILLERS
    graph = link.build_graph(echoed, min_score=LOW)
    assert any(asked.intersection(related(graph, q)) for q in asked)


def test_words_on_most_entries_are_not_ordinary():
    """In a corpus large enough to tell, a word on most entries (the product's name) is no
    shared word: 'acme' and '端口' link nothing, 'acme', '端口' and '9848' do."""
    topics = ["集群部署", "鉴权开启", "数据库迁移", "日志清理", "内存占用", "配置刷新", "服务下线", "命名空间隔离",
              "版本升级", "健康检查", "权限控制", "负载均衡", "灰度发布", "限流降级", "监控告警", "备份恢复",
              "证书更新", "代理转发", "镜像拉取", "线程阻塞", "慢查询优化"]
    entries = [entry(f"t{i}", f"acme {topic}问题排查") for i, topic in enumerate(topics)]
    entries += [entry("a", "acme 端口被占用"), entry("b", "acme 端口 9848 连接超时"), entry("c", "acme 端口 9848 要开放吗")]
    graph = link.build_graph(entries, min_score=LOW)
    assert "a" not in related(graph, "b") and "b" not in related(graph, "a")
    assert "c" in related(graph, "b")


def test_an_answer_edit_that_makes_a_word_chatter_is_followed_by_the_live_graph():
    """The chatter words depend on the answers: after an answer stops using '求助', the graph
    kept between rebuilds drops the link '求助' made, as a clean build does."""
    # Four of six answers take '求助' up: as often as chance allows.  After the edit, three.
    titles = ["求助 oracle 数据源 配置", "求助 oracle 驱动 下载", "求助 集群 节点 宕机", "求助 控制台 登录",
              "求助 内存 占用", "求助 服务 下线"]
    before = [entry(f"q{i}", title, f"{title}：见文档。" if i < 4 else f"{title[3:]}：见文档。")
              for i, title in enumerate(titles)] + FILLERS
    after = list(before)
    after[3] = entry("q3", titles[3], "控制台 登录：见文档。")
    store, analyzer = Store(verify=True), Analyzer.of((), Segmentations())
    first = link.build_graph(before, analyzer, min_score=LOW, store=store)
    store.end_build()
    kept = link.build_graph(after, analyzer, min_score=LOW, store=store)
    clean = link.build_graph(after, Analyzer(), min_score=LOW)
    assert kept == clean
    assert "q1" in related(first, "q0") and "q1" not in related(kept, "q0")
