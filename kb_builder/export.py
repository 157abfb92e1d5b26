"""`kb export`: a folder other engines build without the kb plugin, and search records.

The folder holds what `mkdocs build` (MkDocs, ProperDocs) or `zensical build` needs:

    mkdocs.yml   the site's configuration without the kb plugin (Material theme,
                 ``custom_dir: overrides``, the markdown extensions kb's pages use)
    docs/        the site's own pages, every generated page (lists of entries are
                 markdown lists of links to the entries' .md pages, which each engine
                 turns into its own URLs) and kb's static search index (search/kb/);
                 the generated pages carry nothing the theme's scripts act on
                 (markdown_guard: no plugin guards the HTML an engine makes of them)
    overrides/   kb's page frames, stylesheet and search worker, then the site's own
                 custom_dir over them

Under MkDocs and ProperDocs the search box uses kb's worker and index: the exported
``main.html`` points Material's configuration at it in the page, before Material's
script reads it (the kb plugin does the same when it writes each page).  Zensical's
search speaks another protocol: there its own search stays (see README).
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from . import anchors, browser_index, outdir, pipeline, search_records, site_theme, sitebuild
from .i18n import THEME_LABELS, labels_for, site_language
from .markdown_guard import guard_page
from .pages import default_nav
from .session import Session

FRAMES = ("kb_entry.html", "kb_listing.html", "kb_home.html", "404.html")  # (404.html reads main.html's labels)
COPYRIGHT = "partials/copyright.html"
# Appended to kb's main.html.  `mkdocs_version` is defined by MkDocs and ProperDocs only.
SEARCH_WIRING = """
{#- kb export: under MkDocs and ProperDocs the search box uses kb's search worker and
    index (search/kb/); other engines keep their own search. -#}
{% block scripts %}
  {%- if mkdocs_version is defined %}
  <script>
    (function () {
      var el = document.getElementById("__config")
      if (!el) return
      try {
        var config = JSON.parse(el.textContent), worker = config.search
        var at = typeof worker === "string" ? worker.indexOf("assets/") : -1
        if (at < 0) return
        config.search = worker.slice(0, at) + "KB_WORKER"
        el.textContent = JSON.stringify(config)
      } catch (e) {}
    })()
  </script>
  {%- endif %}
  {{ super() }}
{% endblock %}
""".replace("KB_WORKER", site_theme.WORKER)


@dataclass
class Exported:
    out: Path | None = None
    pages: int = 0  # generated pages written
    own_files: int = 0  # files of the site's docs folder copied
    records_file: Path | None = None
    records: int = 0
    skipped: list[str] = field(default_factory=list)  # files not copied (links leaving their folder)
    generated: Any = None  # pipeline.Generated


def export(config_file: str | Path | None, content: str | Path | None, out: str | Path | None,
           records_file: str | Path | None = None, lang: str | None = None,
           site_url: str | None = None) -> Exported:
    """Write the folder (`out`) and/or the search records (`records_file`, JSON Lines)."""
    guarded = outdir.protected(content or "content", None) if config_file is None else None
    with sitebuild.configuration(config_file, content, lang, site_url) as path:
        config, plugin = sitebuild.load_config(path, content, site_url=site_url)
        settings = replace(plugin.settings(config), markdown_lists=True)
        protected = guarded or outdir.protected(settings.content_dir, config.config_file_path)
        if out is not None:
            outdir.check_target(out, protected)
        if records_file is not None:
            check_records_target(Path(records_file), settings.content_dir)
        session = Session()
        generated = pipeline.generate(settings, session=session)
        result = Exported(generated=generated)
        if out is not None:
            result.out = Path(out).resolve()
            _write_folder(result, config, plugin, settings, session)
        if records_file is not None:
            rows = list(search_records.records(generated.entries, generated.graph, settings.lang, config.site_url))
            _write_file(Path(records_file), search_records.json_lines(rows))
            result.records_file, result.records = Path(records_file), len(rows)
    return result


def check_records_target(path: Path, content_dir: Path) -> None:
    """The records file may be new, empty or a records file kb wrote; never inside the
    content folder (it would be read as an entry), never a folder."""
    target = path.resolve()
    if Path(content_dir).resolve() in target.parents:
        raise outdir.UnsafeTarget(f"'{path}' is inside the content folder; write the records elsewhere")
    if target.is_dir():
        raise outdir.UnsafeTarget(f"'{path}' is a folder, not a file")
    if target.exists() and target.stat().st_size and not _is_records_file(target):
        raise outdir.UnsafeTarget(f"'{path}' exists and is not a search records file kb wrote; "
                                  "give a new file name, or delete it yourself first")


def _is_records_file(path: Path) -> bool:
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            first = json.loads(handle.readline())
    except (OSError, ValueError):
        return False
    return isinstance(first, dict) and {"objectID", "entry_id", "url"} <= set(first)


def _write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.kb-part-{os.getpid()}")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- the folder

def _write_folder(result: Exported, config: Any, plugin: Any, settings: pipeline.Settings, session: Session) -> None:
    out = result.out
    outdir.clean_leftovers(out)
    tmp = outdir.temp_dir(out, "export")
    try:
        docs, overrides = tmp / "docs", tmp / "overrides"
        own = _copy_tree(Path(config.docs_dir), docs, result.skipped)
        result.own_files = len(own)
        generated = result.generated
        for uri, page in generated.pages.items():
            target = (docs / uri).resolve()
            if docs.resolve() not in target.parents:
                raise ValueError(f"refusing to write outside the export folder: {uri}")
            if uri in own:
                continue  # a page the site author wrote wins over a generated one, as in a build
            target.parent.mkdir(parents=True, exist_ok=True)
            # no plugin guards the HTML the engine makes of it: the markdown carries nothing unsafe
            target.write_text(guard_page(page.text), encoding="utf-8")
            result.pages += 1
        _write_search_index(docs, generated, session)
        _write_theme(overrides, config, result.skipped)
        nav = None
        if not config.nav and plugin.config.nav:
            nav = default_nav(settings.lang, generated.pages)
            nav += sorted(uri for uri in own if uri.endswith(".md") and uri not in generated.pages)
        (tmp / "mkdocs.yml").write_text(dump_config(export_config(config, nav)), encoding="utf-8")
        outdir.swap_in(tmp, out)  # the old export stays whole until the new one is complete
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _copy_tree(src: Path, dst: Path, skipped: list[str]) -> set[str]:
    """Copy the regular files under `src` (no hidden ones; links only to files inside it);
    returns their paths relative to `src`."""
    copied: set[str] = set()
    if not src.is_dir():
        return copied
    root = src.resolve()
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            rel = path.relative_to(src).as_posix()
            real = path.resolve()
            if root not in real.parents or not real.is_file():
                skipped.append(str(path))
                continue
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real, target)
            copied.add(rel)
    return copied


def _write_search_index(docs: Path, generated: Any, session: Session) -> None:
    found = pipeline.search_docs(generated.entries, generated.graph, session)
    index = browser_index.build(None, pipeline.analysis(generated, found, session))
    for name, data in index.files.items():
        if name.startswith(browser_index.INDEX_DIR + "/"):  # the engine's search plugin writes its own index
            path = docs / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _write_theme(overrides: Path, config: Any, skipped: list[str]) -> None:
    theme = site_theme.THEME_DIR
    overrides.mkdir(parents=True, exist_ok=True)
    for name in FRAMES:
        shutil.copyfile(theme / name, overrides / name)
    # The labels kb's templates read in the site's language (the footer line, the search
    # box's), which the plugin would give them, written in.
    every = labels_for(site_language(config.theme.get("language")))
    labels = "{%- set kb_labels = " + json.dumps({k: every[k] for k in THEME_LABELS}, ensure_ascii=False) + " -%}\n"
    main = (theme / "main.html").read_text(encoding="utf-8")
    extends, rest = main.split("\n", 1)
    (overrides / "main.html").write_text(extends + "\n" + labels + rest.rstrip("\n") + "\n" + SEARCH_WIRING,
                                         encoding="utf-8")
    for rel in (site_theme.WORKER, site_theme.PAGE_SCRIPT, site_theme.STYLESHEET):
        (overrides / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(theme / rel, overrides / rel)
    (overrides / COPYRIGHT).parent.mkdir(parents=True, exist_ok=True)
    (overrides / COPYRIGHT).write_text(labels + (theme / COPYRIGHT).read_text(encoding="utf-8"), encoding="utf-8")
    custom = config.theme.custom_dir
    if custom:  # the site's own templates and files win, as they do over kb's theme folder
        _copy_tree(Path(custom), overrides, skipped)


# --------------------------------------------------------------------------- mkdocs.yml

SUPERFENCES = "pymdownx.superfences"
SITE_KEYS = ("site_name", "site_url", "site_description", "site_author", "copyright", "repo_url", "repo_name",
             "edit_uri", "use_directory_urls")


def export_config(config: Any, nav: list | None) -> dict[str, Any]:
    """The exported site's configuration: the site's, without the kb plugin."""
    out: dict[str, Any] = {key: config[key] for key in SITE_KEYS if config.get(key) not in (None, "")}
    theme = {k: v for k, v in config.theme.items() if k not in ("name", "locale", "custom_dir")}
    theme["language"] = config.theme.get("language") or site_language(None)
    out["docs_dir"], out["site_dir"] = "docs", "site"
    out["theme"] = {"name": "material", **theme, "custom_dir": "overrides"}
    if config.nav or nav:
        out["nav"] = config.nav or nav
    out["plugins"] = ["search"]
    names = list(config.markdown_extensions)
    names += [n for n in site_theme.MARKDOWN_EXTENSIONS if n not in names]
    # Fenced blocks read as markdown_guard reads them (last: it replaces fenced_code's reader).
    names = [n for n in names if n != SUPERFENCES] + [SUPERFENCES]
    out["markdown_extensions"] = [{n: options} if (options := _options(config.mdx_configs.get(n))) else n
                                  for n in names]
    css = [str(x) for x in config.extra_css]
    out["extra_css"] = css + ([site_theme.STYLESHEET] if site_theme.STYLESHEET not in css else [])
    if config.extra_javascript:
        out["extra_javascript"] = [str(x) for x in config.extra_javascript]
    if config.extra:
        out["extra"] = dict(config.extra)
    return out


def _options(options: dict | None) -> dict:
    """An extension's options as exported: without the anchors kb gives `toc`, which need kb."""
    return {k: v for k, v in (options or {}).items() if not (k == "slugify" and v is anchors.slugify)}


class _Dumper(yaml.SafeDumper):
    pass


def _python_name(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    # Functions in extension options (e.g. pymdownx.emoji's) were written as !!python/name.
    if callable(value) and getattr(value, "__qualname__", None):
        return dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{value.__module__}.{value.__qualname__}", "")
    return dumper.represent_str(str(value))


_Dumper.add_multi_representer(object, _python_name)


def dump_config(config: dict[str, Any]) -> str:
    header = ("# Written by `kb export`: the knowledge base as plain pages, for MkDocs, ProperDocs or\n"
              "# Zensical without the kb plugin (mkdocs build / properdocs build / zensical build).\n")
    return header + yaml.dump(config, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
