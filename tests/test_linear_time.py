"""Every pattern that reads entry text takes time linear in the text's length.

Entries are untrusted and may be as large as frontmatter.MAX_ENTRY_BYTES (2 MB).  A
pattern that can start a match at each of many places and read on to the end from
each takes time quadratic in the length: `"a." * 20000` in a question made
`kb build` and `kb check` take 52 s instead of 1.5 s.  Each function below that
applies patterns to entry text is run on 1 MB and 2 MB of shapes that provoked it
(runs of the characters a pattern starts on, dotted chains, blank runs): it must
finish 1 MB in under 2 s (of CPU time), take less than 2.5 times as long for twice
the text, and still find a real item written after the 1 MB (the input is not cut
short).
"""
from __future__ import annotations

import gc
import re
import signal
import time
from typing import Callable

import pytest

from kb_builder import analyze, ingest, lint, markdown_guard, pages, references, safe
from kb_builder.error_groups import group_signatures
from kb_builder.error_repair import repair
from kb_builder.errors import Signature, extract_signatures
from kb_builder.frontmatter import Findings

MB = 1 << 20
LIMIT_1MB = 2.0  # seconds
MAX_RATIO = 2.5  # time(2 MB) / time(1 MB)
GIVE_UP = 10.0  # seconds for one call: five times the limit (a quadratic pattern took hours)


class Numbered(str):
    """A shape whose copies differ (`{}` is the copy's number): a finding per copy."""

    def copies(self, size: int) -> str:
        pieces, length, number = [], 0, 0
        while length < size:
            pieces.append(self.format(number))
            length += len(pieces[-1])
            number += 1
        return "".join(pieces)[:size]


def _parsed(text: str):
    return ingest.parse_text("---\nid: x\ntitle: t\n---\n## Question\n\nq\n\n## Answer\n\n" + text,
                             "x.md", Findings("x.md"))


def _signatures(text: str) -> set[str]:
    return {s.display for s in extract_signatures(text)}


def _repaired(answer: str) -> str:
    """A question whose path lost its slashes, put back from `answer`."""
    return repair(("java.io.FileNotFoundException:  home nacos conf x.xml (No such file)",), answer)[0]


def _grouped(text: str):
    """Each line of `text` one signature of an entry, grouped with another entry's."""
    return group_signatures(("a", "b"), (tuple(Signature("message", line) for line in text.split("\n") if line),
                                         (Signature("message", "the registry refused the connection"),)))


# (what, function, the shapes it is run on, text written after them, what must then be found)
CASES: list[tuple[str, Callable, tuple[str, ...], str, Callable]] = [
    ("errors.extract_signatures", _signatures,
     ("a.", ".", ":", "Exception ", "x.Error", "「", "A$",
      # quoted names, calls, objects in brackets, a file before ": ", colons between words
      "'", "a (", "a [", "x.so: a ", "a a:b ", "中a a:b "),
     "\nNacosException: user not found", lambda found: "NacosException: user not found" in found),
    ("error_repair.repair", _repaired,
     ("a/a ", "a+ ", "a a "),
     " /home/nacos/conf/x.xml", lambda question: "FileNotFoundException: /home/nacos/conf/x.xml" in question),
    ("error_groups.group_signatures", _grouped,
     (Numbered("connection refused by the remote server number {}\n"), "a a a a a a a\n", "a"),
     "\nuser not found\nrole not found\nuser not foud", lambda groups: groups.index.get("user not found") == ("a",)),
    ("ingest.parse_text", _parsed,
     ("a.", "\n", Numbered("a [link](javascript:{}) that is dropped, ")),
     "\n## References\n\n* [Nacos](https://nacos.io/)\n",
     lambda entry: [r.target for r in entry.references] == ["https://nacos.io/"]),
    ("analyze.plain_text", analyze.plain_text,
     ("[", "[](", "\n", " \u3000"),
     "\n[the link text](https://example.org/x)", lambda text: text.endswith("the link text")),
    ("pages.plain", pages.plain,
     ("[", "!["),
     " [the link text](https://example.org/x)", lambda text: text.endswith("the link text")),
    ("references.body_links", references.body_links,
     ("[", "[]("),
     " [other](other.md)", lambda targets: targets[-1:] == ("other.md",)),
    ("lint body links", lambda text: [m.group(1) for m in lint._BODY_LINK.finditer(text)],
     ("[", "[]("),
     " [other](other.md)", lambda targets: targets[-1:] == ["other.md"]),
    ("safe.sanitize_markdown", safe.sanitize_markdown,
     ("[](", "x `"),
     "\n[x](javascript:alert(1)) [ok](https://example.org/ok)",
     lambda md: "javascript:" not in md and md.endswith("[ok](https://example.org/ok)")),
    ("markdown_guard.guard_page", markdown_guard.guard_page,
     ("{", "*{", "{: #", "{a=\"", "| {", " {", "<a ", "<a title=\"", "<a '\"", "`", "`` `", "](\"", "](", "\"'",
      "#_\n", "```\n", "```js {\n", "    x\n", "- a\n", "&lt;", "\\`", "[x]: y\n"),
     "\n\ntext\n{: #__config }\n\n### __drawer\n", lambda md: md.endswith("{: #user-__config }\n\n### __drawer { #drawer }\n")),
    ("safe.escape_inline", safe.escape_inline,
     ("#", "a."),
     " <b>", lambda text: text.endswith(" &lt;b&gt;")),
]


def _repeat(unit: str, size: int) -> str:
    if isinstance(unit, Numbered):
        return unit.copies(size)
    return (unit * (size // len(unit) + 1))[:size]


class _TooSlow(Exception):
    pass


def _timed(function: Callable, text: str):
    """(seconds of this process's CPU time, result); _TooSlow after GIVE_UP seconds.

    CPU time, not wall time: other processes on the machine do not count."""
    def give_up(signum, frame):
        raise _TooSlow  # the regex engine checks for signals while it matches

    # Collections are left out: their cost follows all that earlier tests left alive.
    gc.collect()
    gc.disable()
    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, GIVE_UP)
    try:
        started = time.process_time()
        result = function(text)
        return time.process_time() - started, result
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()


@pytest.mark.parametrize("what,function,units,tail,found", CASES, ids=[case[0] for case in CASES])
def test_patterns_take_linear_time_on_entry_text(what, function, units, tail, found):
    slow, missed = {}, {}
    for unit in units:
        ratios, ones = [], []
        try:
            for attempt in range(4):  # again while slow: a process beside this one can slow one run
                one, result = _timed(function, _repeat(unit, MB) + tail)
                two, _ = _timed(function, _repeat(unit, 2 * MB))
                ones.append(one)
                ratios.append(two / max(one, 0.02))
                if min(ones) < LIMIT_1MB and min(ratios) < MAX_RATIO:
                    break
        except _TooSlow:
            slow[unit] = f"more than {GIVE_UP:.0f} s for 1 or 2 MB"
            continue
        if min(ones) >= LIMIT_1MB or min(ratios) >= MAX_RATIO:
            slow[unit] = f"{min(ones):.2f} s for 1 MB, 2 MB took {min(ratios):.1f} times as long"
        if not found(result):
            missed[unit] = str(result)[-200:]
    assert slow == {}, f"{what}: {slow}"
    assert missed == {}, f"{what} lost what follows 1 MB of: {missed}"


def test_check_finds_the_lines_of_many_findings_in_linear_time(tmp_path):
    """`kb check` gives each link to a missing entry its line; each was looked for from
    the top of the file (time quadratic in the number of links)."""
    from kb_builder import lint

    head = "---\nid: many-links\ntitle: Many links\ntags: [x]\n---\n## Question\n\nq\n\n## Answer\n\n"

    def check(size: int):
        folder = tmp_path / str(size)
        if not folder.is_dir():
            folder.mkdir()
            (folder / "many-links.md").write_text(head + Numbered("see [x{0}](missing-{0}.md)\n").copies(size),
                                                  encoding="utf-8")
        path = folder / "many-links.md"
        seconds, corpus = _timed(lambda _: lint.check([path], content=folder), "")
        return seconds, corpus, path

    ratios, gave_up = [], False
    try:
        for attempt in range(3):  # again while slow: a process beside this one can slow one run
            (quarter, corpus, path), (half, _, _) = check(MB // 4), check(MB // 2)
            ratios.append(half / max(quarter, 0.02))
            if min(ratios) < MAX_RATIO:
                break
    except _TooSlow:  # failed outside the handler: pytest cannot show a failure chained to it
        gave_up = True
    assert not gave_up, f"more than {GIVE_UP:.0f} s to check a quarter or half a megabyte"
    assert min(ratios) < MAX_RATIO, f"0.5 MB took {min(ratios):.1f} times as long as 0.25 MB"
    missing = [f for f in corpus.findings if f.kind == "missing-reference"]
    lines = path.read_text(encoding="utf-8").split("\n")
    assert len(missing) > 5000
    for finding in missing[-3:]:  # each on the line of its own link
        target = re.search(r"missing-\d+\.md", finding.message).group()
        assert f"({target})" in lines[finding.line - 1], (finding.line, finding.message)
