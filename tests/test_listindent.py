"""Lists nested the CommonMark way read the same after `normalize_lists` in Python-Markdown:
named fixtures (tests/fixtures/lists/<name>.md and <name>.expected.md), properties, and the
real corpus rendered with the site's markdown extensions."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from conftest import missing_expected
import yaml
from hypothesis import given, settings, strategies as st

from kb_builder.listindent import normalize_lists

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lists"
CASES = sorted(p.name.removesuffix(".md") for p in FIXTURES.glob("*.md") if not p.name.endswith(".expected.md"))


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _converter() -> markdown.Markdown:
    """Python-Markdown with the extensions of the repository's mkdocs.yml."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    names, configs = [], {}
    for item in config["markdown_extensions"]:
        name, options = next(iter(item.items())) if isinstance(item, dict) else (item, None)
        names.append(name)
        if options and name != "toc":  # the anchors do not matter here, and toc's may name a function
            configs[name] = options
    return markdown.Markdown(extensions=names, extension_configs=configs)


class _Lists(HTMLParser):
    """How an HTML fragment nests its lists."""

    def __init__(self) -> None:
        super().__init__()
        self.nested = 0  # lists inside a list item
        self.tops: list[int] = []  # for each list in no list item, how many items it has
        self._open: list[str] = []

    @property
    def top_items(self) -> int:
        return sum(self.tops)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("ul", "ol"):
            self.nested += "li" in self._open
            if "li" not in self._open:
                self.tops.append(0)
            self._open.append(tag)
        elif tag == "li":
            if "li" not in self._open:
                self.tops[-1] += 1
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol", "li") and tag in self._open:
            while self._open.pop() != tag:
                pass


def _lists(html: str) -> _Lists:
    parser = _Lists()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def render():
    md = _converter()

    def convert(text: str) -> str:
        md.reset()
        return md.convert(text)

    return convert


# --------------------------------------------------------------------------- fixtures

def test_every_fixture_has_its_expected_output():
    assert len(CASES) >= 12
    assert missing_expected(FIXTURES, CASES, ".expected.md") == []


@pytest.mark.parametrize("name", CASES)
def test_fixture(name):
    expected = _read(f"{name}.expected.md")
    assert normalize_lists(_read(f"{name}.md")) == expected
    assert normalize_lists(expected) == expected  # written once, read the same again


def test_numbered_steps_with_bullets_render_as_three_steps(render):
    """The shape of q/question-history-11189/: three steps, each with sub-bullets and code."""
    source = _read("bullets-under-numbered-steps.md")
    before, after = _lists(render(source)), _lists(render(normalize_lists(source)))
    assert (before.top_items, before.nested) == (9, 0)  # Python-Markdown alone: nine numbered items
    assert (after.top_items, after.nested) == (3, 3)
    html = render(normalize_lists(source))
    assert html.count('<div class="highlight">') == 2 and "curl -X PUT" in re.sub(r"<[^>]+>", "", html)
    assert "<li>Send a PUT request:" in html.replace("\n", "")


def test_code_in_items_keeps_its_own_indentation(render):
    html = render(normalize_lists(_read("code-fence-in-item.md")))
    items = _lists(html)
    assert items.top_items == 2
    assert "\n  nacos:\n" in re.sub(r"<[^>]+>", "", html)  # the YAML is indented as written


def test_a_list_after_paragraph_text_is_a_list(render):
    html = render(normalize_lists("**Steps:**\n- Check the address.\n- Check the port."))
    assert _lists(html).top_items == 2
    assert "<p><strong>Steps:</strong></p>" in html


# --------------------------------------------------------------------------- properties

# A list as a tree: (ordered, loose, items); an item: (text, blocks in it); a block: a list,
# ("p", text) or ("code", lines).  Written the CommonMark way (content at the column after the
# marker) and Python-Markdown's (four spaces a level), both must render alike once normalised.
_WORDS = st.sampled_from(["alpha", "beta gamma", "`code`", "**bold**", "心跳", "a.b"])
_CODE = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["x: 1", "- y", "1. z", "# c", "  w"])),
                 min_size=1, max_size=4)


def _list_of(blocks):
    item = st.tuples(_WORDS, st.lists(blocks, max_size=2))
    return st.tuples(st.booleans(), st.booleans(), st.lists(item, min_size=1, max_size=3))


_BLOCK = st.recursive(st.one_of(st.tuples(st.just("p"), _WORDS), st.tuples(st.just("code"), _CODE)),
                      _list_of, max_leaves=8)
_TREE = _list_of(_BLOCK)


def _write(tree, commonmark: bool, column: int = 0, depth: int = 0) -> list[str]:
    ordered, loose, items = tree
    lines: list[str] = []
    for number, (text, blocks) in enumerate(items, start=1):
        marker = f"{number}." if ordered else "-"
        if loose and number > 1:
            lines.append("")
        start = len(lines)
        lines.append(" " * column + f"{marker} {text}")
        inner = column + len(marker) + 1 if commonmark else LEVEL * (depth + 1)
        after_text = True  # a list or fence may follow the item's own line directly
        for block in blocks:
            if isinstance(block[0], bool):
                if not after_text:
                    lines.append("")
                lines += _write(block, commonmark, inner, depth + 1)
            elif block[0] == "p":
                lines += ["", " " * inner + block[1]]
            else:
                lines.append(" " * inner + "```")
                lines += [" " * (inner + indent) + code for indent, code in block[1]]
                lines.append(" " * inner + "```")
            after_text = False
        if "" in lines[start:] and not loose and not commonmark and number < len(items):
            lines.append("")  # Python-Markdown starts a new block for the next item
    return lines


LEVEL = 4


@settings(max_examples=200, deadline=None)
@given(_TREE)
def test_lists_written_the_commonmark_way_render_as_written_for_python_markdown(tree):
    commonmark = "\n".join(_write(tree, True))
    python_markdown = "\n".join(_write(tree, False))
    md = _converter()
    expected = md.convert(python_markdown)
    md.reset()
    assert md.convert(normalize_lists(commonmark)) == expected
    assert normalize_lists(normalize_lists(commonmark)) == normalize_lists(commonmark)


_LINE = st.one_of(
    st.sampled_from(["", "- a", "* b", "1. c", "2) d", "10. e", "```", "~~~", "```yaml", "> q", "# h", "---",
                     "text", "`code`", "\t- tab"]),
    st.text(alphabet=" -*+1.)`~>#ab\t", max_size=12),
)
_TEXT = st.lists(st.tuples(st.integers(0, 9), _LINE), max_size=25).map(
    lambda lines: "\n".join(" " * indent + line for indent, line in lines))


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_only_blanks_change(text):
    assert re.sub(r"\s", "", normalize_lists(text)) == re.sub(r"\s", "", text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.text(alphabet="ab .,:`*_-1", max_size=20)), max_size=10))
def test_text_without_lists_is_returned_as_it_is(lines):
    text = "\n".join(" " * indent + "a" + line for indent, line in lines)
    assert normalize_lists(text) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["- a", "1. b", "c", ""])), max_size=12))
def test_fences_outside_lists_are_left_alone(body):
    inside = "\n".join(" " * indent + line for indent, line in body)
    text = f"Before.\n\n```text\n{inside}\n```\n\nAfter."
    assert normalize_lists(text) == text


# --------------------------------------------------------------------------- the real corpus

_MARKER = re.compile(r"^( *)(?:[*+-]|\d+[.)])(?: |$)")


def _nested_markers(text: str) -> int:
    """Indented list items under a less indented one (outside code fences): sub-lists as written."""
    found, fence, last = 0, None, None
    for line in text.split("\n"):
        stripped = line.strip()
        if fence:
            fence = None if stripped == fence else fence
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        match = _MARKER.match(line)
        if match:
            indent = len(match.group(1))
            found += last is not None and indent > last
            last = indent if last is None else min(last, indent)
        elif line and not line[0].isspace():
            last = None
    return found


def _lists_as_python_markdown_misreads(text: str) -> bool:
    """Whether the text holds a list Python-Markdown reads otherwise than CommonMark: a line
    in a list indented 1–3 spaces off its four-space grid, or a list item right after text."""
    in_list = blank = False
    fence = None
    previous = ""
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if fence:
            fence = None if stripped.rstrip() == fence else fence
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            if in_list and indent % 4:
                return True
            previous = line
            continue
        if not stripped:
            blank, previous = True, ""
            continue
        if _MARKER.match(line) and indent < 4:
            if previous.strip() and not _MARKER.match(previous) and not previous.lstrip().startswith("#"):
                return True
            in_list = True
        elif in_list and blank and indent == 0:
            in_list = False
        if in_list and indent % 4:
            return True
        blank, previous = False, line
    return False


@pytest.fixture(scope="module")
def corpus_answers(corpus_dir):
    """(id, answer as written, answer as read) for every entry of the real corpus."""
    from kb_builder.frontmatter import Findings, decode, split_front_matter
    from kb_builder.ingest import read_corpus
    from kb_builder.sections import split_sections

    written = {}
    for path in sorted(corpus_dir.glob("*.md")):
        _, body, line = split_front_matter(decode(path.read_bytes(), Findings(path.name)))
        written[path.name] = split_sections(body, line).answer
    return [(e.id, written[e.source_path], e.answer) for e in read_corpus(corpus_dir).entries]


@pytest.mark.corpus
def test_no_entry_renders_an_indented_sub_list_flat(corpus_answers, render):
    with_sub_lists = [(i, w, a) for i, w, a in corpus_answers if _nested_markers(w)]
    assert len(with_sub_lists) >= 250
    flat_before = [i for i, w, _ in with_sub_lists if _lists(render(w)).nested == 0]
    assert len(flat_before) >= 250  # what Python-Markdown makes of them as written
    flat = [i for i, _, a in with_sub_lists if _lists(render(a)).nested == 0]
    assert flat == []


@pytest.mark.corpus
def test_entries_without_such_lists_are_read_as_written(corpus_answers):
    untouched = [(i, w, a) for i, w, a in corpus_answers if not _lists_as_python_markdown_misreads(w)]
    assert len(untouched) >= 350
    assert [i for i, w, a in untouched if a != w] == []


@pytest.mark.corpus
def test_question_11189_shows_three_steps_with_sub_bullets(corpus_answers, render):
    answer = next(a for i, _, a in corpus_answers if i == "question-history-11189")
    html = render(answer)
    lists = _lists(html)
    assert lists.tops[0] == 3 and lists.nested == 3
    steps = html.split("<ol>", 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"<strong>(.*?)</strong>", steps)[:3] == ["通过控制台修改：", "使用运维API修改：", "直接在外部数据库修改："]
