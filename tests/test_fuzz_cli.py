"""`kb search` and `kb check` handle any query or file without a traceback (issue 7).

Property tests: random unicode queries against an in-memory whoosh index, and the
real command lines (`python -m kb_builder search|check`) over generated cases,
run a few at a time in parallel to keep the suite fast.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
BATCH = 8  # command lines run in parallel per hypothesis example
WORKERS = 4
CLI_EXAMPLES = 4  # x BATCH = 32 command lines per property

_query_bits = st.sampled_from([
    "AND", "OR", "NOT", "ANDNOT", '"', "'", "*", "?", "~", "~2", "^", "^3", "title:", "tags:", "(", ")", "[", "]",
    "{", "}", "[a TO z]", "\\", "-", "+", "/", ":", "!", "&&", "||", "配置", "客户端 心跳", "nacos", "Nacos",
    "NacosException:", "code=500", "<script>window.__pwned=1</script>", "%2e%2e", "../../etc", "\u200b", "\ufeff",
    "😀", "ｎａｃｏｓ", "配置中心", "\t", "\n", " ", "a" * 300, "é", "\u0301", "ß", "İ", "\u202e", "0", "1.4.1",
    "*:*", "$", "#", "`", "\x7f", "\x1b[2J",
])
_queries = st.one_of(
    st.text(max_size=80),
    st.lists(_query_bits, max_size=12).map(" ".join),
    st.lists(st.one_of(_query_bits, st.text(max_size=6)), max_size=10).map("".join),
)


# --------------------------------------------------------------------------- in memory

@pytest.fixture(scope="module")
def memory_index():
    from kb_builder import search

    from kb_builder import pipeline

    gathered = [pipeline.gather(pipeline.Settings(content_dir=d)) for d in (HOSTILE, REPO / "content")]
    docs = [doc for g in gathered for doc in pipeline.search_docs(g.entries, g.graph)]
    return search.build_index(docs, None)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=_queries, limit=st.integers(min_value=-2, max_value=25))
def test_search_never_raises(memory_index, query, limit):
    from kb_builder import search, search_output

    hits = search.search(memory_index, query, limit=limit)
    assert isinstance(hits, list) and len(hits) <= max(limit, 0)
    for hit in hits:
        assert isinstance(hit.title, str) and isinstance(hit.url, str) and hit.url.startswith("q/")
    search_output.format_hits(hits)
    assert isinstance(json.loads(search_output.hits_json(hits)), list)


@settings(max_examples=100, deadline=None)
@given(query=st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=4)
       | st.text(max_size=20).map(lambda s: s + "\udcff"))
def test_search_survives_lone_surrogates(memory_index, query):
    from kb_builder import search, search_output

    hits = search.search(memory_index, query)
    assert isinstance(hits, list)
    search_output.format_hits(hits)


def test_hostile_query_finds_hostile_entries(memory_index):
    from kb_builder import search

    hits = search.search(memory_index, "<script>window.__pwned=1</script>")
    assert {h.id for h in hits} & {"hostile-title", "hostile-body", "hostile-related"}


# --------------------------------------------------------------------------- command lines

def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "PYTHONIOENCODING": "utf-8"}


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb_builder", *argv], cwd=REPO, env=_env(),
                          capture_output=True, timeout=300)


def _run_all(argvs: list[list[str]]) -> list[subprocess.CompletedProcess]:
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(_run, argvs))


def _assert_clean(argv: list[str], proc: subprocess.CompletedProcess) -> None:
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 1, 2), (argv, proc.returncode, stderr[-3000:])
    assert "Traceback" not in stderr, (argv, stderr[-3000:])


@pytest.fixture(scope="module")
def search_content(tmp_path_factory) -> Path:
    """A private copy, so the search cache key is ours; warmed once before the parallel runs."""
    content = tmp_path_factory.mktemp("search-content") / "content"
    import shutil

    shutil.copytree(HOSTILE, content)
    shutil.copytree(REPO / "content", content / "sample")
    proc = _run(["search", "--content", str(content), "配置"])
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return content


_argv_query = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                      max_size=60) | st.lists(_query_bits.filter(lambda b: "\x00" not in b), max_size=8).map(" ".join)
_search_case = st.tuples(_argv_query, st.sampled_from(["plain", "json", "dashdash", "limit"]),
                         st.integers(min_value=-3, max_value=30))


@settings(max_examples=CLI_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(_search_case, min_size=BATCH, max_size=BATCH))
def test_cli_search_any_query(search_content, cases):
    argvs = []
    for query, form, limit in cases:
        base = ["search", "--content", str(search_content)]
        if form == "json":
            argvs.append(base + ["--json", "--", query])
        elif form == "limit":
            argvs.append(base + ["--limit", str(limit), "--", query])
        elif form == "dashdash":
            argvs.append(base + ["--", query])
        else:
            argvs.append(["search", query, "--content", str(search_content)])  # '-x' queries: usage error, exit 2
    for argv, proc in zip(argvs, _run_all(argvs)):
        _assert_clean(argv, proc)
        if "--json" in argv and proc.returncode == 0:
            assert isinstance(json.loads(proc.stdout.decode("utf-8")), list)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.dates().map(str))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                            max_size=3), max_leaves=8)
_keys = st.one_of(st.sampled_from(["id", "title", "date", "tags", "keywords", "category", "description",
                                   "references"]), st.text(max_size=10))
_yaml_bits = st.sampled_from(["id: ", "title: ", "tags: ", "date: ", "\n", "  ", "- ", "[", "]", "{", "}", ",", ":",
                              "'", '"', "&a ", "*a", "!!binary ", "!!python/object:os.system ", "? ", "|\n", "---\n",
                              "2024-13-45", "客户端", "😀", "../x", "x", "1", "\t", "\\", "%"])


@st.composite
def _entry_file(draw) -> bytes:
    kind = draw(st.sampled_from(["mapping", "yaml", "bytes", "text"]))
    body = draw(st.sampled_from(["", "## Question\nq\n## Answer\na\n", "## 用户问题 ：\nq\n## 专家官方解答 ：\na\n",
                                 "[x](javascript:alert(1))\n"]))
    if kind == "mapping":
        mapping = draw(st.dictionaries(_keys, _values, max_size=7))
        if draw(st.booleans()):
            mapping.setdefault("id", draw(st.sampled_from(["ok-id", "../x", "a/b", "", "x" * 200, "客户端"])))
            mapping.setdefault("title", draw(st.text(max_size=40)))
        return ("---\n" + yaml.safe_dump(mapping, allow_unicode=True) + "---\n" + body).encode("utf-8", "surrogatepass")
    if kind == "yaml":
        return ("---\n" + "".join(draw(st.lists(_yaml_bits, max_size=30))) + "\n---\n" + body).encode("utf-8")
    if kind == "bytes":
        prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"---\n", b"---\nid: a\ntitle: t\n---\n"]))
        return prefix + draw(st.binary(max_size=300))
    return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")


@settings(max_examples=CLI_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(_entry_file(), st.sampled_from(["text", "json", "github"])),
                      min_size=BATCH, max_size=BATCH))
def test_cli_check_any_file(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("check-fuzz")
    argvs = []
    for i, (data, fmt) in enumerate(files):
        path = folder / f"case{i}.md"
        path.write_bytes(data)
        argvs.append(["check", str(path), "--format", fmt])
    argvs.append(["check", str(folder), "--format", "json", "-v"])  # all of them at once
    procs = _run_all(argvs)
    for argv, proc in zip(argvs, procs):
        _assert_clean(argv, proc)
        assert proc.returncode in (0, 1), (argv, proc.stderr.decode("utf-8", "replace")[-2000:])
    report = json.loads(procs[-1].stdout.decode("utf-8"))
    assert report["files"] == BATCH
