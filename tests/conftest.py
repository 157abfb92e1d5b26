"""Shared fixtures: where the test data lives.

The real Nacos Q&A corpus sits next to the repository (../shared/corpus/nacos-faq)
on the machines that have it; tests that need it skip cleanly elsewhere.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nacos-faq"


@pytest.fixture(scope="session", autouse=True)
def build_cache_apart(tmp_path_factory):
    """`kb build` keeps a cache under the user's cache folder: the tests' builds (and the
    `kb` processes they start) keep theirs in a temporary folder."""
    os.environ["KB_CACHE_DIR"] = str(tmp_path_factory.mktemp("kb-cache"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def content_fixtures_dir() -> Path:
    return FIXTURES_DIR / "content"


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    return FIXTURES_DIR / "bad"


@pytest.fixture(scope="session")
def sample_content_dir() -> Path:
    """The sample knowledge base shipped in content/."""
    return REPO_ROOT / "content"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real corpus of 883 Nacos Q&A entries, or skip when it is not present."""
    if not CORPUS_DIR.is_dir() or not any(CORPUS_DIR.glob("*.md")):
        pytest.skip(f"corpus not found at {CORPUS_DIR.relative_to(REPO_ROOT.parent)}")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def corpus(corpus_dir):
    """The real corpus read once per session."""
    from kb_builder.ingest import read_corpus

    return read_corpus(corpus_dir)


def missing_expected(folder: Path, cases, suffix: str) -> list[str]:
    """Named fixture cases (`<name>.md`) that have no expected output (`<name><suffix>`) beside them."""
    return [f"{name}.md has no {name}{suffix}" for name in cases if not (folder / f"{name}{suffix}").is_file()]


def need_browser(reason: str) -> None:
    """Skip a browser test on a machine without Chromium, but never in CI."""
    import os

    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser tests (.ci/setup --test installs Chromium)")
    pytest.skip(reason)
