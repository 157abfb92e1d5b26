"""Special files and links in the content folder (issue 14, items 4 and 5): only regular
files are read, never more than the limit; links whose real path leaves the content
folder are skipped and named, links to folders are reported, never silently dropped.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb_builder.ingest import read_corpus, read_entry
from kb_builder.model import Severity

REPO = Path(__file__).resolve().parents[1]
ENTRY = "---\nid: {id}\ntitle: {title}\ntags: [nacos]\n---\n\n## Question\n\nq\n\n## Answer\n\n{answer}\n"


def _entry(path: Path, entry_id: str, title: str = "A title", answer: str = "An answer.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ENTRY.format(id=entry_id, title=title, answer=answer), encoding="utf-8")
    return path


@pytest.fixture
def linked(tmp_path) -> Path:
    """content/ with links out of it and into it; outside/ holds a secret."""
    outside = tmp_path / "outside"
    _entry(outside / "secret.md", "secret", "TOPSECRET title", "TOPSECRET answer")
    _entry(outside / "dir" / "also-secret.md", "also-secret", "TOPSECRET too")
    content = tmp_path / "content"
    _entry(content / "plain.md", "plain")
    _entry(content / "sub" / "nested.md", "nested")
    (content / "sub" / "entry.txt").write_text(ENTRY.format(id="via-link", title="Read through a link",
                                                            answer="a"), encoding="utf-8")
    os.symlink("../outside/secret.md", content / "leak.md")
    os.symlink(str(outside / "dir"), content / "etcdir")
    os.symlink("sub", content / "alias")
    os.symlink("sub/entry.txt", content / "inside.md")
    return content


def test_links_leaving_the_content_folder_are_skipped_and_named(linked):
    corpus = read_corpus(linked)
    ids = {e.id for e in corpus.entries}
    assert ids == {"plain", "nested", "via-link"}
    skipped = {s.path: s.reason for s in corpus.skipped}
    assert "outside the content folder" in skipped["leak.md"]
    assert "folder outside the content folder" in skipped["etcdir"]
    assert "folder inside the content folder" in skipped["alias"]
    assert "not a markdown file" in skipped["sub/entry.txt"]
    assert set(skipped) == {"leak.md", "etcdir", "alias", "sub/entry.txt"}
    assert corpus.files_seen == len(corpus.entries) + len(corpus.skipped) == 7
    kinds = {f.path: (f.severity, f.kind) for f in corpus.findings}
    assert kinds["leak.md"] == (Severity.WARNING, "link-outside")
    assert kinds["etcdir"] == (Severity.WARNING, "link-outside")
    assert kinds["alias"] == (Severity.INFO, "folder-link")
    assert not any("TOPSECRET" in e.title + e.answer for e in corpus.entries)
    # a link inside the folder is read, under its own name
    via = next(e for e in corpus.entries if e.id == "via-link")
    assert via.source_path == "inside.md"


def test_kb_check_names_the_links(linked):
    proc = subprocess.run([sys.executable, "-m", "kb_builder", "check", str(linked)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert "leak.md: warning: a link to a file outside the content folder" in proc.stdout, proc.stdout
    assert "etcdir: warning: a link to a folder outside the content folder" in proc.stdout


def _special(content: Path) -> None:
    _entry(content / "ok.md", "ok")
    os.mkfifo(content / "x.md")
    os.symlink("/dev/zero", content / "zero.md")
    os.mkfifo(content / "pipe")
    os.symlink("pipe", content / "p.md")  # a link inside the folder, to a FIFO


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="needs FIFOs and /dev/zero")
def test_fifo_and_device_links_are_not_read(tmp_path):
    """In a child with a 1 GB address-space cap and a time limit: reading /dev/zero used
    to grow without end, and opening a FIFO to wait for a writer forever."""
    content = tmp_path / "content"
    _special(content)
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "from kb_builder.ingest import read_corpus\n"
            "c = read_corpus(sys.argv[1])\n"
            "print(sorted(e.id for e in c.entries))\n"
            "for s in c.skipped: print(s.path, '|', s.reason)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code, str(content)], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "['ok']"
    reasons = dict(line.split(" | ", 1) for line in lines[1:])
    assert "FIFO" in reasons["x.md"] and "not a regular file" in reasons["x.md"]
    assert "outside the content folder" in reasons["zero.md"]
    assert "FIFO" in reasons["p.md"] and "not a markdown file" in reasons["pipe"]


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_the_size_limit_counts_what_is_read_not_what_the_size_says():
    """/proc files say they hold 0 bytes."""
    assert os.stat("/proc/self/status").st_size == 0
    result = read_entry(Path("/proc/self/status"), "status.md", max_bytes=64)
    (finding,) = result.findings
    assert finding.kind == "file-too-large" and "more than" in finding.message


def test_a_character_device_is_not_opened(tmp_path):
    result = read_entry(Path("/dev/null"), "null.md")
    (finding,) = result.findings
    assert finding.kind == "not-a-file" and "character device" in finding.message


def test_hidden_files_and_folders_are_skipped_and_named(tmp_path):
    _entry(tmp_path / "kept.md", "kept")
    _entry(tmp_path / "v1.2" / "dotted.md", "dotted")  # a dot inside a name hides nothing
    _entry(tmp_path / ".draft.md", "draft")
    _entry(tmp_path / ".drafts" / "inside.md", "inside")
    _entry(tmp_path / "a" / ".b" / "deep.md", "deep")
    corpus = read_corpus(tmp_path)
    assert sorted(e.id for e in corpus.entries) == ["dotted", "kept"]
    assert sorted(s.path for s in corpus.skipped) == [".draft.md", ".drafts/inside.md", "a/.b/deep.md"]
    assert {f.kind for f in corpus.findings if f.path in {s.path for s in corpus.skipped}} == {"hidden-file"}


# ------------------------------------------------------------- results kept while a file stays

def _counting(reads, path: Path, key="k"):
    calls = []

    def compute():
        calls.append(1)
        return path.read_bytes()

    return calls, lambda: reads.result(path, key, compute)


def test_a_file_is_read_again_only_when_its_status_changes(tmp_path):
    from kb_builder.content_files import FileReads

    f = tmp_path / "a.md"
    f.write_bytes(b"one")
    calls, read = _counting(FileReads(racy_ns=0), f)
    assert read() == b"one" and read() == b"one" and len(calls) == 1
    # the same size and modification time written back: the change time still tells
    mtime = f.stat().st_mtime_ns
    f.write_bytes(b"two")
    os.utime(f, ns=(mtime, mtime))
    assert read() == b"two" and len(calls) == 2
    f.unlink()
    f.write_bytes(b"new")  # another file under the same name
    assert read() == b"new" and len(calls) == 3


def test_a_file_changed_just_before_it_was_read_is_read_every_time(tmp_path):
    from kb_builder.content_files import FileReads

    f = tmp_path / "a.md"
    f.write_bytes(b"one")
    calls, read = _counting(FileReads(), f)  # the default window: the file was written just now
    read(), read()
    assert len(calls) == 2


def test_kept_reads_are_checked_in_verify_mode_and_forgotten_with_their_file(tmp_path):
    from kb_builder.content_files import FileReads

    f = tmp_path / "a.md"
    f.write_bytes(b"one")
    reads = FileReads(verify=True, racy_ns=0)
    assert reads.result(f, "k", lambda: 1) == 1
    assert reads.result(f, "k", lambda: 1) == 1  # computed again, and equal
    with pytest.raises(AssertionError, match="kept read differs"):
        reads.result(f, "k", lambda: 2)
    reads = FileReads(racy_ns=0)
    reads.result(f, "k", lambda: 1)
    reads.forget_others(set())
    assert reads.result(f, "k", lambda: 2) == 2


def test_read_corpus_with_kept_reads_gives_the_same_corpus(tmp_path):
    from kb_builder.content_files import FileReads

    content = tmp_path / "content"
    for n in range(3):
        _entry(content / f"e{n}.md", f"e-{n}", title=f"Title {n}")
    (content / "notes.txt").write_text("x", encoding="utf-8")
    reads = FileReads(racy_ns=0)
    first = read_corpus(content, reads=reads)
    assert read_corpus(content, reads=reads) == first == read_corpus(content)
    _entry(content / "e1.md", "e-1", title="Title one, edited")
    (content / "e2.md").unlink()
    again = read_corpus(content, reads=reads)
    assert again == read_corpus(content)
    assert [e.title for e in again.entries] == ["Title 0", "Title one, edited"]
