"""Two clean builds of the same content are the same bytes, search indexes included."""
from __future__ import annotations

from pathlib import Path

from kb_builder.sitebuild import build_site

REPO = Path(__file__).resolve().parents[1]


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_two_clean_builds_are_byte_identical(sample_content_dir, tmp_path):
    one = build_site(REPO / "mkdocs.yml", sample_content_dir, tmp_path / "one")
    two = build_site(REPO / "mkdocs.yml", sample_content_dir, tmp_path / "two")
    for first, second in ((_files(one.site_dir), _files(two.site_dir)), (_files(one.index_dir), _files(two.index_dir))):
        assert sorted(first) == sorted(second)
        assert [name for name in first if first[name] != second[name]] == []
    assert any(name.endswith(".pst") for name in _files(one.index_dir))  # whoosh's postings
