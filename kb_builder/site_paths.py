"""Relative links between the site's own pages (docs-relative paths such as `q/a.md`).

A rebuild makes hundreds of thousands of these links, so they are computed on the
path segments, not with `posixpath.relpath` (which asks the operating system for the
current directory every time).
"""
from __future__ import annotations

import posixpath

__all__ = ["md_link", "page_url", "url_link"]


def md_link(from_uri: str, to_uri: str) -> str:
    """A markdown link target from one generated page to another (engines resolve .md links)."""
    return _relative(to_uri, posixpath.dirname(from_uri))


def _relative(to_path: str, from_folder: str) -> str:
    """`posixpath.relpath` for the site's own docs-relative paths (no `..`, no leading `/`),
    without its `abspath` calls: a rebuild makes hundreds of thousands of these links."""
    to_parts = [p for p in to_path.split("/") if p not in ("", ".")]
    from_parts = [p for p in from_folder.split("/") if p not in ("", ".")]
    if ".." in to_parts or ".." in from_parts or to_path.startswith("/") or from_folder.startswith("/"):
        return posixpath.relpath(to_path or ".", from_folder or ".")
    common = 0
    for a, b in zip(to_parts, from_parts):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(from_parts) - common) + to_parts[common:]) or "."


def page_url(uri: str, directory_urls: bool = True) -> str:
    """The URL a page's source path gets (MkDocs' rule): a/b.md -> a/b/, a/index.md -> a/."""
    stem, _ = posixpath.splitext(uri)
    if posixpath.basename(stem) in ("index", "README"):
        folder = posixpath.dirname(stem)
        return f"{folder}/" if folder else ""
    return f"{stem}/" if directory_urls else f"{stem}.html"


def url_link(from_uri: str, to_uri: str, directory_urls: bool = True) -> str:
    """A relative URL from one page to another, for HTML that no engine rewrites."""
    here, there = page_url(from_uri, directory_urls), page_url(to_uri, directory_urls)
    base = here if here.endswith("/") or not here else posixpath.dirname(here) + "/"
    rel = _relative(there, base)
    if rel == ".":
        return "./"
    return rel + "/" if there.endswith("/") and not rel.endswith("/") else rel
