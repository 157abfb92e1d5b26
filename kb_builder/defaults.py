"""The built-in site configuration: what `kb build` and `kb serve` use when there is no mkdocs.yml.

The same settings are the starter `mkdocs.yml` that `kb init` writes, so a site
that starts without a configuration file and one that starts from `kb init`
look the same.  The site language is the one most entries are written in,
unless the command names it (`--lang`).
"""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml

from .analyze import has_cjk
from .ingest import read_corpus

LANGUAGES = ("zh", "en")
SITE_NAMES = {"zh": "知识库", "en": "Knowledge base"}
# Entries whose titles and questions are at least this share Chinese make a Chinese site.
CJK_SHARE = 0.3
FEATURES = ("navigation.tabs", "navigation.top", "navigation.footer", "search.highlight", "content.code.copy")
MARKDOWN_EXTENSIONS: tuple[Any, ...] = ("attr_list", "md_in_html", "def_list", "admonition", "tables",
                                        {"toc": {"permalink": True}})


def detect_language(content_dir: Path | str) -> str:
    """'zh' when enough of the entries are written in Chinese, else 'en'."""
    corpus = read_corpus(Path(content_dir))
    texts = [f"{e.title} {e.question or ''}" for e in corpus.entries]
    if not texts:
        return "en"
    chinese = sum(1 for text in texts if has_cjk(text))
    return "zh" if chinese / len(texts) >= CJK_SHARE else "en"


def site_config(content_dir: str, lang: str, site_name: str | None = None,
                site_url: str | None = None) -> dict[str, Any]:
    """The built-in configuration as the mapping mkdocs.yml would hold."""
    config: dict[str, Any] = {"site_name": site_name or SITE_NAMES.get(lang, SITE_NAMES["en"])}
    if site_url:
        config["site_url"] = site_url
    config.update({
        "docs_dir": "docs",
        "theme": {"name": "material", "language": lang, "font": False, "features": list(FEATURES)},
        "plugins": ["search", {"kb": {"content_dir": content_dir}}],
        "markdown_extensions": list(MARKDOWN_EXTENSIONS),
    })
    return config


def dump(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False)


@contextmanager
def config_file(content_dir: Path | str, lang: str | None = None, site_url: str | None = None) -> Iterator[Path]:
    """A temporary mkdocs.yml with the built-in configuration (and the empty docs folder
    MkDocs requires) for the entries in `content_dir`; removed afterwards."""
    content = Path(content_dir).resolve()
    if lang is None:
        lang = detect_language(content) if content.is_dir() else "en"
    folder = Path(tempfile.mkdtemp(prefix="kb-config-"))
    try:
        (folder / "docs").mkdir()
        path = folder / "mkdocs.yml"
        path.write_text(dump(site_config(str(content), lang, site_url=site_url)), encoding="utf-8")
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
