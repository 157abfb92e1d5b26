"""The error index (issue 17): named fixtures, each a text and the signatures it must give.

* EXTRACTED: one text -> signatures it must give and must not give (errors.py);
* MERGED: entries -> one signature listing them all, with the other forms as aliases
  (error_groups.py), and forms that must stay apart;
* REPAIRED: a question a mirror cut or stripped, with its answer -> the signature as it
  was written (error_repair.py);
* the error index page shows the aliases, escaped.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import markdown
import pytest

from kb_builder import link, normalize, tags
from kb_builder.errors import extract_signatures
from kb_builder.model import Entry
from kb_builder.pages import render_pages
from kb_builder.pipeline import Settings, render_context, search_docs

PRODUCTS = ("nacos",)

NESTED = ("Caused by: java.io.IOException: Failed to bind to address 0.0.0.0/0.0.0.0:9849 Caused by: "
          "io.grpc.netty.shaded.io.netty.channel.unix.Errors$NativeIoException: bind(..) failed: Address already "
          "in use 启动 2.3.0 standalone 模式为什么提示端口占用？ org.springframework.beans.BeanInstantiationException: "
          "Failed to instantiate [com.alibaba.nacos.naming.core.v2.service.impl.PersistentClientOperationServiceImpl]: "
          "Constructor threw exception; nested exception is java.lang.UnsatisfiedLinkError: "
          "/tmp/librocksdbjni6292792729875964513.so: libstdc++.so.6: cannot open shared object file: "
          "No such file or directory 各位大神 K8s 容器部署启动报这个错误怎么解决")
_CLAUSE = "the client failed to open the connection to the registry server"
_PAD = 160 - len(_CLAUSE) + 3  # what follows "error: " is read 160 characters on: it ends inside "server"
CUT_AFTER_MARKER = ("Startup error: " + "ok, " * (_PAD // 4) + " " * (_PAD % 4) + _CLAUSE
                    + ", and the retry gave up as well")

# name: (text, signatures it must give, signatures it must not give); None: it gives none at all
EXTRACTED: dict[str, tuple[str, set[str], set[str] | None]] = {
    "nested exceptions, each with its message": (
        NESTED,
        {"NativeIoException", "Address already in use", "UnsatisfiedLinkError",
         "UnsatisfiedLinkError: /tmp/librocksdbjni<n>.so", "libstdc++.so.6: cannot open shared object file",
         "No such file or directory", "Failed to bind to address <ip>", "IOException: Failed to bind to address <ip>"},
        {"IOException", "BeanInstantiationException", "Failed to instantiate", "BeanInstantiationException: Failed to instantiate",
         "cannot open shared object file"}),
    "a path stays whole": (
        "docker 挂载 conf 目录时 java.io.FileNotFoundException: /home/nacos/conf/nacos-logback.xml (No such file or directory)",
        {"FileNotFoundException: /home/nacos/conf/nacos-logback.xml", "No such file or directory"}, set()),
    "a quoted name keeps its closing quote": (
        "Error creating bean with name 'embeddedDumpService': Invocation of init method failed",
        {"Error creating bean with name 'embeddedDumpService'"}, {"Error creating bean with name 'embeddedDumpService"}),
    "a unit in parentheses stays in its message": (
        "#io.grpc.netty.shaded.io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 2097152 byte(s) "
        "of direct memory (used: 501219607, max: 503316480)",
        {"OutOfDirectMemoryError", "failed to allocate <n> byte(s) of direct memory"}, {"failed to allocate <n> byte"}),
    "a status alone says too little": ("访问控制台一直返回404，开启鉴权后又报403", set(), None),
    "a status's reason phrase is no message": (
        '调用时报{ "timestamp": "2024-06-13T09:12:03.161", "status": 403, "error": "Forbidden", '
        '"message": "user not found!", "path": "/nacos/v2/cs/config" }是什么原因',
        {"user not found"}, {"403 Forbidden", "Forbidden", "HTTP 403"}),
    "a message of generic words only": ("登录控制台提示No message available，日志里是 http error", set(), None),
    "the product's own base class with a generic message": (
        "nacos com.alibaba.nacos.api.exception.NacosException: http error,", set(), None),
    "a lead-in before a colon": (
        "Param check invalid:Param 'Metadata' is illegal, the param length should not exceed 1024.",
        {"Param 'Metadata' is illegal", "the param length should not exceed <n>"},
        {"Param check invalid:Param 'Metadata' is illegal"}),
    "an errno message after a call": (
        "Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: finishConnect(..) failed: "
        "Connection refused: /10.0.0.1:8848 怎么办",
        {"AnnotatedConnectException", "finishConnect(..) failed", "Connection refused"}, {"finishConnect"}),
    "a product name cut at its start": (
        "acos Load Logback Configuration of Nacos fail, message: Could not initialize Logback Nacos logging",
        {"Load Logback Configuration of Nacos fail"}, {"acos Load Logback Configuration of Nacos fail"}),
    "a message read on from a marker is not cut mid-word": (
        CUT_AFTER_MARKER, {_CLAUSE}, {_CLAUSE[:-3]}),
}


def _displays(text: str) -> list[str]:
    return [s.display for s in extract_signatures(text, PRODUCTS)]


@pytest.mark.parametrize("name", list(EXTRACTED))
def test_extracted_signatures(name):
    text, wanted, unwanted = EXTRACTED[name]
    found = _displays(text)
    if unwanted is None:
        assert found == [], found
        return
    assert wanted <= set(found), (wanted - set(found), found)
    assert not unwanted & set(found), (unwanted & set(found), found)


def test_no_signature_is_cut_mid_word():
    """Every word of every signature is a whole word of its text (variable parts aside)."""
    cut = {}
    for name, (text, _, _) in EXTRACTED.items():
        words = set(re.findall(r"[a-z]+|[0-9]+", text.lower()))
        cut[name] = [display for display in _displays(text)
                     if not set(re.findall(r"[a-z]+|[0-9]+", re.sub(r"<\w+>", " ", display.lower()))) <= words]
    assert {name: found for name, found in cut.items() if found} == {}


# --------------------------------------------------------------------------- merged across entries

def _entry(entry_id: str, question: str, answer: str = "请查看日志。") -> Entry:
    return Entry(id=entry_id, title=question[:40], question=question, answer=answer,
                 source_path=f"{entry_id}.md", date="2024-05-01")


def _graph(questions: dict[str, str], answers: dict[str, str] | None = None):
    entries = [_entry(i, q, (answers or {}).get(i, "请查看日志。")) for i, q in questions.items()]
    normalized = normalize.normalize_corpus(entries, tags.load_tag_settings())
    return normalized, link.build_graph(normalized)


# name: (questions, the one signature, the other forms it must list as aliases); each case
# also holds an entry with another error written alike (APART), which must stay apart
MERGED: dict[str, tuple[dict[str, str], str, set[str]]] = {
    "a class, a status and a typo": (
        {"a": "客户端报 com.alibaba.nacos.api.exception.NacosException: user not found! 怎么办",
         "b": "nacos 报错403 user not found! 怎么处理？",
         "c": "core-auth 日志一直打印 DEBUG access denied, reason: user not foud",
         "d": "开启鉴权后客户端报 user not found"},
        "user not found", {"NacosException: user not found", "403 user not found", "user not foud"}),
    "timed out and timeout": (
        {"e": "升级到2.3.2后 Read timed out", "f": "客户端时不时的报 read timeout 有人遇到过吗"},
        "Read timed out", {"read timeout"}),
    "a word cut short by the paste": (
        {"g": "服务注册时报错 Nacos cluster is running with 1.X mode, can't accept gRPC request temporarily. Please check",
         "h": "nacos cluster is running with 1.x mode, can't accept grpc request temporaril"},
        "can't accept gRPC request temporarily", {"can't accept grpc request temporaril"}),
    "a word ending lost": (
        {"i": "本地连接服务器时报错 Client not connected, current status:STARTING",
         "j": "com.alibaba.nacos.api.exception.nacosexception: client not connect,current status:STARTING"},
        "Client not connected", {"client not connect", "NacosException: client not connect"}),
    "a wrapper class before the same message": (
        {"k": "单机启动报 org.springframework.context.ApplicationContextException: Unable to start web server; "
              "nested exception is org.springframework.boot.web.server.WebServerException: Unable to start embedded Tomcat",
         "l": "启动时报 Unable to start web server 是什么原因"},
        "Unable to start web server", {"ApplicationContextException: Unable to start web server"}),
}

# (question, its signature): alike, but another error than any case of MERGED
APART = {"x1": ("升级后报 Service v1 is unavailable", "Service v1 is unavailable"),
         "x2": ("升级后报 Service v2 is unavailable", "Service v2 is unavailable"),
         "x3": ("客户端报 Connect timed out", "Connect timed out"),
         "x4": ("客户端报 role not found", "role not found")}


@pytest.mark.parametrize("name", list(MERGED))
def test_variants_are_merged_under_one_signature(name):
    questions, shown, aliases = MERGED[name]
    _, graph = _graph({**questions, **{i: q for i, (q, _) in APART.items()}})
    assert graph.error_index.get(shown) == tuple(questions), graph.error_index  # every entry, in order
    for variant in aliases:
        assert variant not in graph.error_index
    assert aliases <= set(graph.error_aliases[shown]), graph.error_aliases
    for entry_id in questions:
        assert shown in graph.links[entry_id].errors
    for entry_id, (_, apart) in APART.items():
        assert graph.error_index.get(apart) == (entry_id,), (apart, graph.error_index)


def test_a_search_finds_every_entry_of_a_merged_signature_by_any_alias():
    """The search documents hold what each entry wrote and its errors' aliases: a search for
    any alias finds the whole group."""
    questions = MERGED["a class, a status and a typo"][0]
    normalized, graph = _graph(questions)
    aliases = set(graph.error_aliases["user not found"])
    assert {"NacosException: user not found", "403 user not found", "user not foud"} <= aliases
    for doc in search_docs(tuple(normalized), graph):
        assert aliases <= set(doc.errors), doc.errors
        assert set(graph.error_forms[doc.id]) <= set(doc.errors)


# --------------------------------------------------------------------------- repaired from the answer

# name: (question, answer, the signature as written)
REPAIRED: dict[str, tuple[str, str, str]] = {
    "slashes a mirror made spaces": (
        "docker挂载conf目录到宿主机时java.io.FileNotFoundException:  home nacos conf nacos-logback.xml "
        "(No such file or directory)",
        "看起来您遇到了`java.io.FileNotFoundException: /home/nacos/conf/nacos-logback.xml (No such file or "
        "directory)`错误。",
        "FileNotFoundException: /home/nacos/conf/nacos-logback.xml"),
    "a '+' a mirror made a space": (
        "K8s 启动报 java.lang.UnsatisfiedLinkError: libstdc  .so.6: cannot open shared object file: "
        "No such file or directory",
        "原因是找不到`libstdc++.so.6`共享库文件。",
        "libstdc++.so.6: cannot open shared object file"),
}


@pytest.mark.parametrize("name", list(REPAIRED))
def test_what_a_mirror_cut_or_stripped_is_put_back_from_the_answer(name):
    question, answer, shown = REPAIRED[name]
    _, graph = _graph({"r": question}, {"r": answer})
    assert shown in graph.error_index, list(graph.error_index)


def test_a_last_word_is_finished_only_where_the_answer_never_writes_it_alone():
    question = "客户端报错 can't accept grpc request temporaril"
    _, graph = _graph({"s": question}, {"s": "报错 can't accept gRPC request temporarily 表示集群还在 1.x 模式。"})
    assert list(graph.error_index) == ["can't accept grpc request temporarily"]
    _, graph = _graph({"s": question}, {"s": "您写的 temporaril 应为 temporarily。"})
    assert list(graph.error_index) == ["can't accept grpc request temporaril"]


# --------------------------------------------------------------------------- the page

def test_the_error_index_lists_aliases_escaped():
    questions = MERGED["a class, a status and a typo"][0]
    normalized, graph = _graph(questions)
    hostile = '</code><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    graph = dataclasses.replace(graph, error_aliases={"user not found": ("403 user not found", hostile)})
    page = render_pages(render_context(Settings(content_dir=Path("."), lang="en"), normalized, graph))
    text = page["errors/index.md"].text
    assert "Also written as" in text and "`` 403 user not found ``" in text
    html = markdown.markdown(text.split("---", 2)[2], extensions=["def_list", "attr_list", "md_in_html"])
    assert "<script" not in html and "<img" not in html
    assert "&lt;/code&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    row = html[html.index("user not found"):]
    for entry_id in questions:  # the merged row links every entry
        assert f"../q/{entry_id}.md" in row.split("</dd>")[0]
