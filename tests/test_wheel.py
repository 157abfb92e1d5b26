"""The package as a new user gets it (issue 16): the built wheel in a fresh virtualenv
outside the repository, the newest dependency versions its ranges allow, and nothing
else of this repository.

One venv per session: the wheel, ProperDocs and (when it installs here) Zensical
0.0.73.  A minimal project (three entries, `plugins: [search, kb]`, `theme: material`,
no custom_dir) builds with `mkdocs build` and `properdocs build`, and its search box
finds a Chinese and an English question in headless Chromium; a folder with only
entries builds with `kb build --content`; `kb init` output passes `kb check` and
builds with its workflow's commands; `kb export` output builds with Zensical, MkDocs
and ProperDocs without the kb plugin and without a broken internal link.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sitecheck import broken_links

REPO = Path(__file__).resolve().parents[1]
ZENSICAL = "zensical==0.0.73"  # what `pip install zensical` gives here; later ones need a missing package

# The minimal project: what README's "Use it in your own project" shows.
MINIMAL_CONFIG = "site_name: My knowledge base\ntheme: material\nplugins: [search, kb]\n"
ENTRIES = {
    "register-fail": textwrap.dedent("""\
        ---
        id: register-fail
        title: 服务注册失败怎么办
        tags: [服务注册]
        ---

        ## Question

        客户端注册服务时报错，实例没有出现在服务列表里。

        ## Answer

        先确认客户端配置的服务端地址可以访问，再查看客户端日志里的报错信息。
        """),
    "console-password": textwrap.dedent("""\
        ---
        id: console-password
        title: How do I reset the console password?
        tags: [console]
        ---

        ## Question

        I forgot the admin password of the web console.

        ## Answer

        Stop the server, reset the password in the users table, then log in again.
        """),
    "config-namespace": textwrap.dedent("""\
        ---
        id: config-namespace
        title: 配置中心如何用命名空间隔离环境
        tags: [命名空间]
        ---

        ## Question

        开发、测试和生产环境的配置怎么隔离？

        ## Answer

        为每个环境创建一个命名空间，客户端通过 namespace 参数指定。
        """),
}
QUERIES = (("服务注册失败", "register-fail"), ("reset console password", "console-password"))


@dataclass
class Venv:
    root: Path
    wheel: Path
    zensical: str | None  # why Zensical is missing, or None when it installed

    def bin(self, name: str) -> str:
        return str(self.root / "bin" / name)


def _env() -> dict[str, str]:
    """The environment of a user's shell: nothing pointing into this repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["DISABLE_MKDOCS_2_WARNING"] = "true"
    return env


def _run(args: list[str], cwd: Path, timeout: int = 600, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    if check:
        assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Venv:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"  # only what the wheel is built from: nothing else of the checkout leaks in
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copyfile(REPO / name, src / name)
    shutil.copytree(REPO / "kb_builder", src / "kb_builder", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "dist", src], work)
    (wheel,) = (work / "dist").glob("kb_builder-*.whl")
    _run([sys.executable, "-m", "venv", work / "venv"], work)
    pip = work / "venv" / "bin" / "pip"
    # The newest versions the package's ranges allow (the repository's venv has the lowest).
    _run([pip, "install", "-q", wheel, "properdocs"], work, timeout=900)
    why = None
    if sys.version_info < (3, 11):
        why = "Zensical needs Python 3.11 or later"
    else:
        proc = _run([pip, "install", "-q", ZENSICAL], work, timeout=900, check=False)
        if proc.returncode != 0:
            why = f"`pip install {ZENSICAL}` failed here: {proc.stderr.strip()[-500:]}"
    return Venv(work / "venv", wheel, why)


def _write_project(root: Path, config: str | None = MINIMAL_CONFIG) -> Path:
    (root / "content").mkdir(parents=True)
    for entry_id, text in ENTRIES.items():
        (root / "content" / f"{entry_id}.md").write_text(text, encoding="utf-8")
    if config is not None:
        (root / "docs").mkdir()
        (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(venv, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = _write_project(tmp_path_factory.mktemp("project") / "my-kb")
    return root, _run([venv.bin("mkdocs"), "build"], root)


@pytest.fixture(scope="module")
def browser():
    from test_browser_search import _browser_engine

    be = _browser_engine()
    yield be
    be.close_browser()


def _search_box_finds(be, site: Path, queries=QUERIES) -> None:
    """Each query typed into the site's search box has its entry first, answered by kb's
    worker (only it tags a result with its query, which SearchBox waits for)."""
    server = be.Server(site)
    box = be.SearchBox(server.url)
    try:
        for query, expected in queries:
            links, ms = box.search(query, typed=True)
            assert ms is not None, f"no answer from kb's search worker for {query!r}"
            assert links and urlsplit(links[0]).path.rstrip("/").endswith(f"q/{expected}"), (query, links)
        assert box.errors == []
    finally:
        box.close()
        server.close()


def _worker_of(page: Path) -> str:
    config = re.search(r'<script id="__config" type="application/json">(.*?)</script>',
                       page.read_text(encoding="utf-8"), re.S)
    return json.loads(config.group(1))["search"]


# --------------------------------------------------------------------------- the wheel

def test_wheel_ships_the_theme_license_and_metadata(venv):
    with zipfile.ZipFile(venv.wheel) as whl:
        names = set(whl.namelist())
        metadata = next(whl.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    for part in ("kb_entry.html", "kb_listing.html", "kb_home.html", "main.html", "partials/nav.html",
                 "kb/entries.html", "kb/entry.html", "assets/javascripts/kb-search-worker.js",
                 "assets/stylesheets/kb.css"):
        assert f"kb_builder/theme/{part}" in names, part
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert re.search(r"^Project-URL: Source, https://", metadata, re.M)
    assert "Classifier: Framework :: MkDocs" in metadata
    requires = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)([^;\n]*)$", metadata, re.M)  # not the extras
    ranges = {name.lower(): spec.strip() for name, spec in requires}
    assert ranges["mkdocs"] in ("<2,>=1.6", ">=1.6,<2") and ranges["mkdocs-material"] in ("<10,>=9.7", ">=9.7,<10")
    # Exact pins only where a library is no longer developed.
    assert {n for n, spec in ranges.items() if spec.startswith("==")} <= {"jieba", "whoosh-reloaded"}


def test_fresh_install_has_only_the_opencc_cpp_package(venv):
    # opencc-python-reimplemented installs the same `opencc` module: whichever comes last
    # would win, so nothing the wheel (or the other site tools) pulls in may bring it.
    listed = _run([venv.bin("python"), "-m", "pip", "list", "--format=freeze"], venv.root).stdout.lower()
    assert "opencc-python-reimplemented" not in listed and re.search(r"^opencc==", listed, re.M)
    probe = "import opencc; print(opencc.__version__, opencc.OpenCC('t2s').convert('服務註冊'))"
    assert _run([venv.bin("python"), "-c", probe], venv.root).stdout.split()[1] == "服务注册"


def test_kb_version_is_the_package_version(venv):
    with zipfile.ZipFile(venv.wheel) as whl:
        metadata = next(whl.read(n).decode() for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
    version = re.search(r"^Version: (\S+)$", metadata, re.M).group(1)
    assert _run([venv.bin("kb"), "--version"], venv.root).stdout.strip() == f"kb {version}"
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^version = "{re.escape(version)}"$', pyproject, re.M)
    assert f"## {version}" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- a minimal project

@pytest.mark.browser
def test_minimal_project_builds_and_its_search_box_finds_entries(project, venv, browser):
    root, proc = project
    site = root / "site"
    for entry_id in ENTRIES:
        page = site / "q" / entry_id / "index.html"
        assert page.is_file(), entry_id
        html = page.read_text(encoding="utf-8")
        assert "{ .kb-tag }" not in html and 'class="kb-tag"' in html  # attr_list added by the plugin
        assert _worker_of(page).endswith("assets/javascripts/kb-search-worker.js")
    assert (site / "assets" / "javascripts" / "kb-search-worker.js").is_file()
    assert (site / "assets" / "stylesheets" / "kb.css").is_file()
    # The published folder holds no whoosh index; `kb search` finds it beside the site.
    assert not (site / "_kb_index").exists() and (root / "site.kb-index").is_dir()
    assert "site_url is not set" in proc.stderr
    hits = json.loads(_run([venv.bin("kb"), "search", "服务注册失败", "--json"], root).stdout)
    assert hits[0]["id"] == "register-fail" and hits[0]["source"] == "content/register-fail.md"
    _search_box_finds(browser, site)


@pytest.mark.browser
def test_the_same_project_builds_with_properdocs(project, venv, browser):
    root, _ = project
    _run([venv.bin("properdocs"), "build", "-f", "mkdocs.yml", "-d", root / "site-properdocs"], root)
    site = root / "site-properdocs"
    for entry_id in ENTRIES:
        assert _worker_of(site / "q" / entry_id / "index.html").endswith("assets/javascripts/kb-search-worker.js")
    assert broken_links(site) == []
    _search_box_finds(browser, site, QUERIES[:1])


def _readme_section(title: str) -> str:
    """The README's section under `## title`, up to the next such heading outside a code block."""
    lines, inside, fenced = [], False, False
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            inside = line.strip() == f"## {title}"
            continue
        if inside:
            lines.append(line)
    return "".join(lines)


def test_readme_shows_what_this_test_does():
    section = _readme_section("Use it in your own project")
    assert f"```yaml\n{MINIMAL_CONFIG}```" in section
    assert f"```markdown\n{ENTRIES['register-fail']}```" in section
    for command in ("python3 -m venv .venv", "pip install dist/kb_builder-*.whl", "mkdir -p docs content",
                    ".venv/bin/mkdocs build", ".venv/bin/properdocs build -f mkdocs.yml"):
        assert command in section, command


# --------------------------------------------------------------------------- without mkdocs.yml, kb init

@pytest.mark.browser
def test_kb_build_without_mkdocs_yml(venv, tmp_path, browser):
    root = _write_project(tmp_path / "entries-only", config=None)
    proc = _run([venv.bin("kb"), "build", "--content", "content", "--json"], root)
    summary = json.loads(proc.stdout)
    assert summary["entry_pages"] == 3 and summary["skipped"] == []
    assert Path(summary["site_dir"]) == (root / "site").resolve()
    assert Path(summary["index_dir"]) == (root / "site.kb-index").resolve()
    assert sorted(p.name for p in root.iterdir()) == ["content", "site", "site.kb-index"]
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh"' in html  # two of the three entries are Chinese
    _search_box_finds(browser, root / "site")


def test_kb_init_output_passes_its_workflow(venv, tmp_path):
    root = tmp_path / "new-kb"
    _run([venv.bin("kb"), "init", root], tmp_path)
    workflow = yaml.safe_load((root / ".github" / "workflows" / "kb.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0].startswith("python -m pip install") and "kb-builder==" in runs[0]
    kb_commands = [r for r in runs if r.startswith("kb ")]
    assert [c.split()[1] for c in kb_commands] == ["check", "build"]
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact") for step in steps)
    # the build cache and the last site are restored before the build (README: Build cache)
    cached = [i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/cache")]
    built = [i for i, step in enumerate(steps) if step.get("run", "").startswith("kb build")]
    assert cached and cached[0] < built[0]
    assert steps[cached[0]]["with"]["path"].split() == ["~/.cache/kb_builder", "site"]
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    env = {**_env(), "SITE_URL": "https://example.org/kb/"}
    for command in kb_commands:  # as the workflow runs them, with the Pages address it finds
        proc = subprocess.run([venv.bin("kb"), *command.split()[1:]], cwd=root, env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, (command, proc.stdout[-2000:], proc.stderr[-3000:])
    sitemap = (root / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/kb/q/kb-0001/</loc>" in sitemap
    assert '<link rel="canonical" href="https://example.org/kb/q/kb-0001/">' in \
        (root / "site" / "q" / "kb-0001" / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- kb export, other engines

@pytest.fixture(scope="module")
def exported(venv, project) -> Path:
    root, _ = project
    out = root.parent / "exported"
    _run([venv.bin("kb"), "export", "--out", out], root)
    assert yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))["plugins"] == ["search"]
    return out


def test_export_builds_with_zensical_without_broken_links(venv, exported):
    if venv.zensical is not None:
        pytest.skip(f"Zensical is not installed, so the export was not built with it: {venv.zensical}")
    site = exported.parent / "zensical-site"
    _run([venv.bin("zensical"), "build"], exported)
    shutil.move(str(exported / "site"), site)
    pages = sorted(site.rglob("*.html"))
    assert all((site / "q" / entry_id / "index.html") in pages for entry_id in ENTRIES)
    assert len(pages) > len(ENTRIES) + 5  # home, tags, categories, guides, error index
    assert broken_links(site) == []
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "kb_once" not in home and 'href="q/register-fail/"' in home  # the .md link, made Zensical's URL
    assert "Material for MkDocs</a>" in home and "{generator}" not in home  # kb's footer line, its label filled in


@pytest.mark.browser
def test_export_builds_with_mkdocs_and_properdocs_and_searches(venv, exported, browser):
    for tool, site in (("mkdocs", "mkdocs-site"), ("properdocs", "properdocs-site")):
        _run([venv.bin(tool), "build", "-f", "mkdocs.yml", "-d", exported.parent / site], exported)
        assert broken_links(exported.parent / site) == [], tool
    _search_box_finds(browser, exported.parent / "mkdocs-site")
