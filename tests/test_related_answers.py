"""Related questions and "also asked as" read the answers too: a related question's answer
speaks of alike things; a question asked again in other words adds detail on one side only,
detail the other's answer already speaks of."""
from __future__ import annotations

import random

import pytest

from kb_builder import link, ordinary, references, same_question, similar
from kb_builder.model import Entry, NormalizedEntry
from kb_builder.store import Store

LOW = 0.05  # a low score threshold: what decides is the rule, not the score

DEPLOY = ("下载安装包并解压，修改 conf 目录下的 application.properties，设置数据库连接，然后执行 startup.sh "
          "以单机模式启动服务，最后访问控制台确认服务正常运行。")
LOGS = "日志目录会持续增长，可以配置 logback 的保留天数，定期清理 logs 目录下的旧日志文件，避免磁盘被占满。"
PORT = "端口被占用时服务启动失败，用 netstat 或 lsof 找到占用 8848 端口的进程，停掉它或者修改 server.port 以后重新启动。"


def entry(entry_id: str, title: str, answer: str) -> NormalizedEntry:
    return NormalizedEntry(Entry(id=entry_id, title=title, question=title, answer=answer,
                                 source_path=f"{entry_id}.md"), ())


# A small corpus of its own: '环境' and '部署' are common words in it, as in a real one.
FILLERS = [entry("f1", "测试环境集群节点宕机之后如何恢复数据",
                 "集群节点宕机之后，先从其他节点同步数据，再检查磁盘和日志，确认数据一致以后重新加入集群。"),
           entry("f2", "生产环境控制台页面打不开显示空白",
                 "控制台页面空白时，检查浏览器控制台的报错、反向代理的路径配置以及静态资源是否加载成功。"),
           entry("f3", "开发环境 Spring Boot 应用启动时读取不到配置",
                 "确认 bootstrap 配置文件里的服务地址、命名空间和分组，应用启动时会按这些信息读取配置。"),
           entry("f4", "部署以后配置中心的历史版本能保留多久",
                 "历史版本默认保留三十天，可以修改清理任务的保留天数，过期的历史记录会被定时删除。"),
           entry("f5", "环境变量怎么传给容器里的服务",
                 "在 docker run 里用 -e 传入环境变量，或者写在 compose 文件的 environment 下，容器重启后生效。")]


KAFKA = "调大 session.timeout.ms 与 max.poll.interval.ms。"  # an answer in words no other answer has


def _log_questions() -> list[NormalizedEntry]:
    """Two questions about Linux logs answered alike: each is the other's related question."""
    return [entry("clean", "linux 部署后日志怎么清理", f"在 Linux 上{LOGS}"),
            entry("full", "linux 部署以后日志文件越来越大占满磁盘", f"Linux 服务器上{LOGS}")]


def related(graph: link.Graph, entry_id: str) -> list[str]:
    return [r.entry_id for r in graph.links[entry_id].related]


def test_a_question_answered_with_other_things_is_not_related():
    """'linux 部署后日志怎么清理' and '... 日志报错端口占用' share three ordinary words, but one
    answer is about cleaning logs and the other about a port in use: no link.  A question
    whose answer is about cleaning logs too is related.  Answers of a sentence say too
    little to tell: with them, the questions' words decide alone."""
    entries = [entry("clean", "linux 部署后日志怎么清理", f"在 Linux 上{LOGS}"),
               entry("full", "linux 部署以后日志文件越来越大占满磁盘", f"Linux 服务器上{LOGS}磁盘满了先删除旧日志。"),
               entry("port", "linux 部署后日志报错端口占用", f"Linux 上{PORT}")] + FILLERS
    graph = link.build_graph(entries, min_score=LOW)
    assert "full" in related(graph, "clean")
    assert "port" not in related(graph, "clean") and "clean" not in related(graph, "port")
    short = [entry("clean", "linux 部署后日志怎么清理", "删掉旧文件。"),
             entry("port", "linux 部署后日志报错端口占用", "换一个端口。")] + FILLERS
    assert "port" in related(link.build_graph(short, min_score=LOW), "clean")


def test_a_question_asked_again_with_a_word_added_goes_to_also_asked():
    """'linux部署nacos' and '如何在Linux环境下部署nacos' ask one thing ('环境' adds nothing
    the first answer does not speak of): "also asked as", not related.  'docker部署nacos单机'
    adds docker, which the answer of '部署nacos单机' never speaks of: two questions, related."""
    entries = [entry("linux", "linux部署nacos", f"在 Linux 环境下{DEPLOY}"),
               entry("linux-env", "如何在Linux环境下部署nacos", f"Linux 环境中{DEPLOY}注意防火墙放行端口。"),
               entry("docker", "docker部署nacos单机",
                     f"使用 docker 镜像，docker run 时设置 MODE=standalone 并映射 8848 端口，{DEPLOY}"),
               entry("plain", "部署nacos单机", DEPLOY)] + FILLERS
    graph = link.build_graph(entries, min_score=LOW)
    assert graph.links["linux"].also_asked == ("linux-env",)
    assert "linux-env" not in related(graph, "linux") and "linux" not in related(graph, "linux-env")
    assert graph.links["docker"].also_asked == () and "plain" in related(graph, "docker")


DUAL = ("双写是为了兼容老版本客户端，服务端会同时写入新旧两套数据结构。关闭双写需要在所有节点设置 "
        "nacos.core.support.upgrade.from.1x=false，然后滚动重启集群。")


def test_why_and_how_are_two_questions():
    """'怎么关闭双写' and '如何关闭nacos的双写' ask the same; '为什么要关闭双写' asks why, not
    how, however alike its words and answer."""
    entries = [entry("how", "nacos 怎么关闭双写", DUAL), entry("how-too", "如何关闭nacos的双写", f"{DUAL}关闭前确认客户端都已升级。"),
               entry("why", "nacos 为什么要关闭双写", f"{DUAL}双写会带来额外的性能开销。")] + FILLERS
    graph = link.build_graph(entries, min_score=LOW)
    assert graph.links["how"].also_asked == ("how-too",) and graph.links["why"].also_asked == ()


def test_questions_about_two_versions_are_two_questions():
    """The same words about version 2.2.1 and 2.2.3, answered alike: two questions."""
    entries = [entry("v1", "nacos 2.2.1 客户端连接超时", f"{PORT}客户端连接超时先检查网络。"),
               entry("v3", "nacos 2.2.3 客户端连接超时", f"{PORT}客户端连接超时还要检查版本。"),
               entry("no-version", "nacos 客户端连接超时怎么办", f"{PORT}客户端连接超时先检查网络和版本。")] + FILLERS
    graph = link.build_graph(entries, min_score=LOW)
    assert "v3" not in graph.links["v1"].also_asked
    assert graph.links["no-version"].also_asked  # asked again by a question naming its version


def test_a_group_takes_a_question_asked_again_with_each_member():
    """'linux部署nacos集群' is '部署nacos集群' asked again, and 'linux环境下怎么部署nacos集群'
    is 'linux部署nacos集群' asked again, but the last adds too much to the first: the closest
    pair makes a group, and the first question stays out of it."""
    entries = [entry("a", "部署nacos集群", f"在 Linux 服务器环境中部署集群：{DEPLOY}"),
               entry("b", "linux部署nacos集群", f"Linux 环境中部署集群：{DEPLOY}"),
               entry("c", "linux环境下怎么部署nacos集群", f"在 Linux 环境下部署集群：{DEPLOY}")] + FILLERS
    graph = link.build_graph(entries, min_score=LOW)
    assert graph.duplicate_groups == (("b", "c"),)


def test_near_identical_text_with_a_word_added_is_another_question():
    """Two characters in a row on one side only are a word ('达梦', 'PG'); a typo or a dropped
    character is not."""
    key = references.title_key
    assert not references.near_identical(key("nacos配置数据源"), key("nacos配置达梦数据源"))
    assert not references.near_identical(key("nacos配置数据源"), key("nacos 配置PG数据源"))
    assert references.near_identical(key("naocs 漏洞修复"), key("nacos 漏洞修复"))
    assert references.near_identical(key("Nacos哪个版本最常用"), key("Nacos 哪个版本最常"))


def test_a_latin_word_written_as_two_is_said():
    """'springcloud' is said by a question writing 'Spring Cloud'; 'cloud' is not said by
    one writing only 'cloudflare'."""
    def wording(text: str) -> ordinary.Wording:
        return ordinary.Wording((), (), frozenset(), frozenset(), ordinary.text_key("", text))
    assert wording("Spring Cloud 集成配置中心").says("springcloud")
    assert not wording("cloudflare 代理").says("cloud")


def test_answers_speak_of_question_words():
    from kb_builder.answers import answer_bag, uses

    bag = answer_bag("配置 Spring Cloud 的 bootstrap.properties，然后重启 libraries 加载。")
    assert uses(bag, "重启") and uses(bag, "bootstrap.properties") and uses(bag, "librari")
    assert not uses(bag, "集群") and not uses(bag, "docker")


@pytest.mark.parametrize("seed", range(4))
def test_unit_vectors_after_a_change_equal_a_fresh_computation(seed):
    """similar.unit_vectors keeps the vectors an edit cannot change: exactly the fresh result."""
    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(60)]

    def bag() -> similar.Bag:
        terms = sorted({vocab[min(int(rng.paretovariate(0.8)) - 1, 59)] for _ in range(rng.randint(1, 12))})
        return similar.Bag(tuple(terms), tuple(rng.randint(1, 4) for _ in terms))

    ids = [f"d{i}" for i in range(40)]
    bags = [bag() for _ in ids]
    previous = similar.unit_vectors(None, tuple(ids), tuple(bags))
    for _ in range(12):
        k = rng.randrange(len(ids))
        change = rng.random()
        if change < 0.5:
            bags[k] = bag()
        elif change < 0.75:
            ids.append(f"n{rng.random()}")
            bags.append(bag())
        else:
            del ids[k], bags[k]
        kept = similar.unit_vectors(previous, tuple(ids), tuple(bags))
        assert kept == similar.unit_vectors(None, tuple(ids), tuple(bags))
        previous = kept


def live_and_clean(before: list[NormalizedEntry], edited: NormalizedEntry) -> tuple[link.Graph, link.Graph]:
    """The graph of `before`, then the graph kept between rebuilds after `edited` replaced
    the entry of its id (checked against a fresh computation at each step, and against a
    clean build)."""
    after = [edited if n.entry.id == edited.entry.id else n for n in before]
    store = Store(verify=True)
    first = link.build_graph(before, min_score=LOW, store=store)
    store.end_build()
    kept = link.build_graph(after, min_score=LOW, store=store)
    assert kept == link.build_graph(after, min_score=LOW)
    return first, kept


def test_an_answer_edit_is_followed_by_the_live_graph():
    """After an answer stops speaking of cleaning logs, the graph kept between rebuilds drops
    the link the answers made, as a clean build does."""
    before = [entry("clean", "linux 部署后日志怎么清理", f"在 Linux 上{LOGS}"),
              entry("full", "linux 部署以后日志文件越来越大占满磁盘", f"Linux 服务器上{LOGS}")] + FILLERS
    first, kept = live_and_clean(before, entry("full", before[1].entry.title, f"Linux 上{PORT}"))
    assert "full" in related(first, "clean") and "full" not in related(kept, "clean")


def test_an_answer_edit_that_ends_a_question_asked_again_is_followed_by_the_live_graph():
    """The verdicts on pairs kept between rebuilds are asked again of an edited entry: once
    the answer of 'linux部署nacos' no longer speaks of an environment, '如何在Linux环境下部署nacos'
    adds something it does not answer: no longer the same question, in the kept graph as in
    a clean build."""
    before = [entry("linux", "linux部署nacos", f"在 Linux 环境下{DEPLOY}"),
              entry("linux-env", "如何在Linux环境下部署nacos", f"Linux 环境中{DEPLOY}注意防火墙放行端口。"),
              entry("plain", "部署nacos单机", DEPLOY)] + FILLERS
    first, kept = live_and_clean(before, entry("linux", before[0].entry.title, f"在 Linux 上{DEPLOY}"))
    assert first.links["linux"].also_asked == ("linux-env",) and kept.links["linux"].also_asked == ()


def test_adding_and_removing_an_entry_asks_again_only_of_pairs_whose_inputs_changed(monkeypatch):
    """An entry added or removed moves every position after it; the related lists are still
    made from the answers the build before got for pairs of the same wordings, and equal a
    clean build's."""
    calls: list[int] = []
    real = ordinary.may_link
    monkeypatch.setattr(link, "may_link", lambda a, b: calls.append(1) or real(a, b))
    base = _log_questions() + FILLERS
    added = entry("a-new", "linux 部署后日志目录越来越大怎么清理", f"Linux 上{LOGS}")
    store = Store(verify=False)
    asked = []
    for corpus in (base, [added] + base, base):
        calls.clear()
        live = link.build_graph(corpus, min_score=LOW, store=store)
        store.end_build()
        asked.append(len(calls))
        assert live == link.build_graph(corpus, min_score=LOW)
    assert asked[0] > 0 and asked[2] < asked[0]


def _first_and_kept(base: list[NormalizedEntry], changed: list[NormalizedEntry]) -> tuple[link.Graph, link.Graph]:
    """The graph of `base`, then that of `changed` built from what the first build kept
    (verify mode: every remembered value is checked against a fresh one)."""
    store = Store(verify=True)
    first = link.build_graph(base, min_score=LOW, store=store)
    store.end_build()
    return first, link.build_graph(changed, min_score=LOW, store=store)


def _with_topics(base: list[NormalizedEntry]) -> list[NormalizedEntry]:
    """`base` and entries of topics of their own: enough that one entry more leaves the
    corpus size's idf steps where they were."""
    more = next(g for g in range(20, 80) if all(step(len(base) + g) == step(len(base) + g + 1)
                                                for step in (similar._df_step, similar._answer_df_step)))
    return base + [entry(f"g{i}", f"话题{i} 里的 term{i}x 怎么用", f"term{i}x 的用法 term{i}y 和 term{i}z。")
                   for i in range(more)]


def test_an_entry_added_keeps_the_related_lists_it_does_not_reach():
    """Entries are matched by id, not position: a list whose neighbours, wordings and answers
    an added entry leaves alone is the previous build's own (and equals a clean build's)."""
    base = _log_questions() + FILLERS
    base = _with_topics(base)
    added = entry("elsewhere", "kafka consumer rebalance 频繁", KAFKA)
    first, kept = _first_and_kept(base, [added] + base)
    assert kept == link.build_graph([added] + base, min_score=LOW)
    assert "full" in related(first, "clean")
    assert kept.links["clean"].related is first.links["clean"].related
    assert kept.links["full"].related is first.links["full"].related


def test_an_answer_edit_keeps_the_same_question_step_and_joins_again(monkeypatch):
    """An answer edit changes no key, wording or neighbour list: the first step of the
    duplicate groups is the previous build's (its pairs are not walked again), while the
    questions asked again are joined anew from the answers (here the pair falls apart)."""
    before = [entry("linux", "linux部署nacos", f"在 Linux 环境下{DEPLOY}"),
              entry("linux-env", "如何在Linux环境下部署nacos", f"Linux 环境中{DEPLOY}注意防火墙放行端口。"),
              entry("plain", "部署nacos单机", DEPLOY)] + FILLERS
    edited = entry("linux", before[0].entry.title, f"在 Linux 上{DEPLOY}")
    store = Store(verify=False)
    first = link.build_graph(before, min_score=LOW, store=store)
    store.end_build()
    walked: list[int] = []
    real = same_question._pair_set
    monkeypatch.setattr(same_question, "_pair_set", lambda neighbours: walked.append(1) or real(neighbours))
    kept = link.build_graph([edited] + before[1:], min_score=LOW, store=store)
    assert walked == []
    assert first.links["linux"].also_asked == ("linux-env",) and kept.links["linux"].also_asked == ()
    assert kept == link.build_graph([edited] + before[1:], min_score=LOW)


def test_a_new_duplicate_group_recomputes_only_the_lists_that_reach_it():
    """An added entry asking what another asks joins it in a duplicate group: the lists that
    hold neither of them are the previous build's own, the others follow the new group (one
    representative per group), and the graph equals a clean build's."""
    base = _log_questions() + [entry("port", "nacos 启动报端口被占用", PORT),
                               entry("port-busy", "nacos 启动时端口被占用怎么处理", f"启动失败多半是{PORT}")] + FILLERS
    base = _with_topics(base)
    # the same question as "port" (answered in words no other answer has: no answer's idf moves)
    again = entry("port-again", "nacos 启动报端口被占用", KAFKA)
    first, kept = _first_and_kept(base, base + [again])
    assert kept == link.build_graph(base + [again], min_score=LOW)
    assert "port-again" in kept.links["port"].also_asked  # the groups changed
    assert "full" in related(first, "clean")
    assert kept.links["clean"].related is first.links["clean"].related
    assert kept.links["full"].related is first.links["full"].related


def test_a_related_list_follows_a_group_joined_elsewhere(monkeypatch):
    """Two entries of a list that become one duplicate group (joined through entries the
    list does not hold) are shown once, though the list's neighbours, wordings and answers
    are as they were: a kept list is reused only while its entries' groups are too."""
    base = _log_questions() + FILLERS
    base = _with_topics(base)
    added = entry("elsewhere", "kafka consumer rebalance 频繁", KAFKA)
    store = Store(verify=False)
    first = link.build_graph(base, min_score=LOW, store=store)
    store.end_build()
    assert related(first, "full") == ["clean", "f4"]
    real = link._duplicates

    def joined(*args, **kwargs):  # as if an entry elsewhere had joined "clean" and "f4"
        groups, step = real(*args, **kwargs)
        return tuple(sorted(groups + (("clean", "f4"),))), step
    monkeypatch.setattr(link, "_duplicates", joined)
    kept = link.build_graph([added] + base, min_score=LOW, store=store)
    assert related(kept, "full") == ["clean"]
    assert kept == link.build_graph([added] + base, min_score=LOW)
