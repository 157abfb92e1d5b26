"""A live preview's results equal a clean build's after every kind of edit, on a whole corpus.

    python benchmarks/verify_live.py [--corpus DIR] [--size N]

Copies the corpus (or a generated one of `--size` entries, as build_scale.py makes them)
to a temporary folder and runs one session in verify mode (`KB_VERIFY_CACHE`: every
remembered value is recomputed and compared) through a sequence of edits: title,
question, answer, tags (a new tag; a tag losing its last entry), keywords, date,
`updated`, category, references, an error signature, a link to another entry, an entry
added, renamed and deleted.  After each edit it compares, with a clean build of the
same files, every generated page (markdown and fragments), every search document and
every file of the browser index, and prints the time of the live build.  Exit status 1
on the first difference.  (tests/test_live_site.py runs the same kinds of edit through
MkDocs on a small site in the test suite.)
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))


def _front(path: Path, key: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    top = re.search(r"(?s)^---\n.*?\n---\n", text).group(0)
    if re.search(rf"(?m)^{key}:", top):
        new = re.sub(rf"(?m)^{key}:.*(?:\n[ \t]+-.*)*", f"{key}: {value}", top, count=1)
    else:
        new = top[:-4] + f"\n{key}: {value}\n---\n"
    path.write_text(new + text[len(top):], encoding="utf-8")


def _answer(path: Path, extra: str) -> None:
    text = path.read_text(encoding="utf-8")
    m = re.search(r"(?m)^## (?:专家官方解答|Answer).*$", text)
    path.write_text(text[:m.end()] + f"\n\n{extra}\n" + text[m.end():] if m else text + f"\n\n{extra}\n",
                    encoding="utf-8")


def edits(files: list[Path]) -> list[tuple[str, object]]:
    a, b, c, d, e = files[1], files[len(files) // 3], files[len(files) // 2], files[-2], files[-1]
    added = a.with_name("kb-verify-added.md")
    return [
        ("title", lambda: _front(a, "title", '"改过的标题 kbverifytitle"')),
        ("question", lambda: _front(b, "title", '"另一个标题 kbverifyquestion"')),
        ("answer", lambda: _answer(c, "新增的解答段落 kbverifyanswer。")),
        ("a new tag", lambda: _front(d, "tags", '["全新标签kbverify", "nacos"]')),
        ("keywords", lambda: _front(d, "keywords", '["配置刷新", "kbverifykeyword"]')),
        ("a tag loses its last entry", lambda: _front(d, "tags", '["nacos"]')),
        ("date", lambda: _front(e, "date", '"2021-01-02"')),
        ("updated", lambda: _front(e, "updated", '"2025-03-04"')),
        ("category", lambda: _front(a, "category", "kbVerifyCategory")),
        ("an error signature", lambda: _front(e, "title", '"启动报错 java.lang.IllegalStateException: kb broke down"')),
        ("a link to another entry", lambda: _answer(b, f"另见 [这一条](./{a.name})。")),
        ("add an entry", lambda: added.write_text(c.read_text(encoding="utf-8").replace("id:", "id: kb-verify-added\nold_id:", 1), encoding="utf-8")),
        ("rename a file", lambda: added.rename(added.with_name("kb-verify-renamed.md"))),
        ("delete an entry", lambda: a.unlink()),
    ]


def results(content: Path, session) -> tuple[dict, tuple, dict]:
    from kb_builder import browser_index, pipeline

    settings = pipeline.Settings(content_dir=content, lang="zh", site_tags=("nacos", "opensource"))
    generated = pipeline.generate(settings, session=session)
    docs = pipeline.search_docs(generated.entries, generated.graph, session)
    analysis = pipeline.analysis(generated, docs, session)
    index = session.store.derive(browser_index.build, analysis, None, same=browser_index.same_files)
    session.end_build()
    return generated.pages, docs, index.files


def main(argv: list[str] | None = None) -> int:
    from kb_builder.session import Session

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "nacos-faq")
    ap.add_argument("--size", type=int, help="a generated corpus of this many entries (build_scale.make_corpus)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kb-verify-"))
    content = work / "content"
    if args.size:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from build_scale import make_corpus

        make_corpus(args.size, content, args.corpus)
    else:
        shutil.copytree(args.corpus, content)
    files = sorted(content.glob("*.md"))
    live = Session(verify=True)
    t = time.perf_counter()
    results(content, live)
    print(f"{len(files)} entries: first build {time.perf_counter() - t:.1f} s (verify mode)")
    failed = 0
    for name, edit in edits(files):
        edit()
        t = time.perf_counter()
        got = results(content, live)
        seconds = time.perf_counter() - t
        clean = results(content, Session(verify=False))
        pages = sorted(u for u in set(got[0]) | set(clean[0]) if got[0].get(u) != clean[0].get(u))
        files_differ = sorted(f for f in set(got[2]) | set(clean[2]) if got[2].get(f) != clean[2].get(f))
        same = not pages and got[1] == clean[1] and not files_differ
        print(f"  {name:<28} live build {seconds:6.1f} s (verify mode)  {'equal' if same else 'DIFFERENT'}")
        if not same:
            print(f"    pages: {pages[:10]}  documents differ: {got[1] != clean[1]}  index files: {files_differ[:10]}")
            failed += 1
    shutil.rmtree(work, ignore_errors=True)
    print("every edit: the live results equal a clean build" if not failed else f"{failed} edits differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
