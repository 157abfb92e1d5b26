"""Nothing lost (issue 7): every file under the content directory becomes a page or is
listed in the build summary with its reason; --strict fails on any skipped file and
leaves the previous site in place.

The real corpus and tests/fixtures/bad/ are copied into one content directory (plus a
few files that are not entries) and built once with `kb build`.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb_builder.ingest import read_corpus

REPO = Path(__file__).resolve().parents[1]
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
SUMMARY = re.compile(r"^(\d+) entries in, (\d+) pages, (\d+) skipped", re.M)
SKIPPED = re.compile(r"^  skipped (.+?): (.+)$", re.M)
# files that are not entries at all, beside the bad ones
EXTRAS = {
    "notes.txt": b"not an entry\n",
    "image.png": b"\x89PNG\r\n\x1a\n\x00\x00",
    ".hidden.md": b"---\nid: hidden\ntitle: hidden\n---\nx\n",
    "sub/README.rst": b"readme\n",
    "sub/nested-entry.md": "---\nid: nested-entry\ntitle: 嵌套目录里的条目\ndate: 2024-03-01\n"
                           "tags: [nacos]\n---\n\n## Question\n\nq\n\n## Answer\n\na\n".encode(),
}


def kb(*args: str, cwd: Path = REPO, timeout: int = 900, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "kb_builder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def tree_hash(root: Path) -> dict[str, str]:
    """Every path under root with its kind, mode and content digest."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        if path.is_symlink():
            out[rel] = f"link {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = f"dir {st.st_mode:o}"
        else:
            out[rel] = f"file {st.st_mode:o} {hashlib.sha256(path.read_bytes()).hexdigest()}"
    return out


def leftovers(site: Path) -> list[str]:
    return sorted(p.name for p in site.parent.iterdir() if p.name.startswith(f".{site.name}."))


@pytest.fixture(scope="module")
def mixed_content(corpus_dir, tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("mixed") / "content"
    shutil.copytree(corpus_dir, content)
    for path in BAD.iterdir():
        assert not (content / path.name).exists(), f"{path.name} clashes with a corpus file"
        shutil.copy2(path, content / path.name)
    for rel, data in EXTRAS.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_bytes(data)
    return content


@pytest.fixture(scope="module")
def mixed_build(mixed_content, tmp_path_factory):
    site = tmp_path_factory.mktemp("mixed-out") / "site"
    proc = kb("build", "--content", str(mixed_content), "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return site, proc


def _files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.corpus
def test_summary_accounts_for_every_file(mixed_content, mixed_build, corpus_dir):
    site, proc = mixed_build
    files = _files_under(mixed_content)
    n_in, n_pages, n_skipped = map(int, SUMMARY.search(proc.stdout).groups())
    bad_valid = read_corpus(BAD).entries
    assert n_in == len(files) == 883 + len(list(BAD.iterdir())) + len(EXTRAS)
    # 883 corpus entries, the bad fixtures that are still valid entries, and the nested one
    assert n_pages == 883 + len(bad_valid) + 1
    assert n_pages + n_skipped == n_in
    skipped = dict(SKIPPED.findall(proc.stdout))
    assert len(skipped) == n_skipped
    assert all(reason.strip() for reason in skipped.values())
    # every file is either a page (by its source) or listed as skipped
    pages_dir = site / "q"
    page_ids = {p.parent.name for p in pages_dir.glob("*/index.html")}
    assert len(page_ids) == n_pages
    entries = read_corpus(mixed_content).entries
    assert {e.id for e in entries} == page_ids
    sources = {e.source_path for e in entries}
    assert sources | set(skipped) == files and not sources & set(skipped)
    # reasons say what went wrong
    assert "not a markdown file" in skipped["notes.txt"] and "hidden" in skipped[".hidden.md"]
    assert "already used" in skipped["duplicate_id_b.md"]
    assert "invalid YAML" in skipped["yaml_bad_indent.md"]
    assert {e.id for e in bad_valid} <= page_ids and "nested-entry" in page_ids


@pytest.mark.corpus
def test_search_index_lives_beside_the_site_and_holds_every_page(mixed_build):
    from kb_builder import search, siteindex

    site, proc = mixed_build
    n_pages = int(SUMMARY.search(proc.stdout).group(2))
    index = search.open_index(siteindex.find(site))
    assert siteindex.find(site) == siteindex.index_dir(site) and siteindex.index_dir(site).parent == site.parent
    assert not (site / "_kb_index").exists()  # the site folder is what gets published
    assert index.meta["docs"] == n_pages
    assert leftovers(site) == []


@pytest.mark.corpus
def test_no_script_urls_in_the_mixed_site(mixed_build):
    """The bad fixtures include markup in every field and a javascript: reference."""
    site, _ = mixed_build
    attr = re.compile(r"""<[a-zA-Z][^<>]*?\s(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data):""", re.I)
    offenders = [p.relative_to(site).as_posix() for p in site.rglob("*.html")
                 if attr.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    xss = (site / "q" / "xss-fields" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in xss and "&lt;script&gt;alert(" in xss


@pytest.mark.corpus
def test_strict_build_fails_and_keeps_the_old_site(mixed_build, tmp_path):
    site, _ = mixed_build
    before = tree_hash(site)
    content = tmp_path / "content"
    shutil.copytree(HOSTILE, content)
    shutil.copy2(BAD / "yaml_bad_indent.md", content / "yaml_bad_indent.md")
    (content / "notes.txt").write_text("not an entry\n", encoding="utf-8")
    proc = kb("build", "--strict", "--content", str(content), "--site-dir", str(site))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "strict" in proc.stderr and "yaml_bad_indent.md" in proc.stderr and "notes.txt" in proc.stderr
    assert tree_hash(site) == before
    assert leftovers(site) == []


def test_strict_build_without_skips_succeeds(tmp_path):
    site = tmp_path / "site"
    proc = kb("build", "--strict", "--content", str(HOSTILE), "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (site / "q" / "hostile-title" / "index.html").is_file() and leftovers(site) == []
    assert "script:" not in proc.stderr, proc.stderr  # no MkDocs warnings about hostile link targets


def test_small_build_lists_each_skipped_file(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(HOSTILE, content)
    for name in ("binary.md", "empty.md", "id_dotdot.md"):
        shutil.copy2(BAD / name, content / name)
    (content / "notes.txt").write_text("x", encoding="utf-8")
    site = tmp_path / "site"
    proc = kb("build", "--content", str(content), "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr[-3000:]
    n_in, n_pages, n_skipped = map(int, SUMMARY.search(proc.stdout).groups())
    hostile = len(list(HOSTILE.glob("*.md")))
    assert (n_in, n_pages, n_skipped) == (hostile + 4, hostile, 4)
    skipped = dict(SKIPPED.findall(proc.stdout))
    assert set(skipped) == {"binary.md", "empty.md", "id_dotdot.md", "notes.txt"}
    assert "binary" in skipped["binary.md"] and "empty" in skipped["empty.md"]
    assert "not safe" in skipped["id_dotdot.md"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_links_and_special_files_are_accounted_for_and_never_published(tmp_path):
    """Issue 14: links out of the content folder (to a file, to a folder), a link to a
    folder inside it, a link to /dev/zero and a FIFO are each skipped and named; the
    secret behind the link is nowhere in the site or its search indexes."""
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    secret = "---\nid: secret\ntitle: TOPSECRET title\ntags: [nacos]\n---\nTOPSECRET answer\n"
    (outside / "secret.md").write_text(secret, encoding="utf-8")
    (outside / "dir" / "also.md").write_text(secret.replace("id: secret", "id: also"), encoding="utf-8")
    content = tmp_path / "content"
    shutil.copytree(HOSTILE, content)
    (content / "sub").mkdir()
    (content / "sub" / "nested.md").write_bytes(EXTRAS["sub/nested-entry.md"])
    os.symlink("../outside/secret.md", content / "leak.md")
    os.symlink(str(outside / "dir"), content / "etcdir")
    os.symlink("sub", content / "alias")
    os.symlink("/dev/zero", content / "zero.md")
    os.mkfifo(content / "x.md")
    site = tmp_path / "site"
    proc = kb("build", "--content", str(content), "--site-dir", str(site), timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    n_in, n_pages, n_skipped = map(int, SUMMARY.search(proc.stdout).groups())
    hostile = len(list(HOSTILE.glob("*.md")))
    assert (n_in, n_pages, n_skipped) == (hostile + 6, hostile + 1, 5)
    skipped = dict(SKIPPED.findall(proc.stdout))
    assert set(skipped) == {"leak.md", "etcdir", "alias", "zero.md", "x.md"}
    assert "outside the content folder" in skipped["leak.md"] and "outside" in skipped["etcdir"]
    assert "outside" in skipped["zero.md"] and "FIFO" in skipped["x.md"]
    published = [p.relative_to(site).as_posix() for p in site.rglob("*")
                 if p.is_file() and b"topsecret" in p.read_bytes().lower()]
    assert published == []
