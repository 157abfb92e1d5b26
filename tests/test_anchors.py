"""Heading anchors keep the heading's words (anchors.slugify, the kb plugin's default for `toc`)."""
from __future__ import annotations

import re

import markdown
import pytest
from hypothesis import given, strategies as st

from kb_builder.anchors import MAX_CHARS, slugify


@pytest.mark.parametrize("heading,slug", [
    ("解答", "解答"),
    ("如果Nacos集群已初始化：", "如果nacos集群已初始化"),
    ("Step 2: Restart the Server", "step-2-restart-the-server"),
    ("__search", "search"),  # Material's own ids start with "__"
    ("<script>alert('x')</script>", "script-alert-x-script"),
    ("Ｎａｃｏｓ　２．３", "nacos-2-3"),  # full-width forms folded
    ("？！", ""),
])
def test_slugify(heading, slug):
    assert slugify(heading, "-") == slug


@given(st.text(max_size=300))
def test_slugs_are_safe_in_ids_and_urls(text):
    slug = slugify(text, "-")
    assert len(slug) <= MAX_CHARS
    assert not slug.startswith(("_", "-")) and not slug.endswith("-")
    assert re.fullmatch(r"[^\W_]+(?:-[^\W_]+)*|", slug)


def test_toc_gives_chinese_headings_readable_unique_anchors():
    md = markdown.Markdown(extensions=["toc"], extension_configs={"toc": {"slugify": slugify}})
    html = md.convert("## 问题\n\ntext\n\n## 解答\n\n### 步骤\n\n### 步骤\n\n## ？\n")
    assert re.findall(r'id="([^"]*)"', html) == ["问题", "解答", "步骤", "步骤_1", "_1"]
