"""The `kb` command line: thin wrappers over the library modules."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_CONFIG = "mkdocs.yml"


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
    from .sitebuild import build_site, setup_logging

    setup_logging(args.verbose, args.quiet)
    result = build_site(args.config, args.content, args.site_dir, strict=args.strict)
    generated = result.generated
    corpus = generated.corpus
    if not args.quiet:
        from .link import format_summary

        print(format_summary(generated.graph.stats))
        print(f"{corpus.files_seen} entries in, {generated.entry_pages} pages, {len(corpus.skipped)} skipped"
              f" (+{len(generated.pages) - generated.entry_pages} listing pages) in {result.seconds:.1f} s")
        for skipped in corpus.skipped:
            print(f"  skipped {skipped.path}: {skipped.reason}")
        print(f"site written to {result.site_dir}")
    return 0


def cmd_serve(args) -> int:
    import os

    from mkdocs.commands.serve import serve

    from .sitebuild import CONTENT_ENV, setup_logging

    setup_logging(args.verbose, False)
    if args.content:
        os.environ[CONTENT_ENV] = str(Path(args.content).resolve())
    serve(config_file=args.config, livereload=True, dev_addr=args.dev_addr, open_in_browser=False)
    return 0


def cmd_check(args) -> int:
    from .check import FORMATS, check_paths, exit_code

    paths = args.paths or [args.content or "content"]
    corpus = check_paths(paths)
    formatter = FORMATS[args.format]
    output = formatter(corpus, args.verbose) if args.format == "text" else formatter(corpus)
    if output:
        print(output)
    return exit_code(corpus.findings)


def cmd_export(args) -> int:
    import shutil
    import tempfile

    from .pipeline import generate

    settings = _content_settings(args)
    generated = generate(settings)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        for uri, markdown in generated.pages.items():
            target = (tmp / uri).resolve()
            if tmp.resolve() not in target.parents:
                raise ValueError(f"refusing to write outside the export folder: {uri}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown, encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.replace(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"{len(generated.pages)} pages written to {out}")
    return 0


def cmd_tags(args) -> int:
    from . import normalize
    from .ingest import read_corpus

    settings = _content_settings(args)
    corpus = read_corpus(settings.content_dir)
    tag_settings = normalize.load_tag_settings(
        extra_aliases=dict(settings.tag_aliases) or None,
        site_tags=list(settings.site_tags) or None,
        extra_labels=dict(settings.tag_labels) or None,
    )
    report = normalize.tag_report(corpus.entries, tag_settings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(normalize.format_tag_report(report))
    return 0


def cmd_search(args) -> int:
    from . import search

    if args.content:
        index = search.index_for_content(Path(args.content))
    else:
        index_dir = search.index_dir_for_site(Path(args.site_dir))
        if not search.index_exists(index_dir):
            print(f"kb search: no index under '{args.site_dir}'; run `kb build` first or pass --content DIR",
                  file=sys.stderr)
            return 2
        index = search.open_index(index_dir)
    hits = search.search(index, args.query, limit=args.limit)
    if args.json:
        print(json.dumps([hit.as_dict() for hit in hits], ensure_ascii=False, indent=2))
    else:
        print(search.format_hits(hits))
    return 0


def cmd_index(args) -> int:
    from . import search
    from .pipeline import gather, search_docs

    settings = _content_settings(args)
    corpus, entries, graph = gather(settings)
    target = search.index_dir_for_site(Path(args.site_dir))
    search.build_index(search_docs(entries, graph), target)
    print(f"indexed {len(entries)} entries into {target}")
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
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="live preview of the site")
    common(p)
    p.add_argument("--dev-addr", "-a", default="127.0.0.1:8000", metavar="IP:PORT")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("check", help="validate content files")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: content/)")
    p.add_argument("--content", metavar="DIR", help=argparse.SUPPRESS)
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="show info findings too")
    p.set_defaults(func=cmd_check)

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
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        from mkdocs.exceptions import MkDocsException

        from .sitebuild import BuildError

        if isinstance(exc, (BuildError, MkDocsException, OSError)):
            print(f"kb {args.command}: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
