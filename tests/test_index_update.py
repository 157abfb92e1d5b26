"""An updated whoosh index (the previous base, deletions, one delta) ranks exactly as a clean one."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from kb_builder import index_update, search
from kb_builder.documents import SearchDoc

from test_search import DOCS

QUERIES = ["心跳", "客户端 报错", "端口", "命名空间", "数据库 驱动", "user not found", "configuration", "内存 不足",
           "nacos", "鉴权 登录", "MySQL 8.0", "connection refused", "删除", "什么是"]


def results(index: search.Index) -> list[list[dict]]:
    return [[hit.as_dict() for hit in index.search(q, limit=20)] for q in QUERIES]


def segments(folder: Path) -> list:
    return search._segments(folder)


def edited(docs: list[SearchDoc]) -> list[SearchDoc]:
    """One answer changed, one entry removed, one added, one moved to the end."""
    out = [dataclasses.replace(d, answer=d.answer + " 另外检查防火墙的端口。") if d.id == "ports" else d
           for d in docs if d.id != "auth"]
    out.append(SearchDoc(id="new-hb", title="服务端收不到客户端心跳", url="q/new-hb/",
                         answer="先确认客户端的心跳间隔，再看服务端日志。", tags=("心跳",)))
    moved = next(d for d in out if d.id == "mem")
    return [d for d in out if d is not moved] + [moved]


def test_an_update_ranks_exactly_as_a_clean_build(tmp_path):
    search.build_index(DOCS, tmp_path / "old").close()
    docs = edited(DOCS)
    updated = search.build_index(docs, tmp_path / "updated", previous=tmp_path / "old")
    clean = search.build_index(docs, tmp_path / "clean")
    # The update kept the old base (deleting the changed and removed entries) and wrote a delta.
    old_base = segments(tmp_path / "old")[0]
    base, delta = segments(tmp_path / "updated")
    assert base.segid == old_base.segid and len(segments(tmp_path / "clean")) == 1
    assert updated.doc_count == clean.doc_count == len(docs)
    assert delta.doc_count_all() == 2  # the changed and the new entry; the moved one stays in the base
    assert results(updated) == results(clean)
    assert any(results(updated))


def test_ties_rank_by_corpus_order_whatever_segment_holds_them(tmp_path):
    twin = dict(title="重启以后配置丢失", answer="检查数据目录是否挂载。", tags=("配置",))
    docs = [SearchDoc(id="a", url="q/a/", **twin), SearchDoc(id="b", url="q/b/", **twin), *DOCS]
    search.build_index(docs, tmp_path / "old").close()
    # `a` changes only its address: it moves to the delta, after `b`, and must still rank first.
    docs[0] = dataclasses.replace(docs[0], url="q/a-moved/")
    updated = search.build_index(docs, tmp_path / "new", previous=tmp_path / "old")
    assert len(segments(tmp_path / "new")) == 2
    hits = updated.search("重启 配置 丢失", limit=2)
    assert [h.id for h in hits] == ["a", "b"] and hits[0].score == hits[1].score
    assert hits[0].url == "q/a-moved/"


def test_updating_an_index_in_place_and_again(tmp_path):
    """`kb serve` writes over its own index; updates follow one another."""
    where = tmp_path / "index"
    search.build_index(DOCS, where).close()
    docs = edited(DOCS)
    search.build_index(docs, where, previous=where).close()
    docs = [dataclasses.replace(d, title=d.title + "（二）") if d.id == "db" else d for d in docs]
    again = search.build_index(docs, where, previous=where)
    assert len(segments(where)) == 2
    assert results(again) == results(search.build_index(docs, tmp_path / "clean"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch folders left


def test_a_damaged_base_is_written_again(tmp_path):
    search.build_index(DOCS, tmp_path / "old").close()
    base = segments(tmp_path / "old")[0]
    victim = next(p for p in sorted((tmp_path / "old").iterdir()) if p.name.startswith(f"MAIN_{base.segid}."))
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    docs = edited(DOCS)
    updated = search.build_index(docs, tmp_path / "new", previous=tmp_path / "old")
    assert len(segments(tmp_path / "new")) == 1  # a clean build
    assert results(updated) == results(search.build_index(docs, tmp_path / "clean"))


@pytest.mark.parametrize("damage", ["no meta", "not json", "other base", "no toc"])
def test_a_previous_index_that_cannot_be_read_means_a_clean_build(tmp_path, damage):
    old = tmp_path / "old"
    search.build_index(DOCS, old).close()
    meta = json.loads((old / search.META_FILE).read_text(encoding="utf-8"))
    if damage == "no meta":
        (old / search.META_FILE).unlink()
    elif damage == "not json":
        (old / search.META_FILE).write_text("{", encoding="utf-8")
    elif damage == "other base":
        meta["base"]["segment"] = "x" * 16
        (old / search.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    else:
        for p in old.glob("_MAIN_*.toc"):
            p.unlink()
    docs = edited(DOCS)
    updated = search.build_index(docs, tmp_path / "new", previous=old)
    assert len(segments(tmp_path / "new")) == 1
    assert results(updated) == results(search.build_index(docs, tmp_path / "clean"))


def test_no_documents_then_some(tmp_path):
    empty = search.build_index([], tmp_path / "index")
    assert empty.doc_count == 0 and empty.search("心跳") == []
    empty.close()
    filled = search.build_index(DOCS, tmp_path / "index", previous=tmp_path / "index")
    assert results(filled) == results(search.build_index(DOCS, tmp_path / "clean"))


def test_the_taken_over_base_is_linked_not_rewritten(tmp_path):
    search.build_index(DOCS, tmp_path / "old").close()
    search.build_index(edited(DOCS), tmp_path / "new", previous=tmp_path / "old").close()
    base = segments(tmp_path / "new")[0]
    for p in (tmp_path / "new").glob(f"MAIN_{base.segid}.*"):
        assert os.path.samefile(p, tmp_path / "old" / p.name) or p.read_bytes() == (tmp_path / "old" / p.name).read_bytes()


# --------------------------------------------------------------------------- the plan alone

def base_of(ids: list[str]) -> index_update.Base:
    return index_update.Base(Path("."), "s", tuple(ids), tuple(f"d-{i}" for i in ids))


def test_the_plan_keeps_unchanged_documents_and_puts_the_rest_in_the_delta():
    ids = [f"e{i}" for i in range(100)]
    new_ids = [i for i in ids if i != "e3"] + ["e100"]
    digests = [f"d-{i}" if i != "e7" else "changed" for i in new_ids]
    plan = index_update.plan(base_of(ids), new_ids, digests)
    assert plan.deleted == {3, 7}
    assert [new_ids[p] for p in plan.delta] == ["e7", "e100"]
    order = plan.order
    assert order[3] == order[7] == -1 and len(order) == 102
    assert sorted(p for p in order if p >= 0) == list(range(len(new_ids)))


def test_a_large_change_is_a_clean_build():
    ids = [f"e{i}" for i in range(2000)]
    assert index_update.plan(base_of(ids), ids, [f"d-{i}" for i in ids]) is not None
    half_changed = [f"d-{i}" if n % 2 else "x" for n, i in enumerate(ids)]
    assert index_update.plan(base_of(ids), ids, half_changed) is None
    grown = ids + [f"n{i}" for i in range(400)]  # a delta of 400, more than an eighth
    assert index_update.plan(base_of(ids), grown, [f"d-{i}" for i in grown]) is None
