"""`kb new "TITLE"`: start a new entry, after showing the questions already answered.

Before anything is written, the new question is compared with every existing entry's
whole question (title and question text) in both directions (asked.py), with the
analyzer and glossary of the site's search.  Entries that ask the same question
(reworded, or the same text) are listed first and must be confirmed (or `--yes`);
the nearest others follow, best first.

The new file gets the next id of the corpus's scheme (`question-history-NNNN`
-> the highest number + 1; a slug of the title for corpora without a numbered
scheme), today's date, canonical tags (normalize.py, with the corpus's merges
and site-wide tags) and the section template of the chosen language. An
existing file is never overwritten (the file is created with O_EXCL).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence, TextIO

from . import normalize
from .tags import TagSettings, classify_tag, default_settings, fold_tag
from .analyze import Analyzer, has_cjk
from .asked import Weights, Words, compare, question_words, weights_of, whole_question
from .model import Entry
from .progress import no_progress
from .schema import LIST_SEPARATORS, MAX_ID_LENGTH, SAFE_ID, FieldError, coerce_id
from .terminal import clean, clean_lines

SIMILAR = 5
LISTED = 0.3  # the least score (asked.Match.score) of a similar question worth listing
TEMPLATE_MARK = "kb new:"  # in the placeholder comments; `kb check` warns while one is left
_NUMBERED = re.compile(r"^(.*?)(\d+)$")

TEMPLATES = {
    "zh": (
        "## 用户问题 ：\n"
        "{question}\n"
        "\n"
        "---------------\n"
        "## 专家官方解答 ：\n"
        "\n"
        "<!-- kb new: 在这里写解答，然后删除这一行。引用已有条目时，在“参考链接”下写 "
        "`* 专家经验：<已有问题的标题>`；外部链接写 `* [标题](https://...)`。 -->\n"
        "\n"
        "---------------\n"
        "## 参考链接 ：\n"
        "\n"
    ),
    "en": (
        "## Question\n"
        "\n"
        "{question}\n"
        "\n"
        "## Answer\n"
        "\n"
        "<!-- kb new: write the answer here, then delete this line. Under References, cite an "
        "existing entry as `* See: <its title>` and a web page as `* [Title](https://...)`. -->\n"
        "\n"
        "## References\n"
        "\n"
    ),
}


class NewEntryError(ValueError):
    """A problem with the request itself (bad title, id taken, file exists)."""


# --------------------------------------------------------------------------- ids

def id_scheme(ids: Iterable[str]) -> tuple[str, int, int] | None:
    """(prefix, zero-pad width, highest number) when most ids are PREFIX + number, else None.

    >>> id_scheme(["question-history-9", "question-history-12", "about"])
    ('question-history-', 0, 12)
    """
    ids = list(ids)
    numbered: dict[str, list[str]] = {}
    for entry_id in ids:
        match = _NUMBERED.match(entry_id)
        if match:
            numbered.setdefault(match.group(1), []).append(match.group(2))
    if not numbered:
        return None
    prefix, digits = max(numbered.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(digits) * 2 <= len(ids):  # no dominant pattern
        return None
    padded = [d for d in digits if len(d) > 1 and d.startswith("0")]
    width = max(len(d) for d in padded) if padded else 0
    return prefix, width, max(int(d) for d in digits)


def slug_id(title: str) -> str:
    """An ASCII id made from a title: words, with Chinese as pinyin ('修改密码' -> 'xiu-gai-mi-ma')."""
    text = fold_tag(title)  # NFKC, Simplified, lower case, separators -> '-'
    words: list[str] = []
    for run in re.findall(r"[a-z0-9]+|[^\x00-\x7f]+", text):
        if run.isascii():
            words.append(run)
        else:
            try:
                from pypinyin import lazy_pinyin

                words.extend(w for w in lazy_pinyin(run) if re.fullmatch(r"[a-z0-9]+", w))
            except ImportError:  # pragma: no cover - pypinyin is a dependency
                pass
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 60:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "entry"


def next_id(ids: Iterable[str], title: str, taken: Callable[[str], bool] = lambda _: False) -> str:
    """The id a new entry gets: the corpus's numbered scheme + 1, or a slug of the title.

    `taken(id)` says whether an id is unusable for another reason (a file of that name exists).
    """
    ids = list(ids)
    used = {i.casefold() for i in ids}
    scheme = id_scheme(ids)
    if scheme is not None:
        prefix, width, top = scheme
        for number in range(top + 1, top + 1000):
            candidate = f"{prefix}{number:0{width}d}"
            if candidate.casefold() not in used and not taken(candidate):
                return candidate
    base = slug_id(title)
    for n in range(1, 10000):
        candidate = base if n == 1 else f"{base}-{n}"
        if candidate.casefold() not in used and not taken(candidate):
            return candidate
    raise NewEntryError("could not find a free id; give one with --id")  # pragma: no cover


# --------------------------------------------------------------------------- tags

@dataclass(frozen=True)
class TagChoice:
    written: tuple[str, ...]  # what goes into the front-matter
    notes: tuple[str, ...] = ()  # what happened to the tags as given
    extracted: bool = False


def split_tags(raw: str | Sequence[str] | None) -> list[str]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        out.extend(p.strip() for p in LIST_SEPARATORS.split(item) if p.strip())
    return out


def _written_form(tag: str, settings: TagSettings, lang: str | None) -> str:
    """The tag's label in the entry's language when it reads back as the same tag, else its slug."""
    label = settings.label_for(tag, lang)
    return label if classify_tag(label, settings).tag == tag else tag


def choose_tags(raw_tags: Sequence[str], title: str, settings: TagSettings,
                lang: str | None = None) -> TagChoice:
    """Canonical tags for the front-matter, as the site will show them.

    Aliases and the corpus's merges are applied ("K8S" -> "kubernetes"), versions are
    kept in their canonical form ("v2.2.3" -> "2.2.3"), site-wide tags, stop-words and
    empty values are dropped with a note. Without usable tags, tags are extracted from
    the title the way the site would.
    """
    written: list[str] = []
    notes: list[str] = []
    for raw in raw_tags:
        result = classify_tag(raw, settings)
        if result.tag:
            form = _written_form(result.tag, settings, lang)
            if result.version:
                written.append(result.version)
            if form not in written:
                written.append(form)
            if fold_tag(form) != fold_tag(raw):
                notes.append(f"'{raw}' is written '{form}' on this site")
        elif result.kind == "version" and result.version:
            if result.version not in written:
                written.append(result.version)
            if result.version != raw:
                notes.append(f"'{raw}' is the version '{result.version}'")
        elif result.kind == "site":
            notes.append(f"'{raw}' left out: every page of this site has it")
        else:
            reason = {"empty": "empty", "stopword": "too common to be a tag", "short": "too short",
                      "number": "a number"}.get(result.kind, result.kind)
            notes.append(f"'{raw}' left out: {reason}")
    if any(classify_tag(t, settings).tag for t in written):
        return TagChoice(tuple(written), tuple(notes))
    extracted = []
    for slug in normalize.extract_tags(title, "", settings):
        extracted.append(_written_form(slug, settings, lang))
    return TagChoice(tuple(written + [t for t in extracted if t not in written]), tuple(notes), extracted=True)


# --------------------------------------------------------------------------- similar questions

@dataclass(frozen=True)
class Similar:
    entry: Entry
    url: str
    path: str  # the file, as shown to the user
    near_identical: bool  # asks the same question: creating the entry needs a confirmation
    score: float = 0.0  # how alike the two whole questions are, both ways (asked.Match.score)


@dataclass(frozen=True)
class QuestionIndex:
    """The existing questions as words (asked.py), cut by the analyzer the site's search uses."""

    ids: tuple[str, ...]
    analyzer: Analyzer
    weights: Weights
    questions: tuple[Words, ...]  # each entry's whole question: title and question text
    titles: tuple[Words, ...]


def question_index(entries: Sequence[Entry]) -> QuestionIndex:
    """The entries' questions as words, with the corpus's word weights and the glossary's synonyms."""
    from .documents import SearchDoc, analyse_glossary, load_glossary, search_words

    docs = [SearchDoc(id=e.id, title=e.title, url="", tags=tuple(e.tags), keywords=tuple(e.keywords))
            for e in entries]
    groups = load_glossary()
    analyzer = Analyzer.of(search_words(docs, groups))
    questions = tuple(question_words(whole_question(e.title, e.question), analyzer) for e in entries)
    titles = tuple(question_words(e.title, analyzer) for e in entries)
    weights = weights_of(questions, analyse_glossary(groups, analyzer))
    return QuestionIndex(tuple(e.id for e in entries), analyzer, weights, questions, titles)


def find_similar(title: str, entries: Sequence[Entry], limit: int = SIMILAR,
                 url_for: Callable[[Entry], str] = lambda e: f"q/{e.id}/",
                 path_for: Callable[[Entry], str] = lambda e: e.source_path,
                 progress=no_progress, index: QuestionIndex | None = None) -> list[Similar]:
    """The existing questions closest to `title`, the ones asking the same question first.

    Whole questions are compared in both directions (asked.py): an entry asks the same
    question when it holds (almost) all the words of the new question and the new question
    holds (almost) all of its words, or when the new question is its title word for word.
    The others are listed by how alike the two questions are, when they are alike enough.
    Answers are left out: they mention too much to say whether a question was asked.
    """
    entries = list(entries)
    if not entries:
        return []
    if index is None or index.ids != tuple(e.id for e in entries):
        progress("index", 0, len(entries))
        index = question_index(entries)
        progress("index", len(entries), len(entries))
    new = question_words(title, index.analyzer)
    matches = [compare(new, question, index.weights, entry_title)
               for question, entry_title in zip(index.questions, index.titles)]
    order = sorted(range(len(entries)), key=lambda n: (-matches[n].score, n))
    same = [n for n in order if matches[n].same]
    alike = [n for n in order if not matches[n].same and matches[n].score >= LISTED]
    shown = same + alike[:max(0, limit - len(same))]
    return [Similar(entries[n], url_for(entries[n]), path_for(entries[n]), matches[n].same, matches[n].score)
            for n in shown]


# --------------------------------------------------------------------------- the file

def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def render_entry(entry_id: str, title: str, date: str, tags: Sequence[str], lang: str) -> str:
    front = [
        "---",
        f"id: {_yaml_string(entry_id)}",
        f"title: {_yaml_string(title)}",
        f"date: {_yaml_string(date)}",
        "tags: [" + ", ".join(_yaml_string(t) for t in tags) + "]",
        "---",
        "",
    ]
    return "\n".join(front) + "\n" + TEMPLATES[lang].format(question=title)


def clean_title(title: str) -> str:
    text = " ".join(str(title).split())
    if not text:
        raise NewEntryError("the title is empty: give the question, e.g. kb new \"How do I change the password?\"")
    if len(text) > 300:
        raise NewEntryError(f"the title is {len(text)} characters long; keep it under 300 "
                            "(the details go in the question section)")
    return text


@dataclass
class Plan:
    """Everything `kb new` will do, computed before anything is written."""

    title: str
    entry_id: str
    path: Path
    lang: str
    date: str
    tags: TagChoice
    similar: list[Similar] = field(default_factory=list)
    entries: int = 0

    @property
    def text(self) -> str:
        return render_entry(self.entry_id, self.title, self.date, self.tags.written, self.lang)

    @property
    def near(self) -> list[Similar]:
        return [s for s in self.similar if s.near_identical]


def plan_entry(title: str, content_dir: Path | str, *, tags: str | Sequence[str] | None = None,
               lang: str | None = None, entry_id: str | None = None,
               tag_settings: TagSettings | None = None, site_url: str | None = None,
               today: _dt.date | None = None, limit: int = SIMILAR, shown_from: Path | None = None,
               progress=no_progress) -> Plan:
    from .ingest import iter_content_files, read_corpus

    title = clean_title(title)
    content_dir = Path(content_dir)
    if content_dir.exists() and not content_dir.is_dir():
        raise NewEntryError(f"'{content_dir}' is not a directory")
    if lang is None:
        lang = "zh" if has_cjk(title) else "en"
    if lang not in TEMPLATES:
        raise NewEntryError(f"unknown language '{lang}' (use {' or '.join(TEMPLATES)})")
    if content_dir.is_dir():
        progress("read", 0, 0)
        corpus = read_corpus(content_dir)
        entries = corpus.entries
        progress("read", len(entries), len(entries))
        file_stems = {p.stem.casefold() for p in iter_content_files(content_dir)}
    else:
        entries, file_stems = (), set()

    def taken(candidate: str) -> bool:
        return candidate.casefold() in file_stems or (content_dir / f"{candidate}.md").exists()

    ids = [e.id for e in entries]
    if entry_id is not None:
        try:
            entry_id = coerce_id(entry_id)
        except FieldError as exc:
            raise NewEntryError(str(exc)) from None
        owner = next((e for e in entries if e.id.casefold() == entry_id.casefold()), None)
        if owner is not None:
            raise NewEntryError(f"the id '{entry_id}' is already used by {content_dir / owner.source_path}")
    else:
        entry_id = next_id(ids, title, taken)
    if not SAFE_ID.match(entry_id) or len(entry_id) > MAX_ID_LENGTH:  # pragma: no cover - ids are built safe
        raise NewEntryError(f"unsafe id '{entry_id}'")
    path = content_dir / f"{entry_id}.md"
    if path.exists():
        raise NewEntryError(f"{path} already exists; kb new never overwrites a file (choose another --id)")

    base = tag_settings or default_settings()
    effective = normalize.corpus_settings(entries, base) if entries else base
    choice = choose_tags(split_tags(tags), title, effective, lang)

    shown_base = (shown_from or Path.cwd()).resolve()

    def shown(entry: Entry) -> str:
        full = (content_dir / entry.source_path).resolve()
        try:
            return full.relative_to(shown_base).as_posix()
        except ValueError:
            return os.path.relpath(full, shown_base) if os.name != "nt" else str(full)

    prefix = (site_url or "").rstrip("/")
    similar = find_similar(title, entries, limit,
                           url_for=lambda e: f"{prefix}/q/{e.id}/" if prefix else f"q/{e.id}/",
                           path_for=shown, progress=progress)
    date = (today or _dt.date.today()).isoformat()
    return Plan(title, entry_id, path, lang, date, choice, similar, len(entries))


def write_entry(plan: Plan) -> Path:
    """Create the file; never overwrites (FileExistsError when it appeared meanwhile)."""
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    with open(plan.path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(plan.text)
    return plan.path


# --------------------------------------------------------------------------- the command

def format_similar(plan: Plan) -> str:
    if not plan.entries:
        return "No entries yet: this will be the first one."
    if not plan.similar:
        return f"No similar question among the {plan.entries} entries."
    lines = [f"Similar questions among the {plan.entries} entries (most similar first):"]
    width = len(str(len(plan.similar)))
    for n, item in enumerate(plan.similar, 1):
        mark = "  << near-identical" if item.near_identical else ""
        lines.append(f"  {n:>{width}}. {item.entry.display_title}{mark}")
        lines.append(f"  {'':>{width}}  {item.url}   ({item.path})")
    return clean_lines(lines)


def _shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def run(plan: Plan, *, yes: bool = False, dry_run: bool = False, stdin: TextIO | None = None,
        stdout: TextIO | None = None, stderr: TextIO | None = None,
        interactive: bool | None = None, content_arg: str | None = None) -> int:
    """Show the similar questions, confirm when needed, write the file. Returns the exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    print(format_similar(plan), file=stdout)
    print(file=stdout)
    near = plan.near
    if near and not yes:
        first = near[0]
        if interactive is None:
            try:
                interactive = stdin.isatty()
            except (AttributeError, ValueError):
                interactive = False
        if not interactive:
            print(f"kb new: not created: '{clean(first.entry.title)}' ({clean(first.path)}) already asks this question.\n"
                  "  Improve that entry instead, or run again with --yes to create a new one anyway.",
                  file=stderr)
            return 1
        stdout.write(f"'{clean(first.entry.title)}' ({clean(first.path)}) already asks this question.\n"
                     "Create a new entry anyway? [y/N] ")
        stdout.flush()
        answer = stdin.readline()
        if answer.strip().lower() not in ("y", "yes", "是", "是的"):
            print("Not created.", file=stdout)
            return 1
    shown = _shown_path(plan.path)
    if dry_run:
        print(f"Would create {shown}:\n", file=stdout)
        print(plan.text, file=stdout)
        return 0
    try:
        write_entry(plan)
    except FileExistsError:
        print(f"kb new: error: {shown} already exists; it was not changed", file=stderr)
        return 1
    print(f"Created {shown}", file=stdout)
    print(f"  id:    {plan.entry_id}", file=stdout)
    print(f"  date:  {plan.date}", file=stdout)
    tags = ", ".join(plan.tags.written) or "(none)"
    print(f"  tags:  {tags}" + ("  (from the title: change them if they are wrong)" if plan.tags.extracted else ""),
          file=stdout)
    for note in plan.tags.notes:
        print(f"         {note}", file=stdout)
    folder = _shown_path(plan.path.parent)
    serve = f"kb serve --content {content_arg}" if content_arg else "kb serve"
    print("Next:", file=stdout)
    print(f"  1. write the answer in {shown} (replace the '<!-- kb new: ... -->' line)", file=stdout)
    print(f"  2. kb check {shown} --content {folder}", file=stdout)
    print(f"  3. {serve}   and open http://127.0.0.1:8000/q/{plan.entry_id}/", file=stdout)
    return 0


def run_json(plan: Plan, *, yes: bool = False, dry_run: bool = False) -> tuple[int, dict]:
    """`kb new --json`: never asks; a near-identical question without --yes creates nothing
    (exit 1).  Returns the exit code and what to print."""
    data = {
        "id": plan.entry_id, "title": plan.title, "path": _shown_path(plan.path), "date": plan.date,
        "lang": plan.lang, "tags": list(plan.tags.written), "tag_notes": list(plan.tags.notes),
        "similar": [{"id": s.entry.id, "title": s.entry.title, "url": s.url, "path": s.path,
                     "near_identical": s.near_identical} for s in plan.similar],
        "created": False,
    }
    if plan.near and not yes:
        data["reason"] = "a near-identical question exists (use --yes to create it anyway)"
        return 1, data
    if dry_run:
        data["text"] = plan.text
        return 0, data
    try:
        write_entry(plan)
    except FileExistsError:
        data["reason"] = "the file already exists"
        return 1, data
    data["created"] = True
    return 0, data
