"""`kb export` (issue 16): a folder MkDocs, ProperDocs and Zensical build without the kb
plugin, and search records for Algolia, Meilisearch and Typesense.  Zensical itself
is run by tests/test_wheel.py (it installs it in the wheel's venv)."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from sitecheck import broken_links
from test_accounting import HOSTILE, kb

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("export")
    out, records = root / "out", root / "kb.jsonl"
    proc = kb("export", "--out", str(out), "--search-records", str(records), "--site-url", "https://kb.example.org/",
              "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["out"] == str(out.resolve()) and data["records"] == 15 and data["pages"] > 15
    return out, records


def test_export_folder_layout(exported):
    out, _ = exported
    config = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["plugins"] == ["search"] and config["docs_dir"] == "docs"
    assert config["theme"]["name"] == "material" and config["theme"]["custom_dir"] == "overrides"
    assert config["theme"]["language"] == "zh" and config["site_url"] == "https://kb.example.org/"
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    assert {"attr_list", "md_in_html", "def_list", "pymdownx.superfences"} <= set(names)
    assert "assets/stylesheets/kb.css" in config["extra_css"]
    docs, overrides = out / "docs", out / "overrides"
    assert (docs / "index.md").is_file() and len(list((docs / "q").glob("*.md"))) == 15
    assert (docs / "about.md").read_bytes() == (REPO / "docs" / "about.md").read_bytes()  # the site's own page
    assert (docs / "search" / "kb" / "meta.json").is_file()
    assert not (docs / "search" / "search_index.json").exists()  # the engine's search plugin writes that
    for name in ("main.html", "kb_entry.html", "kb_listing.html", "kb_home.html",
                 "assets/javascripts/kb-search-worker.js", "assets/stylesheets/kb.css"):
        assert (overrides / name).is_file(), name
    text = "".join(p.read_text(encoding="utf-8") for p in overrides.rglob("*.html"))
    assert "kb_once" not in text and "theme/partials" not in text  # nothing only the plugin defines
    assert "mkdocs_version is defined" in (overrides / "main.html").read_text(encoding="utf-8")


def test_lists_of_entries_are_markdown_links_to_md_pages(exported):
    out, _ = exported
    tag_pages = [p for p in (out / "docs" / "tags").glob("*.md") if p.name != "index.md"]
    assert tag_pages
    for page in tag_pages + [out / "docs" / "index.md"]:
        text = page.read_text(encoding="utf-8")
        assert "kb-entries" not in text and "kb:fragment" not in text
    home = (out / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(<q/question-history-90001.md>)" in home or "(<q/question-history-90015.md>)" in home
    related = (out / "docs" / "q" / "question-history-90001.md").read_text(encoding="utf-8")
    assert "](<question-history-" in related  # siblings: relative .md links


def test_export_builds_with_mkdocs_without_the_plugin(exported, tmp_path):
    """The repository's venv (the lowest MkDocs and Material the package allows)."""
    out, _ = exported
    work = tmp_path / "out"
    shutil.copytree(out, work)
    proc = kb_free_mkdocs(work, tmp_path / "site")
    assert proc.returncode == 0, proc.stderr[-3000:]
    site = tmp_path / "site"
    assert (site / "q" / "question-history-90001" / "index.html").is_file()
    assert broken_links(site) == []
    assert (site / "search" / "kb" / "meta.json").is_file() and (site / "assets" / "javascripts" /
                                                                   "kb-search-worker.js").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "本站使用" in home and "Made with" not in home  # the footer line in the site's language


def kb_free_mkdocs(folder: Path, site: Path):
    """`mkdocs build` of an exported folder, with kb_builder not importable (as where kb is
    not installed): the exported configuration names nothing of kb's."""
    import subprocess
    import sys

    blocked = "import sys; sys.modules['kb_builder'] = None; from mkdocs.__main__ import cli; cli()"
    return subprocess.run([sys.executable, "-c", blocked, "build", "-q", "-f", "mkdocs.yml", "-d", str(site)],
                          cwd=folder, capture_output=True, text=True, timeout=600)


def test_search_records(exported):
    from kb_builder import search_records

    _, records = exported
    lines = records.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 15 and all(set(row) == set(search_records.FIELDS) for row in rows)
    by_id = {row["entry_id"]: row for row in rows}
    row = by_id["question-history-90001"]
    assert row["objectID"] == row["id"] == "question-history-90001"
    assert row["url"] == "https://kb.example.org/q/question-history-90001/"
    assert row["language"] == "zh" and row["title"] and row["answer"] and isinstance(row["tags"], list)
    assert "](" not in row["answer"] and "##" not in row["answer"]  # plain text
    assert any(r["hubs"] for r in rows) and any(r["errors"] for r in rows)
    assert all(isinstance(h, str) and h for r in rows for h in r["hubs"])


def test_record_keys_are_ids_the_services_accept():
    from kb_builder import search_records

    assert search_records.record_key("question-history-1") == "question-history-1"
    a, b = search_records.record_key("v1.2"), search_records.record_key("v1_2")
    assert a != b and b == "v1_2" and a.startswith("v1_2-")
    import re

    assert re.fullmatch(r"[A-Za-z0-9_-]+", a)


def test_records_never_replace_a_file_kb_did_not_write(tmp_path):
    mine = tmp_path / "notes.jsonl"
    mine.write_text('{"my": "data"}\n', encoding="utf-8")
    proc = kb("export", "--search-records", str(mine), "--content", str(HOSTILE))
    assert proc.returncode == 2 and "not a search records file" in proc.stderr
    assert mine.read_text(encoding="utf-8") == '{"my": "data"}\n'
    content = tmp_path / "content"
    shutil.copytree(HOSTILE, content)
    before = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file())).digest()
    proc = kb("export", "--search-records", str(content / "records.jsonl"), "--content", str(content))
    assert proc.returncode == 2 and "inside the content folder" in proc.stderr
    assert hashlib.sha256(b"".join(p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file())).digest() == before
    ours = tmp_path / "kb.jsonl"
    for _ in range(2):  # its own file is replaced
        proc = kb("export", "--search-records", str(ours), "--content", str(HOSTILE))
        assert proc.returncode == 0, proc.stderr
    assert len(ours.read_text(encoding="utf-8").splitlines()) == len(list(HOSTILE.glob("*.md")))  # an entry each


def test_export_needs_something_to_write():
    proc = kb("export")
    assert proc.returncode == 2 and "--out DIR, --search-records FILE or both" in proc.stderr
