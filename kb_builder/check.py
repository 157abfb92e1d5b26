"""`kb check`: validate content files and report findings in text, JSON or GitHub form."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from .ingest import iter_content_files, read_corpus
from .model import Corpus, Finding, Severity
from .terminal import clean, clean_json, clean_lines


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(iter_content_files(path))
        elif path.exists():  # missing paths are reported once, as not-found, by check_paths
            files.append(path)
    return files


def check_paths(paths: Sequence[str | Path], display_base: Path | None = None) -> Corpus:
    """Read the given files/directories as one corpus (ids are checked across all of them)."""
    files = collect_files(paths)
    base = display_base or Path.cwd()
    corpus = read_corpus(Path(paths[0]) if len(paths) == 1 and Path(paths[0]).is_dir() else base,
                         display_base=base, files=files)
    missing = [Finding(Severity.ERROR, "not-found", "no such file or directory", str(p))
               for p in map(Path, paths) if not p.exists()]
    if missing:
        corpus = Corpus(corpus.entries, tuple(missing) + corpus.findings, corpus.skipped, corpus.files_seen)
    return corpus


def exit_code(findings: Iterable[Finding]) -> int:
    return 1 if any(f.severity is Severity.ERROR for f in findings) else 0


def format_text(corpus: Corpus, verbose: bool = False) -> str:
    lines = []
    for f in corpus.findings:
        if f.severity is Severity.INFO and not verbose:
            continue
        lines.append(f"{f.location()}: {f.severity.value}: {f.message} [{f.kind}]")
    counts = Counter((f.severity, f.kind) for f in corpus.findings)
    errors = sum(n for (s, _), n in counts.items() if s is Severity.ERROR)
    warnings = sum(n for (s, _), n in counts.items() if s is Severity.WARNING)
    lines.append("")
    lines.append(
        f"{corpus.files_seen} files checked, {len(corpus.entries)} valid entries, "
        f"{errors} errors, {warnings} warnings"
    )
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        kinds = sorted((k, n) for (s, k), n in counts.items() if s is severity)
        if kinds:
            hidden = " (shown with -v)" if severity is Severity.INFO and not verbose else ""
            lines.append(f"  {severity.value}s by kind: " + ", ".join(f"{k} {n}" for k, n in kinds) + hidden)
    return clean_lines(lines)


def format_json(corpus: Corpus) -> str:
    counts = Counter(f"{f.severity.value}:{f.kind}" for f in corpus.findings)
    return clean_json(json.dumps(
        {
            "files": corpus.files_seen,
            "entries": len(corpus.entries),
            "errors": sum(1 for f in corpus.findings if f.severity is Severity.ERROR),
            "warnings": sum(1 for f in corpus.findings if f.severity is Severity.WARNING),
            "by_kind": dict(sorted(counts.items())),
            "findings": [f.as_dict() for f in corpus.findings],
        },
        ensure_ascii=False,
        indent=2,
    ))


def _gh_escape(text: str, is_property: bool = False) -> str:
    """Workflow-command escaping (a raw line break would end the command and let the
    next line be one), then `clean` for the other control characters."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if is_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return clean(text)


def format_github(corpus: Corpus) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in corpus.findings:
        props = [f"file={_gh_escape(f.path, True)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_gh_escape('kb check: ' + f.kind, True)}")
        lines.append(f"::{level[f.severity]} {','.join(props)}::{_gh_escape(f.message)}")
    return "\n".join(lines)


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
