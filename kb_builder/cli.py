"""The `kb` command line: thin wrappers over the library modules."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEFAULT_CONFIG = "mkdocs.yml"


def _say(*values: object, file=None) -> None:
    """print(), with each value made safe for a terminal or CI log (terminal.clean)."""
    from .terminal import clean

    print(*(clean(v) for v in values), file=file)


def _print_json(data: object) -> None:
    from .terminal import clean_json

    print(clean_json(json.dumps(data, ensure_ascii=False, indent=2, default=str)))


def _config_file(args) -> str | None:
    """--config, else mkdocs.yml in the current folder, else None: the built-in configuration."""
    if args.config:
        return args.config
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).is_file() else None


def _settings_from_config(config_file: str, content: str | None):
    """Pipeline settings as the plugin would build them, without running MkDocs."""
    from .sitebuild import load_config

    config, plugin = load_config(config_file, content)
    return plugin.settings(config)


def _content_settings(args):
    """Settings for commands that read content: from mkdocs.yml when there is one."""
    from .pipeline import Settings

    config = _config_file(args)
    if config is not None:
        return _settings_from_config(config, args.content)
    return Settings(content_dir=Path(args.content or "content").resolve())


class UsageError(ValueError):
    """A bad combination of options (exit status 2, nothing done)."""


def _lang_without_config(args, config: str | None) -> None:
    if getattr(args, "lang", None) and config is not None:
        raise UsageError(f"--lang sets the language of the built-in configuration; {config} sets it with "
                         "theme.language")


# ----------------------------------------------------------------------------- commands

def cmd_build(args) -> int:
    from .progress import Progress
    from .sitebuild import build_site, setup_logging

    config = _config_file(args)
    _lang_without_config(args, config)
    setup_logging(args.verbose, args.quiet)  # warnings stay on stderr with --json
    # a status line on stderr while building, only on a terminal and never with -q
    with Progress("kb build", enabled=False if args.quiet or args.json else None) as progress:
        result = build_site(config, args.content, args.site_dir, strict=args.strict, progress=progress,
                            processes=args.processes, lang=args.lang, site_url=args.site_url,
                            cache=not args.no_cache)
    data = result.summary()
    if args.json:
        _print_json(data)
    elif not args.quiet:
        from .link import format_summary

        print(format_summary(result.generated.graph.stats))
        print(f"{data['entries_in']} entries in, {data['entry_pages']} pages, {len(data['skipped'])} skipped"
              f" (+{data['listing_pages']} listing pages) in {data['seconds']:.1f} s")
        for skipped in data["skipped"]:
            _say(f"  skipped {skipped['path']}: {skipped['reason']}")
        _say(f"site written to {data['site_dir']}")
        if data["index_dir"]:
            _say(f"search index (for kb search) written to {data['index_dir']}")
        if (cache_line := result.cache_line()) is not None:
            _say(cache_line)
    return 0


def cmd_serve(args) -> int:
    from .sitebuild import serve_site

    config = _config_file(args)
    _lang_without_config(args, config)
    serve_site(config, args.content, args.dev_addr, verbose=args.verbose, lang=args.lang)
    return 0


def _check_tag_settings(args):
    """The site's tag settings (site tags, aliases) from mkdocs.yml for the corpus checks, if any."""
    config = _config_file(args)
    if config is None or not Path(config).is_file():
        return None
    try:
        from . import tags

        settings = _settings_from_config(config, None)
        return tags.load_tag_settings(
            extra_aliases=dict(settings.tag_aliases) or None,
            site_tags=list(settings.site_tags) or None,
            extra_labels=dict(settings.tag_labels) or None,
        )
    except Exception:  # noqa: BLE001 - a broken mkdocs.yml must not stop the content check
        return None


def cmd_check(args) -> int:
    from .check import FORMATS, exit_code
    from .lint import check

    paths = args.paths or [args.content or "content"]
    context = args.content if args.paths else None
    corpus_checks = context is not None or any(Path(p).is_dir() for p in paths)
    corpus = check(paths, context, stale_days=args.stale_days,
                   tag_settings=_check_tag_settings(args) if corpus_checks else None)
    form = "json" if args.json else args.format
    formatter = FORMATS[form]
    output = formatter(corpus, args.verbose) if form == "text" else formatter(corpus)
    if output:
        print(output)
    return exit_code(corpus.findings)


def cmd_new(args) -> int:
    from . import tags
    from .new import NewEntryError, plan_entry, run, run_json
    from .pipeline import Settings
    from .progress import Progress

    site_url = None
    config_file = _config_file(args)
    if config_file is not None:
        from .sitebuild import load_config

        config, plugin = load_config(config_file, args.content)
        settings = plugin.settings(config)
        site_url = config.site_url
    else:
        settings = Settings(content_dir=Path(args.content or "content").resolve())
    tag_settings = tags.load_tag_settings(
        extra_aliases=dict(settings.tag_aliases) or None,
        site_tags=list(settings.site_tags) or None,
        extra_labels=dict(settings.tag_labels) or None,
    )
    try:
        with Progress("kb new", enabled=False if args.json else None) as progress:
            plan = plan_entry(args.title, settings.content_dir, tags=args.tags, lang=args.lang,
                              entry_id=args.entry_id, tag_settings=tag_settings, site_url=site_url,
                              progress=progress)
    except NewEntryError as exc:
        _say(f"kb new: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        code, data = run_json(plan, yes=args.yes, dry_run=args.dry_run)
        _print_json(data)
        return code
    return run(plan, yes=args.yes, dry_run=args.dry_run, content_arg=args.content)


def cmd_init(args) -> int:
    from . import init

    try:
        planned = init.plan(args.dir, _version(), lang=args.lang, site_name=args.site_name)
    except init.InitError as e:
        _say(f"kb init: error: {e}", file=sys.stderr)
        return 2
    written = init.write(planned)
    if args.json:
        _print_json({"dir": str(Path(args.dir).resolve()), "lang": planned.lang,
                     "written": [str(p) for p in written], "notes": planned.notes})
        return 0
    for path in written:
        _say(f"wrote {path}")
    for note in planned.notes:
        _say(f"note: {note}")
    where = "" if Path(args.dir).resolve() == Path.cwd().resolve() else f"cd {args.dir} && "
    _say(f"next: {where}kb serve   (then open http://127.0.0.1:8000)")
    return 0


def cmd_export(args) -> int:
    from .export import export

    if args.out is None and args.search_records is None:
        raise UsageError("give --out DIR, --search-records FILE or both")
    config = _config_file(args)
    _lang_without_config(args, config)
    result = export(config, args.content, args.out, args.search_records, lang=args.lang, site_url=args.site_url)
    data = {"out": str(result.out) if result.out else None, "pages": result.pages, "own_files": result.own_files,
            "search_records": str(result.records_file) if result.records_file else None,
            "records": result.records, "not_copied": result.skipped,
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in result.generated.corpus.skipped]}
    if args.json:
        _print_json(data)
        return 0
    if result.out:
        _say(f"{result.pages} pages (and {result.own_files} files of the site's own) written to {result.out}")
        _say(f"  build it with: cd {result.out} && mkdocs build   (or properdocs build -f mkdocs.yml, "
             "or zensical build)")
    if result.records_file:
        _say(f"{result.records} search records written to {result.records_file}")
    for path in result.skipped:
        _say(f"  not copied (a link that leaves its folder): {path}")
    for skipped in data["skipped"]:
        _say(f"  skipped {skipped['path']}: {skipped['reason']}")
    return 0


def cmd_tags(args) -> int:
    from . import tagreport, tags
    from .ingest import read_corpus

    settings = _content_settings(args)
    corpus = read_corpus(settings.content_dir, max_tags=settings.max_tags, max_keywords=settings.max_keywords)
    tag_settings = tags.load_tag_settings(
        extra_aliases=dict(settings.tag_aliases) or None,
        site_tags=list(settings.site_tags) or None,
        extra_labels=dict(settings.tag_labels) or None,
    )
    report = tagreport.tag_report(corpus.entries, tag_settings)
    if args.json:
        _print_json(report)
    else:
        print(tagreport.format_tag_report(report))
    return 0


def cmd_search(args) -> int:
    from . import search, search_output, siteindex

    if not args.query.strip():
        _say("kb search: error: the query is empty; give some words or an error message to look for",
             file=sys.stderr)
        return 2
    if args.content:
        from .pipeline import index_for_content

        index = index_for_content(Path(args.content))
    else:
        index_dir = siteindex.find(args.site_dir)
        if not search.index_exists(index_dir):
            _say(f"kb search: no index for the site '{args.site_dir}' (looked in {index_dir}); run `kb build` "
                 "first or pass --content DIR", file=sys.stderr)
            return 2
        index = search.open_index(index_dir)
    hits = search.search(index, args.query, limit=args.limit)
    sources = siteindex.read_sources(index.path)
    if args.json:
        print(search_output.hits_json(hits, sources))
    else:
        colour = search_output.use_colour(args.color, sys.stdout)
        print(search_output.format_hits(hits, args.query, sources, colour))
    return 0


def cmd_index(args) -> int:
    from . import outdir, search, siteindex
    from .pipeline import analysis, gather, search_docs, sources

    settings = _content_settings(args)
    site = Path(args.site_dir)
    target = siteindex.index_dir(site)
    protected = outdir.protected(settings.content_dir, _config_file(args))
    outdir.check_target(site, protected)  # a site kb built (or none yet), never the content folder
    outdir.check_target(target, protected)
    gathered = gather(settings)
    docs = search_docs(gathered.entries, gathered.graph)
    search.build_index(docs, target, analysis(gathered, docs)).close()
    siteindex.write_sources(target, sources(settings, gathered.entries))
    outdir.write_marker(target)
    if args.json:
        _print_json({"index_dir": str(target), "entries": len(gathered.entries)})
    else:
        _say(f"indexed {len(gathered.entries)} entries into {target}")
    return 0


# ----------------------------------------------------------------------------- parser

def _version() -> str:
    """The installed package's version (its metadata, from pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kb-builder")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="Build and search a Q&A knowledge base site.")
    parser.add_argument("--version", action="version", version=f"kb {_version()}",
                        help="show kb's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def content(p, text="content directory (default: content_dir of mkdocs.yml, else content/)"):
        p.add_argument("--content", metavar="DIR", help=text)

    def config(p):
        p.add_argument("--config", "-f", metavar="FILE",
                       help="MkDocs configuration (default: mkdocs.yml when present, else kb's built-in one)")

    def lang(p):
        p.add_argument("--lang", choices=("zh", "en"),
                       help="site language of the built-in configuration, used without mkdocs.yml "
                            "(default: the language most entries are written in)")

    def verbose(p, text="show debugging output"):
        p.add_argument("-v", "--verbose", action="store_true", help=text)

    def as_json(p, text="print the result as JSON"):
        p.add_argument("--json", action="store_true", help=text)

    p = sub.add_parser("build", help="build the site (through MkDocs and the kb plugin)")
    content(p)
    config(p)
    p.add_argument("--site-dir", "-d", metavar="DIR",
                   help="output directory (default: site_dir of mkdocs.yml, else site/)")
    lang(p)
    p.add_argument("--site-url", metavar="URL",
                   help="the address the site is published at (default: site_url of mkdocs.yml)")
    p.add_argument("--strict", action="store_true", help="fail when a content file has to be skipped")
    p.add_argument("--processes", type=int, choices=(1, 2), default=2,
                   help="render pages in this many processes (default 2, when the machine has 2 cores)")
    p.add_argument("--no-cache", action="store_true",
                   help="build cold: neither read nor write the build cache (see KB_CACHE_DIR)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    as_json(p, "print the build summary as JSON (no progress line)")
    verbose(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="live preview of the site, rebuilt when an entry is saved")
    content(p)
    config(p)
    lang(p)
    p.add_argument("--dev-addr", "-a", default="127.0.0.1:8000", metavar="IP:PORT",
                   help="address to serve on (default 127.0.0.1:8000); checked before building")
    verbose(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init", help="start a knowledge base: mkdocs.yml, an example entry, a CI workflow")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to start it (default: here)")
    p.add_argument("--lang", choices=("zh", "en"),
                   help="site and example entry language (default: that of existing entries, else en)")
    p.add_argument("--site-name", metavar="NAME", help="the site's name (default: Knowledge base / 知识库)")
    as_json(p, "print what was written as JSON")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("check", help="validate content files")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: content/)")
    p.add_argument("--content", metavar="DIR",
                   help="the knowledge base the files belong to: compares them with it (near-duplicates, "
                        "tags, references, ids); default when no PATH is given: content/")
    p.add_argument("--format", choices=("text", "json", "github"), default="text",
                   help="text (default), json, or github: GitHub Actions annotations")
    as_json(p, "the same as --format json")
    p.add_argument("--stale-days", type=int, default=730, metavar="N",
                   help="entries dated more than N days ago are reported as stale (info; default 730)")
    config(p)
    verbose(p, "show info findings too")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("new", help="start a new entry, after listing similar questions")
    p.add_argument("title", help="the question, as readers would ask it")
    p.add_argument("--tags", metavar="A,B", help="comma-separated tags (normalised; default: from the title)")
    p.add_argument("--lang", choices=("zh", "en"),
                   help="section headings: zh (用户问题/专家官方解答/参考链接) or en (Question/Answer/References); "
                        "default: zh for a Chinese title")
    p.add_argument("--id", dest="entry_id", metavar="ID", help="use this id instead of the next free one")
    p.add_argument("--yes", "-y", action="store_true", help="create it even when a near-identical question exists")
    p.add_argument("--dry-run", "-n", action="store_true", help="show the file instead of writing it")
    as_json(p, "print the similar questions and what was created as JSON (never asks)")
    content(p)
    config(p)
    verbose(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("export", help="write a folder other engines build (MkDocs, ProperDocs, Zensical), "
                                      "and/or search records")
    p.add_argument("--out", metavar="DIR",
                   help="the folder to write: mkdocs.yml, docs/ and overrides/, built without the kb plugin")
    p.add_argument("--search-records", metavar="FILE",
                   help="write one JSON line per entry, for Algolia, Meilisearch or Typesense")
    content(p)
    config(p)
    lang(p)
    p.add_argument("--site-url", metavar="URL",
                   help="the address the site is published at (absolute URLs in the search records)")
    as_json(p, "print what was written as JSON")
    verbose(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("tags", help="canonical tags, merges and suggested merges")
    content(p)
    config(p)
    as_json(p, "print the report as JSON")
    verbose(p)
    p.set_defaults(func=cmd_tags)

    p = sub.add_parser("search", help="search the knowledge base")
    p.add_argument("query", help="words, a symptom or an error message (Chinese, English or mixed)")
    as_json(p, "print the hits as JSON")
    p.add_argument("--limit", "-n", type=int, default=10, help="show at most N hits (default 10)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the matches: auto (on a terminal, unless NO_COLOR is set), always, never")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--site-dir", default="site", metavar="DIR",
                       help="a site built by kb build; its index is beside it (default: site)")
    where.add_argument("--content", metavar="DIR", help="search a content directory directly")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("index", help="(re)build the search index of a site, beside it")
    content(p)
    config(p)
    p.add_argument("--site-dir", default="site", metavar="DIR",
                   help="the site the index is for (default: site); written to DIR.kb-index")
    as_json(p, "print what was written as JSON")
    verbose(p)
    p.set_defaults(func=cmd_index)
    return parser


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (`docker stop`, systemd, a supervisor) ends a command as Ctrl+C does, so
    its `finally` blocks run: the preview's temporary site and built-in configuration
    are removed, the background index writer is stopped.  Python's default would end
    the process on the spot and leave them behind."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with _terminate_as_interrupt():
            return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `kb tags | head`: the reader left; say nothing more and don't flush into the closed pipe.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        from .outdir import UnsafeTarget
        from .sitebuild import BUILD_ERRORS

        if isinstance(exc, (UnsafeTarget, UsageError)):  # a usage error: nothing was changed
            _say(f"kb {args.command}: error: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, BUILD_ERRORS):
            _say(f"kb {args.command}: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
