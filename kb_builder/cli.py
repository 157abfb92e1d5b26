"""The `kb` command line: thin wrappers over the library modules."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_CONFIG = "mkdocs.yml"


def _say(*values: object, file=None) -> None:
    """print(), with each value made safe for a terminal or CI log (terminal.clean)."""
    from .terminal import clean

    print(*(clean(v) for v in values), file=file)


def _settings_from_config(config_file: str, content: str | None):
    """Pipeline settings as the plugin would build them, without running MkDocs."""
    from .sitebuild import load_config

    config, plugin = load_config(config_file, content)
    return plugin.settings(config)


def _content_settings(args):
    """Settings for commands that read content: from mkdocs.yml when there is one."""
    from .pipeline import Settings

    if Path(args.config).is_file():
        return _settings_from_config(args.config, args.content)
    return Settings(content_dir=Path(args.content or "content").resolve())


# ----------------------------------------------------------------------------- commands

def cmd_build(args) -> int:
    from .progress import Progress
    from .sitebuild import build_site, setup_logging

    setup_logging(args.verbose, args.quiet)
    # a status line on stderr while building, only on a terminal and never with -q
    with Progress("kb build", enabled=False if args.quiet else None) as progress:
        result = build_site(args.config, args.content, args.site_dir, strict=args.strict, progress=progress,
                            processes=args.processes)
    generated = result.generated
    corpus = generated.corpus
    if not args.quiet:
        from .link import format_summary

        print(format_summary(generated.graph.stats))
        print(f"{corpus.files_seen} entries in, {generated.entry_pages} pages, {len(corpus.skipped)} skipped"
              f" (+{len(generated.pages) - generated.entry_pages} listing pages) in {result.seconds:.1f} s")
        for skipped in corpus.skipped:
            _say(f"  skipped {skipped.path}: {skipped.reason}")
        _say(f"site written to {result.site_dir}")
    return 0


def cmd_serve(args) -> int:
    from .sitebuild import serve_site

    serve_site(args.config, args.content, args.dev_addr, verbose=args.verbose)
    return 0


def _check_tag_settings(args):
    """The site's tag settings (site tags, aliases) from mkdocs.yml for the corpus checks, if any."""
    if not Path(args.config).is_file():
        return None
    try:
        from . import tags

        settings = _settings_from_config(args.config, None)
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
    formatter = FORMATS[args.format]
    output = formatter(corpus, args.verbose) if args.format == "text" else formatter(corpus)
    if output:
        print(output)
    return exit_code(corpus.findings)


def cmd_new(args) -> int:
    from . import tags
    from .new import NewEntryError, plan_entry, run
    from .pipeline import Settings
    from .progress import Progress

    site_url = None
    if Path(args.config).is_file():
        from .sitebuild import load_config

        config, plugin = load_config(args.config, args.content)
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
        with Progress("kb new") as progress:
            plan = plan_entry(args.title, settings.content_dir, tags=args.tags, lang=args.lang,
                              entry_id=args.entry_id, tag_settings=tag_settings, site_url=site_url,
                              progress=progress)
    except NewEntryError as exc:
        _say(f"kb new: error: {exc}", file=sys.stderr)
        return 1
    return run(plan, yes=args.yes, dry_run=args.dry_run, content_arg=args.content)


def cmd_export(args) -> int:
    import shutil

    from . import outdir
    from .pipeline import generate

    settings = _content_settings(args)
    outdir.check_target(args.out, outdir.protected(settings.content_dir, args.config))
    out = Path(args.out).resolve()
    generated = generate(settings)
    outdir.clean_leftovers(out)
    tmp = outdir.temp_dir(out, "export")
    try:
        for uri, markdown in generated.pages.items():
            target = (tmp / uri).resolve()
            if tmp.resolve() not in target.parents:
                raise ValueError(f"refusing to write outside the export folder: {uri}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown.text, encoding="utf-8")
        outdir.swap_in(tmp, out)  # the old export stays whole until the new one is complete
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _say(f"{len(generated.pages)} pages written to {out}")
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
        from .terminal import clean_json

        print(clean_json(json.dumps(report, ensure_ascii=False, indent=2)))
    else:
        print(tagreport.format_tag_report(report))
    return 0


def cmd_search(args) -> int:
    from . import search

    if args.content:
        from .pipeline import index_for_content

        index = index_for_content(Path(args.content))
    else:
        index_dir = search.index_dir_for_site(Path(args.site_dir))
        if not search.index_exists(index_dir):
            _say(f"kb search: no index under '{args.site_dir}'; run `kb build` first or pass --content DIR",
                 file=sys.stderr)
            return 2
        index = search.open_index(index_dir)
    hits = search.search(index, args.query, limit=args.limit)
    if args.json:
        print(search.hits_json(hits))
    else:
        print(search.format_hits(hits))
    return 0


def cmd_index(args) -> int:
    from . import outdir, search
    from .pipeline import analysis, gather, search_docs

    settings = _content_settings(args)
    site = Path(args.site_dir)
    outdir.check_target(site, outdir.protected(settings.content_dir, args.config))
    gathered = gather(settings)
    target = search.index_dir_for_site(site)
    docs = search_docs(gathered.entries, gathered.graph)
    search.build_index(docs, target, analysis(gathered, docs)).close()
    if not (site / outdir.MARKER).exists():
        outdir.write_marker(site)  # the folder was empty or an older kb's site: kb's now
    _say(f"indexed {len(gathered.entries)} entries into {target}")
    return 0


# ----------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="Build and search a Q&A knowledge base site.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, content=True, config=True):
        if content:
            p.add_argument("--content", metavar="DIR", help="content directory (default: from mkdocs.yml, else content/)")
        if config:
            p.add_argument("--config", "-f", default=DEFAULT_CONFIG, metavar="FILE", help="MkDocs configuration file")
        p.add_argument("-v", "--verbose", action="store_true")

    p = sub.add_parser("build", help="build the site (through MkDocs and the kb plugin)")
    common(p)
    p.add_argument("--site-dir", "-d", metavar="DIR", help="output directory (default: site_dir of mkdocs.yml)")
    p.add_argument("--strict", action="store_true", help="fail when a content file has to be skipped")
    p.add_argument("--processes", type=int, choices=(1, 2), default=2,
                   help="render pages in this many processes (default 2, when the machine has 2 cores)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="live preview of the site")
    common(p)
    p.add_argument("--dev-addr", "-a", default="127.0.0.1:8000", metavar="IP:PORT")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("check", help="validate content files")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: content/)")
    p.add_argument("--content", metavar="DIR",
                   help="the knowledge base the files belong to: compares them with it (near-duplicates, "
                        "tags, references, ids); default when no PATH is given: content/")
    p.add_argument("--format", choices=("text", "json", "github"), default="text",
                   help="github: GitHub Actions annotations")
    p.add_argument("--stale-days", type=int, default=730, metavar="N",
                   help="entries dated more than N days ago are reported as stale (info; default 730)")
    p.add_argument("--config", "-f", default=DEFAULT_CONFIG, metavar="FILE",
                   help="MkDocs configuration whose kb tag settings apply (default: mkdocs.yml, when present)")
    p.add_argument("-v", "--verbose", action="store_true", help="show info findings too")
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
    common(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("export", help="write the generated markdown pages to a folder")
    common(p)
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("tags", help="canonical tags, merges and suggested merges")
    common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tags)

    p = sub.add_parser("search", help="search the knowledge base")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", "-n", type=int, default=10)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--site-dir", default="site", metavar="DIR", help="a site built by kb build (default: site)")
    where.add_argument("--content", metavar="DIR", help="search a content directory directly")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("index", help="(re)build the search index of a site")
    common(p)
    p.add_argument("--site-dir", default="site", metavar="DIR")
    p.set_defaults(func=cmd_index)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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

        if isinstance(exc, UnsafeTarget):  # a usage error: nothing was changed
            _say(f"kb {args.command}: error: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, BUILD_ERRORS):
            _say(f"kb {args.command}: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
