"""Display titles: a title cut short in the source shows its question's first sentence
(titles.py); repeated questions; the real corpus's 173 cut titles."""
from __future__ import annotations

import re

import pytest

from kb_builder.ingest import parse_bytes
from kb_builder.titles import ELLIPSIS, MAX_CHARS, clip, display_title, prefix_end, repeats

CASES = {
    # name: (title, question, display title)
    "cut-latin": (
        "NacosException: http error, code=403,msg=user not fou",
        "NacosException: http error, code=403,msg=user not found!,dataId=application-dev.yml",
        "NacosException: http error, code=403,msg=user not found!,dataId=application-dev.yml"),
    "cut-cjk-to-sentence-end": (
        "Nacos 各位大佬，请教个问题，nacos动态刷新问题，具体表现是我开发机器Windows可以动态刷新，",
        "Nacos 各位大佬，请教个问题，nacos动态刷新问题，具体表现是我开发机器Windows可以动态刷新，"
        "Linux环境就不能，每次修改配置还需要重启服务。\n版本是：springcloud 2021.0.4",
        "Nacos 各位大佬，请教个问题，nacos动态刷新问题，具体表现是我开发机器Windows可以动态刷新，"
        "Linux环境就不能，每次修改配置还需要重启服务。"),
    "newline-ends": ("nacos com.alibaba.nacos.api.exception.nacosexception:",
                     "nacos com.alibaba.nacos.api.exception.nacosexception: http error,\nstack trace follows",
                     "nacos com.alibaba.nacos.api.exception.nacosexception: http error,"),
    "question-mark-ends": ("nettyserver init error:errcode:500, errmsg:failed to",
                           "nettyserver init error:errcode:500, errmsg:failed to req api 这是什么问题？怎么解决？",
                           "nettyserver init error:errcode:500, errmsg:failed to req api 这是什么问题？"),
    "period-and-blank-end": ("Nacos fails to st", "Nacos fails to start on v2.3.0. Logs say nothing.",
                             "Nacos fails to start on v2.3.0."),
    "dots-inside-words-do-not-end": ("Why does nacos.io", "Why does nacos.io redirect? I use 2.3.0",
                                     "Why does nacos.io redirect?"),
    "question-mark-in-url-does-not-end": ("GET http://h:8848/nacos/v1/cs/configs",
                                          "GET http://h:8848/nacos/v1/cs/configs?dataId=a fails",
                                          "GET http://h:8848/nacos/v1/cs/configs?dataId=a fails"),
    "whitespace-differs": ("角色授权时不能多选命令空间吗 一个角色只能", "角色授权时不能多选命令空间吗  一个角色只能给一个命名空间授权",
                           "角色授权时不能多选命令空间吗 一个角色只能给一个命名空间授权"),
    "quotes-dropped-in-title": ("Nacos status:501,error:Not Implemented",
                                'Nacos "status":501,"error":"Not Implemented","message":"no such api"',
                                'Nacos "status":501,"error":"Not Implemented","message":"no such api"'),
    "sentence-end-inside-title-is-not-used": ("nacos2.3开启鉴权后,首次进入会报错。使用的是",
                                              "nacos2.3开启鉴权后,首次进入会报错。使用的是默认账号。还有别的吗",
                                              "nacos2.3开启鉴权后,首次进入会报错。使用的是默认账号。"),
    "title-is-the-question": ("How do I reset the password?", "How do I reset the password?",
                              "How do I reset the password?"),
    "title-is-not-a-prefix": ("Password reset", "How do I reset the console password?", "Password reset"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_display_title(name):
    title, question, expected = CASES[name]
    assert display_title(title, question) == expected


def test_long_latin_sentence_is_cut_between_words():
    words = "the client keeps sending heartbeats although the server marked the instance unhealthy " * 3
    shown = display_title("the client keeps sending heart", words)
    assert len(shown) <= MAX_CHARS and shown.endswith(ELLIPSIS)
    assert words.startswith(shown[:-1]) and words[len(shown) - 1] == " "  # the next character starts a word


def test_long_chinese_sentence_is_cut_at_a_character():
    question = "集群模式下服务注册之后在控制台看不到实例" * 10
    shown = display_title(question[:53], question)
    assert len(shown) == MAX_CHARS and shown == question[:MAX_CHARS - 1] + ELLIPSIS


def test_clip_backs_out_of_a_word_but_not_out_of_a_whole_token():
    assert clip("alpha beta gammadelta", 15) == "alpha beta" + ELLIPSIS
    assert clip("x" * 40, 10) == "x" * 9 + ELLIPSIS  # one long token: cut inside it
    assert clip("配置中心，" * 5, 11) == "配置中心，配置中心" + ELLIPSIS  # the comma before the cut goes
    assert clip("short", 10) == "short"
    assert clip('时报{"code":403,"message":"user not found"}', 5) == "时报…"  # no opening brace left open


def test_prefix_end_points_after_the_title_in_the_question():
    question = 'a  "b" c d'
    end = prefix_end("a b c", question)
    assert question[:end] == 'a  "b" c'
    assert prefix_end("a b c d", question) is None  # the same text: not a strict prefix
    assert prefix_end("", question) is None


@pytest.mark.parametrize("question,titles,expected", [
    ("有遇到过nacos客户端不发送心跳检测的问题嘛", ("有遇到过nacos客户端不发送心跳检测的问题嘛？",), True),
    ("  How do I reset\nthe password? ", ("how do I reset the password",), True),
    ("nacos 如何修改密码？", ("other", "nacos如何修改密码"), True),
    ("How do I reset the console password?", ("Password reset",), False),
    ("Why 403?", ("Why 404?",), False),
])
def test_repeats(question, titles, expected):
    assert repeats(question, *titles) is expected


def test_ingest_gives_entries_their_display_title():
    text = ("---\nid: q1\ntitle: \"NacosException: http error, code=403,msg=user not fou\"\n---\n\n"
            "## 用户问题 ：\n NacosException: http error, code=403,msg=user not found! 怎么办？\n\n"
            "## 专家官方解答 ：\n\n检查用户名。\n")
    entry = parse_bytes(text.encode(), "q1.md").entry
    assert entry.title == "NacosException: http error, code=403,msg=user not fou"
    assert entry.display_title == "NacosException: http error, code=403,msg=user not found!"
    plain = parse_bytes(b"---\nid: q2\ntitle: Short\n---\n\nAll answer.\n", "q2.md").entry
    assert plain.display_title == "Short"


# --------------------------------------------------------------------------- the real corpus

def _key(text: str) -> str:
    return " ".join(re.sub("[\"'“”‘’`]", "", text).split())


@pytest.mark.corpus
def test_cut_titles_of_the_corpus_show_their_question(corpus):
    cut = [e for e in corpus.entries if _key(e.question).startswith(_key(e.title)) and _key(e.question) != _key(e.title)]
    assert len(cut) >= 173
    changed = [e for e in corpus.entries if e.display_title != e.title]
    assert {e.id for e in cut} <= {e.id for e in changed}
    for e in changed:
        assert len(e.display_title) <= MAX_CHARS and len(_key(e.display_title)) > len(_key(e.title)), e.id
        shown = e.display_title.removesuffix(ELLIPSIS)
        assert _key(e.question).startswith(_key(shown)), e.id
    assert all(e.display_title == e.title for e in corpus.entries if prefix_end(e.title, e.question) is None)


@pytest.mark.corpus
def test_no_display_title_ends_mid_word(corpus):
    """Where the question goes on, the display title ends between words (or CJK characters)."""
    for e in corpus.entries:
        if not e.display_title.endswith(ELLIPSIS):
            continue
        shown = e.display_title.removesuffix(ELLIPSIS)
        question = " ".join(e.question.split())
        at = question.find(shown[-20:]) + len(shown[-20:])
        assert at >= 20, e.id
        before, after = question[at - 1], question[at:at + 1]
        assert not (before.isascii() and before.isalnum() and after.isascii() and after.isalnum()), \
            (e.id, e.display_title)
