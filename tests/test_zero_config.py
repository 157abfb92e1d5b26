"""Zero configuration and a clean published site (issue 16): `kb build` and `kb serve`
without mkdocs.yml, `kb init`, the whoosh index beside the site (not published in it),
and a warning, or the address itself, for site_url."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kb_builder import search
from test_accounting import HOSTILE, kb

REPO = Path(__file__).resolve().parents[1]


def _entries_only(root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(HOSTILE, root / "content")
    return root


def _configs_left(temp: Path) -> set[str]:
    return {p.name for p in temp.glob("kb-config-*")}


def _hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(path.relative_to(root).as_posix().encode() + (path.read_bytes() if path.is_file() else b"/"))
    return digest.hexdigest()


# --------------------------------------------------------------------------- without mkdocs.yml

def test_build_without_mkdocs_yml(tmp_path):
    root = _entries_only(tmp_path / "kb")
    temp = tmp_path / "temp"  # the build's own temporary folder: other builds on the machine do not count
    temp.mkdir()
    proc = kb("build", "--json", cwd=root, env={"TMPDIR": str(temp)})  # content/ is the default
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["entry_pages"] == len(list(HOSTILE.glob("*.md"))) and Path(summary["site_dir"]) == (root / "site").resolve()
    html = (root / "site" / "q" / "hostile-tags" / "index.html").read_text(encoding="utf-8")
    assert 'class="kb-tag"' in html and "kb-search-worker.js" in html
    assert '<html lang="zh"' in (root / "site" / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in root.iterdir()) == ["content", "site", "site.kb-index"]
    assert not _configs_left(temp)  # the temporary configuration is gone
    proc = kb("build", "--content", "content", "--lang", "en", "--site-dir", "english", "-q", cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '<html lang="en"' in (root / "english" / "index.html").read_text(encoding="utf-8")


def test_lang_is_for_the_builtin_configuration_only(tmp_path):
    proc = kb("build", "--lang", "en", "--site-dir", str(tmp_path / "site"))  # the repository has mkdocs.yml
    assert proc.returncode == 2 and "--lang" in proc.stderr and "theme.language" in proc.stderr
    assert not (tmp_path / "site").exists()


def test_build_without_mkdocs_yml_guards_the_current_folder(tmp_path):
    root = _entries_only(tmp_path / "kb")
    (root / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = _hash(root)
    proc = kb("build", "--site-dir", ".", cwd=root)
    assert proc.returncode == 2 and "the current folder" in proc.stderr
    assert _hash(root) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_without_mkdocs_yml(tmp_path):
    root = _entries_only(tmp_path / "kb")
    port = _free_port()
    temp = tmp_path / "temp"  # the preview's own temporary folder
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "TMPDIR": str(temp)}
    proc = subprocess.Popen([sys.executable, "-m", "kb_builder", "serve", "--content", "content", "-a",
                             f"127.0.0.1:{port}"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, page = time.monotonic() + 240, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/q/hostile-tags/", timeout=5) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.5)
        assert page is not None, proc.stderr.read() if proc.poll() is not None else "no page in time"
        assert "kb-search-worker.js" in page and 'class="kb-tag"' in page
        assert list(temp.iterdir())  # the built-in configuration and MkDocs' temporary site
    finally:
        proc.terminate()  # SIGTERM, as `docker stop` or a supervisor ends it
        proc.wait(timeout=60)
    assert sorted(p.name for p in root.iterdir()) == ["content"]  # a preview writes nothing here
    assert proc.returncode == 0 and not list(temp.iterdir())  # ended as by Ctrl+C: nothing left behind


# --------------------------------------------------------------------------- kb init

def test_init_writes_a_starter_that_checks_and_builds(tmp_path):
    root = tmp_path / "new-kb"
    proc = kb("init", str(root), "--lang", "zh", "--json")
    assert proc.returncode == 0, proc.stderr
    written = {Path(p).relative_to(root).as_posix() for p in json.loads(proc.stdout)["written"]}
    assert written == {"mkdocs.yml", ".github/workflows/kb.yml", "content/kb-0001.md", "docs/.gitkeep", ".gitignore"}
    assert "site.kb-index/" in (root / ".gitignore").read_text(encoding="utf-8")
    check = kb("check", cwd=root)
    assert check.returncode == 0 and "0 errors, 0 warnings" in check.stdout, check.stdout
    # tests/test_wheel.py builds it with the workflow's own commands.
    assert 'site_url: !ENV [SITE_URL, ""]' in (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert "入门" in (root / "content" / "kb-0001.md").read_text(encoding="utf-8")


def test_init_never_replaces_a_file(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    before = _hash(root)
    proc = kb("init", str(root))
    assert proc.returncode == 2 and "mkdocs.yml" in proc.stderr and "never replaces" in proc.stderr
    assert _hash(root) == before


def test_init_beside_existing_entries_and_gitignore(tmp_path):
    root = _entries_only(tmp_path / "repo")
    (root / ".gitignore").write_text("*.pyc\n", encoding="utf-8")
    proc = kb("init", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n"  # only a note about it
    assert "site.kb-index/" in proc.stdout
    assert not (root / "content" / "kb-0001.md").exists()  # the entries are there already
    assert "language: zh" in (root / "mkdocs.yml").read_text(encoding="utf-8")  # from the entries


# --------------------------------------------------------------------------- the published folder

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("hygiene")
    proc = kb("build", "--content", str(HOSTILE), "--site-dir", str(root / "site"), "--processes", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "site", proc


def test_the_whoosh_index_is_beside_the_site(built, tmp_path):
    from kb_builder import siteindex

    site, _ = built
    assert not (site / "_kb_index").exists() and not list(site.rglob("MAIN_WRITELOCK"))
    index = siteindex.index_dir(site)
    assert index == site.parent / "site.kb-index" and search.index_exists(index)
    proc = kb("search", "payload", "--site-dir", str(site), "--json")
    # Shown as the site shows it: relative to the folder of mkdocs.yml (here the repository's).
    assert proc.returncode == 0 and json.loads(proc.stdout)[0]["source"] == "tests/fixtures/hostile/body_payloads.md"
    # A site an older kb built holds its index inside: still found.
    old = tmp_path / "old-site"
    shutil.copytree(site, old)
    shutil.copytree(index, old / "_kb_index")
    assert siteindex.find(old) == old / "_kb_index"
    assert kb("search", "payload", "--site-dir", str(old)).returncode == 0


def test_an_index_folder_kb_did_not_make_is_refused(tmp_path):
    site = tmp_path / "site"
    (tmp_path / "site.kb-index").mkdir()
    (tmp_path / "site.kb-index" / "thesis.tex").write_text("years of work\n", encoding="utf-8")
    for command in (["build", "--content", str(HOSTILE)], ["index", "--content", str(HOSTILE)]):
        proc = kb(*command, "--site-dir", str(site))
        assert proc.returncode == 2 and "site.kb-index" in proc.stderr, proc.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.kb-index"]
    assert (tmp_path / "site.kb-index" / "thesis.tex").read_text(encoding="utf-8") == "years of work\n"


def test_kb_index_writes_beside_the_site(built):
    from kb_builder import siteindex

    site, _ = built
    proc = kb("index", "--content", str(HOSTILE), "--site-dir", str(site), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"index_dir": str(siteindex.index_dir(site)), "entries": len(list(HOSTILE.glob("*.md")))}
    assert not (site / "_kb_index").exists()


def test_missing_site_url_is_a_warning(built):
    site, proc = built
    assert "site_url is not set" in proc.stderr and "--site-url" in proc.stderr
    assert "<loc>" not in (site / "sitemap.xml").read_text(encoding="utf-8")


def test_site_url_fills_the_sitemap_and_canonical_links(tmp_path):
    site = tmp_path / "site"
    proc = kb("build", "--content", str(HOSTILE), "--site-dir", str(site), "--site-url", "https://kb.example.org/docs/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "site_url is not set" not in proc.stderr
    assert "<loc>https://kb.example.org/docs/q/hostile-tags/</loc>" in (site / "sitemap.xml").read_text(encoding="utf-8")
    page = (site / "q" / "hostile-tags" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://kb.example.org/docs/q/hostile-tags/">' in page


def test_a_site_without_the_search_plugin_is_told_it_has_no_search_box(tmp_path):
    """Material draws the search box only with a search plugin: `plugins: [kb]` alone builds
    a site nobody can search, so the build says how to get the box."""
    root = _entries_only(tmp_path / "proj")
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text("site_name: t\nsite_url: https://kb.example.org/\ntheme: material\n"
                                     "plugins: [kb]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root, capture_output=True,
                          text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "no search box" in proc.stderr and "plugins: [search, kb]" in proc.stderr, proc.stderr[-2000:]
    (root / "mkdocs.yml").write_text("site_name: t\nsite_url: https://kb.example.org/\ntheme: material\n"
                                     "plugins: [search, kb]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root, capture_output=True,
                          text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0 and "no search box" not in proc.stderr, proc.stderr[-2000:]
