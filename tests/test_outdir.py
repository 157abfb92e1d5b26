"""Where kb writes (issue 14, item 1): `kb build --site-dir`, `kb export --out` and
`kb index --site-dir` replace only folders kb made (its marker file), empty or missing
ones, or a site an older kb built; never the content folder, the configuration's
folder, the home folder, a folder holding any of them, a repository or a file.

Every refusal runs in a throw-away copy of a repository (mkdocs.yml, docs/,
content/, a .git folder) with HOME pointing at a fake home beside it, and the whole
tree is hashed before and after.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kb_builder import cli, outdir, sitebuild

from test_accounting import HOSTILE, kb, tree_hash

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def world(tmp_path, monkeypatch) -> Path:
    """tmp/repo (a kb project with .git), tmp/home (someone's home, and $HOME),
    tmp/pages (a repository checkout), tmp/notes.txt (a file)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy2(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(REPO / "docs", repo / "docs")
    shutil.copytree(HOSTILE, repo / "content")
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export EDITOR=vi\n", encoding="utf-8")
    (home / "thesis.tex").write_text("years of work\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))  # kb() passes the environment on
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / ".git").mkdir()
    (pages / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (pages / "index.html").write_text("<p>published by hand</p>\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    return tmp_path


# target (from the repository) -> what the refusal says
TARGETS = {
    "content dir": ("content", "is the content folder"),
    "repo root": (".", "is the folder of mkdocs.yml"),
    "ancestor of the repo and home": ("..", "holds the"),
    "folder with .git": ("../pages", "holds .git"),
    "home": ("../home", "is the home folder"),
    "regular file": ("../notes.txt", "is a file, not a folder"),
}


@pytest.mark.parametrize("command", ["build", "export", "index"])
@pytest.mark.parametrize("target", list(TARGETS), ids=list(TARGETS))
def test_refused_targets_change_nothing(world, command, target):
    path, reason = TARGETS[target]
    option = "--out" if command == "export" else "--site-dir"
    before = tree_hash(world)
    proc = kb(command, option, path, cwd=world / "repo", timeout=300)
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith(f"kb {command}: error: ")]
    assert len(errors) == 1, proc.stderr[-3000:]
    assert f"'{path}' {reason}" in errors[0]
    assert tree_hash(world) == before


def test_without_a_configuration_the_current_folder_is_protected(tmp_path):
    work = tmp_path / "work"
    shutil.copytree(HOSTILE, work / "entries")
    before = tree_hash(tmp_path)
    proc = kb("export", "--content", "entries", "--out", ".", cwd=work)
    assert proc.returncode == 2 and "is the current folder" in proc.stderr, proc.stderr[-2000:]
    assert tree_hash(tmp_path) == before


def test_a_folder_kb_did_not_make_is_refused_and_a_marked_one_replaced(world):
    other = world / "other"
    other.mkdir()
    (other / "draft.md").write_text("mine\n", encoding="utf-8")
    before = tree_hash(world)
    proc = kb("export", "--out", "../other", cwd=world / "repo")
    assert proc.returncode == 2 and "kb did not make it" in proc.stderr, proc.stderr[-2000:]
    assert tree_hash(world) == before
    # a new folder is kb's from then on: it is replaced by the next export
    proc = kb("export", "--out", "../exported", cwd=world / "repo")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (world / "exported" / outdir.MARKER).is_file()
    (world / "exported" / "stale.md").write_text("from an earlier export\n", encoding="utf-8")
    proc = kb("export", "--out", "../exported", cwd=world / "repo")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (world / "exported" / "stale.md").exists() and (world / "exported" / "docs" / "index.md").is_file()


def test_a_site_built_before_the_marker_is_recognised(tmp_path):
    site = tmp_path / "site"
    proc = kb("build", "-q", "--content", str(HOSTILE), "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (site / outdir.MARKER).is_file()
    (site / outdir.MARKER).unlink()  # as an older kb left it
    outdir.check_target(site)
    (site / "index.md").write_text("x", encoding="utf-8")
    outdir.check_target(site)  # still kb's layout
    (site / ".bash_history").write_text("x", encoding="utf-8")
    with pytest.raises(outdir.UnsafeTarget, match="kb did not make it"):
        outdir.check_target(site)  # a hidden file: not something kb writes
    export = tmp_path / "export"  # as an older kb exported: markdown pages only, no marker
    (export / "q").mkdir(parents=True)
    (export / "index.md").write_text("# Knowledge base\n", encoding="utf-8")
    (export / "q" / "a.md").write_text("# A\n", encoding="utf-8")
    outdir.check_target(export)
    (export / "q" / "photo.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(outdir.UnsafeTarget):
        outdir.check_target(export)  # an export holds markdown pages only


def test_a_plain_mkdocs_site_is_not_taken_for_kbs(tmp_path):
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    for name in ("index.html", "sitemap.xml", "404.html", "search/search_index.json"):
        (site / name).write_text("x", encoding="utf-8")
    with pytest.raises(outdir.UnsafeTarget):
        outdir.check_target(site)


def test_mkdocs_build_through_the_plugin_refuses_a_foreign_site_dir(world):
    import subprocess
    import sys

    before = tree_hash(world)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(world / "pages")],
                          cwd=world / "repo", capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "holds .git" in proc.stderr
    assert tree_hash(world) == before


# --------------------------------------------------------------------------- mount points

def _fake_mount(monkeypatch, mount: Path) -> None:
    """Tests cannot mount: the folder says it is a mount point and cannot be renamed."""
    real_ismount, real_replace, real_rename, real_exchange = os.path.ismount, os.replace, os.rename, outdir._exchange
    mount = mount.resolve()

    def ismount(path) -> bool:
        return Path(path).resolve() == mount or real_ismount(path)

    def no_rename_of_mount(rename):
        def wrapped(src, dst, *args, **kwargs):
            if mount in (Path(src).resolve(), Path(dst).resolve()):
                raise OSError(16, "Device or resource busy", str(src))
            return rename(src, dst, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(os.path, "ismount", ismount)
    monkeypatch.setattr(os, "replace", no_rename_of_mount(real_replace))
    monkeypatch.setattr(os, "rename", no_rename_of_mount(real_rename))
    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False if mount in (a, b) else real_exchange(a, b))


def test_export_into_a_mount_point_replaces_its_contents(tmp_path, monkeypatch):
    mount = tmp_path / "volume"
    mount.mkdir()
    outdir.write_marker(mount)
    (mount / "old-page.md").write_text("from the previous export\n", encoding="utf-8")
    inode = mount.stat().st_ino
    _fake_mount(monkeypatch, mount)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["export", "--content", str(HOSTILE), "--out", str(mount), "--config", str(REPO / "mkdocs.yml")])
    assert code == 0
    assert mount.stat().st_ino == inode  # the same folder, its contents replaced
    assert (mount / "docs" / "index.md").is_file() and (mount / outdir.MARKER).is_file()
    assert not (mount / "old-page.md").exists()
    assert [p.name for p in mount.iterdir() if p.name.startswith(".") and p.name != outdir.MARKER] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["volume"]  # nothing left beside it


def test_build_into_a_mount_point_replaces_its_contents(tmp_path, monkeypatch):
    mount = tmp_path / "volume"
    mount.mkdir()
    inode = mount.stat().st_ino
    _fake_mount(monkeypatch, mount)
    result = sitebuild.build_site(REPO / "mkdocs.yml", content=HOSTILE, site_dir=mount)
    assert result.site_dir == mount.resolve()
    assert mount.stat().st_ino == inode
    assert (mount / "q" / "hostile-title" / "index.html").is_file()
    assert sorted(p.name for p in mount.iterdir() if p.name.startswith(".")) == [outdir.MARKER]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["volume", "volume.kb-index"]  # the index, beside it


def test_leftovers_inside_a_mount_point_are_cleaned(tmp_path, monkeypatch):
    mount = tmp_path / "volume"
    mount.mkdir()
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = mount / f".kb-building-{dead.pid}-abc"
    left.mkdir()
    _fake_mount(monkeypatch, mount)
    outdir.check_target(mount)  # a killed build's temporary folder does not make it foreign
    assert outdir.clean_leftovers(mount) == [left] and not left.exists()
