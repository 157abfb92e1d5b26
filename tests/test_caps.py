"""Tags and keywords per entry are capped (issue 14, item 7): one entry with 10,588
tags made 10,594 pages and a 214 MB site.  The first 50 of each are kept (the
`max_tags` / `max_keywords` plugin options), with a warning naming file and line.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from kb_builder.ingest import read_corpus

from test_accounting import kb

REPO = Path(__file__).resolve().parents[1]


def _write(path: Path, tags: int, keywords: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tag_list = ", ".join(f"tag{i:05d}" for i in range(tags))
    keyword_list = ", ".join(f"kw{i:05d}" for i in range(keywords))
    path.write_text(f"---\nid: many\ntitle: Many tags\ndate: 2024-01-01\ntags: [{tag_list}]\n"
                    f"keywords: [{keyword_list}]\n---\n\n## Question\n\nq\n\n## Answer\n\na\n", encoding="utf-8")
    return path


def test_tags_and_keywords_are_capped_with_a_located_warning(tmp_path):
    _write(tmp_path / "content" / "many.md", tags=52, keywords=300)
    corpus = read_corpus(tmp_path / "content")
    (entry,) = corpus.entries
    assert entry.tags == tuple(f"tag{i:05d}" for i in range(50))
    assert entry.keywords == tuple(f"kw{i:05d}" for i in range(50))
    warnings = {f.kind: f for f in corpus.findings}
    assert warnings["too-many-tags"].message == "52 tags; only the first 50 are kept (max_tags)"
    assert (warnings["too-many-tags"].path, warnings["too-many-tags"].line) == ("many.md", 5)
    assert warnings["too-many-keywords"].message == "300 keywords; only the first 50 are kept (max_keywords)"
    assert warnings["too-many-keywords"].line == 6
    assert read_corpus(tmp_path / "content", max_tags=100).entries[0].tags == entry.tags + (
        "tag00050", "tag00051")


def test_the_build_keeps_the_first_tags_and_the_cap_is_an_option(tmp_path):
    content = tmp_path / "content"
    _write(content / "many.md", tags=3000, keywords=10)
    site = tmp_path / "site"
    proc = kb("build", "--content", str(content), "--site-dir", str(site), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    tag_pages = {p.parent.name for p in (site / "tags").glob("*/index.html")}
    assert tag_pages == {f"tag{i:05d}" for i in range(50)}
    # max_tags in mkdocs.yml
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(REPO / "docs", project / "docs")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "      related: 5\n" in config
    (project / "mkdocs.yml").write_text(config.replace("      related: 5\n", "      related: 5\n      max_tags: 3\n"),
                                        encoding="utf-8")
    site = tmp_path / "site3"
    proc = kb("build", "--content", str(content), "--site-dir", str(site), cwd=project, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {p.parent.name for p in (site / "tags").glob("*/index.html")} == {"tag00000", "tag00001", "tag00002"}
