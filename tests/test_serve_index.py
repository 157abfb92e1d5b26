"""`kb serve`'s background whoosh writer keeps the documents' terms between saves: after an
edit it cuts only the documents that changed, and writes the index a clean build writes."""
from __future__ import annotations

import pickle
from dataclasses import replace

from kb_builder import documents, search, serving
from kb_builder.documents import SearchDoc

_DOCS = [SearchDoc(id=f"e{i}", title=f"服务注册失败 第{i}个 kbserve{i}", url=f"q/e{i}/",
                   question=f"客户端启动后注册到集群失败 {i}", answer=f"检查端口与网络配置，然后重启客户端。编号 {i}")
         for i in range(6)]


def _job(docs: list[SearchDoc], index_dir, kept) -> bytes:
    return pickle.dumps((docs, frozenset({"服务注册"}), (), str(index_dir), str(kept)))


def _results(index_dir, queries: list[str]) -> list[list[tuple[str, float]]]:
    ix = search.open_index(index_dir)
    try:
        return [[(h.id, round(h.score, 6)) for h in search.search(ix, q)] for q in queries]
    finally:
        ix.close()


def test_the_writer_cuts_only_the_documents_an_edit_changed(tmp_path, monkeypatch):
    cut: list[str] = []
    real = documents.doc_terms
    monkeypatch.setattr(documents, "doc_terms", lambda doc, analyzer: cut.append(doc.id) or real(doc, analyzer))
    index_dir, kept = tmp_path / "_kb_index", tmp_path / "terms.pickle"
    docs = list(_DOCS)
    serving.index_child(_job(docs, index_dir, kept))
    assert sorted(cut) == sorted(d.id for d in docs) and kept.is_file()
    cut.clear()
    docs[2] = replace(docs[2], answer="答案改过了 kbchanged 端口")
    docs.append(replace(_DOCS[0], id="e9", url="q/e9/", title="新加的条目 kbadded"))
    serving.index_child(_job(docs, index_dir, kept))
    assert sorted(cut) == ["e2", "e9"]  # the others' terms are the last writer's
    clean = tmp_path / "clean"  # the same documents written by a writer that kept nothing
    serving.index_child(_job(docs, clean, tmp_path / "none.pickle"))
    queries = ["kbchanged", "kbadded", "服务注册失败", "端口 重启"]
    assert _results(index_dir, queries) == _results(clean, queries)
    assert _results(index_dir, ["kbchanged"])[0][0][0] == "e2"


def test_unreadable_kept_terms_are_cut_again(tmp_path, monkeypatch):
    cut: list[str] = []
    real = documents.doc_terms
    monkeypatch.setattr(documents, "doc_terms", lambda doc, analyzer: cut.append(doc.id) or real(doc, analyzer))
    kept = tmp_path / "terms.pickle"
    kept.write_bytes(b"not a pickle")
    serving.index_child(_job(list(_DOCS), tmp_path / "_kb_index", kept))
    assert sorted(cut) == sorted(d.id for d in _DOCS)
    assert _results(tmp_path / "_kb_index", ["kbserve3"])[0][0][0] == "e3"


def test_serving_removes_its_folder_when_it_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    live = serving.Serving()
    live.index_in_background(list(_DOCS), (), (), tmp_path / "site" / "_kb_index")
    assert live.wait_for_index(120)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("kb-serve-")]
    live.stop()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("kb-serve-")]
    assert _results(tmp_path / "site" / "_kb_index", ["kbserve4"])[0][0][0] == "e4"


def test_the_same_documents_again_start_no_writer(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    started = []
    real = serving.subprocess.Popen
    monkeypatch.setattr(serving.subprocess, "Popen", lambda *a, **k: started.append(1) or real(*a, **k))
    live = serving.Serving()
    index_dir = tmp_path / "site" / "_kb_index"
    docs = list(_DOCS)
    try:
        live.index_in_background(docs, (), (), index_dir)
        assert live.wait_for_index(120)
        live.index_in_background(list(docs), (), (), index_dir)  # a rebuild with nothing edited
        assert len(started) == 1
        docs[3] = replace(docs[3], answer="改过的答案 kbedited")
        live.index_in_background(docs, (), (), index_dir)
        assert len(started) == 2 and live.wait_for_index(120)
        assert _results(index_dir, ["kbedited"])[0][0][0] == "e3"
        live.index_in_background(docs, ("服务注册",), (), index_dir)  # another word taught
        assert len(started) == 3 and live.wait_for_index(120)
        import shutil

        shutil.rmtree(index_dir)  # the index is gone: written again
        live.index_in_background(docs, ("服务注册",), (), index_dir)
        assert len(started) == 4 and live.wait_for_index(120)
        assert _results(index_dir, ["kbedited"])[0][0][0] == "e3"
    finally:
        live.stop()
