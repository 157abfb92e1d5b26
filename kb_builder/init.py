"""`kb init [DIR]`: a starter knowledge base, ready to build and to publish on GitHub Pages.

Writes ``mkdocs.yml`` (the built-in configuration of defaults.py), a content folder
with one example entry, an empty ``docs/`` folder (MkDocs needs one; the site's own
pages go there), ``.gitignore`` when there is none, and a GitHub Actions workflow
that checks the entries, builds the site and deploys it to GitHub Pages.

It never replaces a file: when one of them exists nothing is written at all.  A
content folder that already holds entries gets no example entry.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import defaults, siteindex

CONTENT = "content"
WORKFLOW = ".github/workflows/kb.yml"
GITIGNORE_LINES = ("site/", f"site{siteindex.SUFFIX}/")  # the built site and kb's index beside it

_EXAMPLES = {
    "en": ("How do I add a question to this knowledge base?",
           "## Question\n\nHow do I add a question to this knowledge base?\n\n"
           "## Answer\n\nRun `kb new \"your question\"`: it lists the most similar questions already "
           "answered, then creates a file for the new one in the content folder. Write the answer under "
           "its Answer heading, run `kb check` and look at the page with `kb serve`.\n"),
    "zh": ("如何向知识库添加一个问题？",
           "## 用户问题 ：\n如何向知识库添加一个问题？\n\n---------------\n## 专家官方解答 ：\n\n"
           "运行 `kb new \"你的问题\"`：它先列出已有的相似问题，再在内容目录里为新问题创建一个文件。"
           "在“专家官方解答”下写好解答，运行 `kb check` 检查，再用 `kb serve` 预览页面。\n"),
}
_EXAMPLE_ID = "kb-0001"
_EXAMPLE_TAGS = {"en": ["getting started"], "zh": ["入门"]}


class InitError(ValueError):
    """kb init would replace a file (nothing was written)."""


@dataclass
class Planned:
    root: Path
    lang: str
    files: dict[str, str] = field(default_factory=dict)  # path relative to root -> text
    notes: list[str] = field(default_factory=list)


def example_entry(lang: str, today: str) -> str:
    title, body = _EXAMPLES[lang]
    front = ["---", f"id: {json.dumps(_EXAMPLE_ID)}", f"title: {json.dumps(title, ensure_ascii=False)}",
             f"date: {json.dumps(today)}",
             "tags: [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in _EXAMPLE_TAGS[lang]) + "]", "---", ""]
    return "\n".join(front) + "\n" + body


def starter_config(lang: str, site_name: str | None = None) -> str:
    """mkdocs.yml: the built-in configuration, with the site's address read from SITE_URL."""
    config = defaults.site_config(CONTENT, lang, site_name)
    name = {"site_name": config.pop("site_name")}
    return ("# The knowledge base's configuration: MkDocs, the Material theme and the kb plugin.\n"
            + defaults.dump(name)
            + "# The address the site is published at (sitemap.xml and canonical links need it).\n"
              "# The GitHub Actions workflow sets SITE_URL to the GitHub Pages address.\n"
              'site_url: !ENV [SITE_URL, ""]\n'
            + "# docs/ holds pages of your own (optional); the entries are in content/.\n"
            + defaults.dump(config))


def workflow(version: str) -> str:
    return f"""\
# Checks the entries, builds the knowledge base and publishes it on GitHub Pages.
# Once, in the repository's Settings > Pages, choose "GitHub Actions" as the source.
name: knowledge base

on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: pages-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install kb
        run: python -m pip install "kb-builder=={version}"
      - name: Check the entries
        run: kb check --format github
      - name: Find the GitHub Pages address
        id: pages
        if: github.event_name != 'pull_request'
        uses: actions/configure-pages@v5
      - name: Keep kb's build cache and the last site
        # the next build renders only the pages an edit changed (README: Build cache)
        uses: actions/cache@v4
        with:
          path: |
            ~/.cache/kb_builder
            site
          key: kb-{version}-${{{{ hashFiles('mkdocs.yml') }}}}-${{{{ github.sha }}}}
          restore-keys: kb-{version}-${{{{ hashFiles('mkdocs.yml') }}}}-
      - name: Build the site
        run: kb build --strict
        env:
          SITE_URL: ${{{{ steps.pages.outputs.base_url }}}}
      - name: Upload the site
        if: github.event_name != 'pull_request'
        uses: actions/upload-pages-artifact@v3
        with:
          path: site

  deploy:
    if: github.event_name != 'pull_request' && github.ref == 'refs/heads/main'
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v4
"""


def plan(root: Path | str, version: str, lang: str | None = None, site_name: str | None = None,
         today: str | None = None) -> Planned:
    """What `kb init` would write into `root`; InitError when it would replace a file."""
    root = Path(root)
    content = root / CONTENT
    has_entries = content.is_dir() and any(content.rglob("*.md"))
    if lang is None:
        lang = defaults.detect_language(content) if has_entries else "en"
    if lang not in defaults.LANGUAGES:
        raise InitError(f"unknown language '{lang}' (use {' or '.join(defaults.LANGUAGES)})")
    result = Planned(root, lang)
    result.files["mkdocs.yml"] = starter_config(lang, site_name)
    result.files[WORKFLOW] = workflow(version)
    if has_entries:
        result.notes.append(f"{CONTENT}/ already holds entries: no example entry written")
    else:
        result.files[f"{CONTENT}/{_EXAMPLE_ID}.md"] = example_entry(lang, today or dt.date.today().isoformat())
    if not (root / "docs").exists():
        result.files["docs/.gitkeep"] = ""
    if (root / ".gitignore").exists():
        result.notes.append("add these lines to .gitignore: " + ", ".join(GITIGNORE_LINES))
    else:
        result.files[".gitignore"] = "".join(f"{line}\n" for line in GITIGNORE_LINES)
    taken = [rel for rel in result.files if os.path.lexists(root / rel)]
    if taken:
        raise InitError("not written, these files exist already: " + ", ".join(taken)
                        + " (kb init never replaces a file)")
    return result


def write(planned: Planned) -> list[Path]:
    """Create the planned files (each created new: an existing file is never replaced)."""
    written = []
    for rel, text in planned.files.items():
        path = planned.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)
    return written
