"""The tag pages of the real corpus before (a page per tag) and after (a minimum, merges)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb_builder import pipeline
from kb_builder.pages import render_site
from kb_builder.pipeline import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.corpus
def test_corpus_tag_pages_before_and_after(corpus_dir):
    settings = Settings(content_dir=corpus_dir, lang="zh", site_tags=("nacos", "opensource"))
    gathered = pipeline.gather(settings)
    ctx = pipeline.render_context(settings, gathered.entries, gathered.graph)
    tags_in_content = {t.slug for n in gathered.entries for t in n.tags}
    pages, redirects = render_site(ctx)
    after = [u for u in pages if u.startswith("tags/") and u != "tags/index.md"]
    before = len(tags_in_content)  # every tag had a page
    moved = [u for u in redirects if u.startswith("tags/")]  # (the others: hubs' former addresses)
    print(f"tag pages: {before} -> {len(after)}; redirect pages: {len(moved)}")
    assert len(after) < before / 2
    assert len(after) + len(moved) == before  # every address a tag had still answers
    assert "tags/心跳检测.md" in redirects and "heartbeat" in redirects["tags/心跳检测.md"]
    # a product is not folded into the generic word (database, 21 entries): the pages link instead
    assert "tags/dameng.md" in pages and "(<database.md>)" in pages["tags/dameng.md"]
    assert "(<dameng.md>)" in pages["tags/database.md"]
