"""`kb serve` keeps one session for all its builds: per-entry results (normalised entries,
link parts and hubs, entry and listing pages, search documents) are remembered by their
inputs and reused where an edit left those unchanged.  After every kind of edit the
live results equal a clean build's (a new session), and what shows the edited entry
(tag, category and hub pages, other entries' lists) changes with it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kb_builder import normalize, tags, pipeline
from kb_builder.model import Entry
from kb_builder.pages import entry_uri
from kb_builder.session import Session

REPO = Path(__file__).resolve().parents[1]
REF_ID = "kb-reuse-ref"
TARGET = "question-history-90004"  # REF_ID links to it: its page lists REF_ID as a backlink


def _generate(content: Path, session: Session | None = None) -> tuple[dict, tuple, tuple]:
    """Pages, search documents before and after linking; a new session is a clean build."""
    session = session or Session(verify=False)
    settings = pipeline.Settings(content_dir=content, lang="zh", site_tags=("nacos", "opensource"))
    generated = pipeline.generate(settings, session=session)
    result = (generated.pages, pipeline.search_docs(generated.entries, None, session),
              pipeline.search_docs(generated.entries, generated.graph, session))
    session.end_build()
    return result


def _ref_entry(title: str = "引用条目 kbreuse", date: str = "2023-03-01", tags: str = '"gRPC", "端口"',
               category: str = "expertConsultation", description: str = "一个引用别的条目的条目") -> str:
    return (f'---\nid: "{REF_ID}"\ntitle: "{title}"\ndate: "{date}"\ncategory: {category}\n'
            f'description: "{description}"\ntags: [{tags}]\n---\n\n## 用户问题 ：\n {title}？\n\n'
            f'## 专家官方解答 ：\n\n见 [9848 端口](./{TARGET}.md)。\n')


_REF_FIELDS: dict[str, str] = {}  # what the edits so far changed in REF_ID's file


def _set(content: Path, **fields: str) -> None:
    """Change REF_ID's front matter, keeping the earlier edits."""
    _REF_FIELDS.update(fields)
    (content / f"{REF_ID}.md").write_text(_ref_entry(**_REF_FIELDS), encoding="utf-8")


def _append_answer(content: Path) -> None:
    path = sorted(content.glob("question-history-*.md"))[1]
    text, n = re.subn(r"(?m)^## 专家官方解答.*$", lambda m: m.group(0) + "\n\n答案新增段落 kbreuseanswer。\n",
                      path.read_text(encoding="utf-8"), count=1)
    assert n == 1
    path.write_text(text, encoding="utf-8")


FIRST = "a-kb-first"  # the first entry read: how it writes the category names the category


def _first_entry(category: str) -> str:
    return (f'---\nid: "{FIRST}"\ntitle: "最先读到的条目"\ndate: "2022-02-02"\ncategory: {category}\n'
            f'tags: ["控制台"]\n---\n\n## 用户问题 ：\n 控制台打不开？\n\n## 专家官方解答 ：\n\n检查端口。\n')


def _set_first(content: Path, category: str) -> None:
    (content / f"{FIRST}.md").write_text(_first_entry(category), encoding="utf-8")


def _add(content: Path) -> None:
    source = (content / f"{TARGET}.md").read_text(encoding="utf-8")
    added = re.sub(r"(?m)^id:.*$", 'id: "kb-reuse-added"', source, count=1)
    (content / "kb-reuse-added.md").write_text(added, encoding="utf-8")


# (name, edit); each edit keeps the earlier ones.
EDITS = [
    ("nothing", lambda c: None),
    ("answer", _append_answer),
    ("title", lambda c: _set(c, title="改过的标题 kbretitled")),
    ("date", lambda c: _set(c, date="2021-07-07")),
    ("description", lambda c: _set(c, description="新的描述 kbdesc")),
    ("category", lambda c: _set(c, category="kbReuseCategory")),
    ("tag", lambda c: _set(c, tags='"gRPC", "端口", "增量复用标签"')),
    ("add", _add),
    ("delete", lambda c: (c / "question-history-90007.md").unlink()),
    # Only the first entry's category changes: the other pages in its old category are named anew.
    ("category-name", lambda c: _set_first(c, "kbOther")),
]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Clean and live results after each edit of EDITS (the live ones from one warm sequence)."""
    content = tmp_path_factory.mktemp("reuse") / "content"

    def fresh() -> None:
        if content.exists():
            shutil.rmtree(content)
        shutil.copytree(REPO / "content", content)
        _REF_FIELDS.clear()
        _set(content)
        _set_first(content, "ExpertConsultation")

    fresh()
    clean = []
    for _, edit in EDITS:
        edit(content)
        clean.append(_generate(content))
    fresh()
    session = Session(verify=False)  # kb serve's: one for every build
    live = [_generate(content, session)]  # the first build of kb serve
    for _, edit in EDITS:
        edit(content)
        live.append(_generate(content, session))
    return clean, live


@pytest.mark.parametrize("step", range(len(EDITS)), ids=[name for name, _ in EDITS])
def test_live_build_equals_a_clean_build(builds, step):
    clean, live = builds
    (clean_pages, clean_docs, clean_linked), (live_pages, live_docs, live_linked) = clean[step], live[step + 1]
    assert sorted(live_pages) == sorted(clean_pages)
    assert [uri for uri in clean_pages if live_pages[uri] != clean_pages[uri]] == []
    assert live_docs == clean_docs and live_linked == clean_linked


def _step(name: str) -> int:
    return 1 + [n for n, _ in EDITS].index(name)


def test_unchanged_pages_and_documents_are_reused(builds):
    """Remembered results are the very objects of the build before: only the edited entry's
    document and page, and the listings showing it, are made again."""
    _, live = builds
    before, after = live[_step("answer") - 1], live[_step("answer")]
    edited = next(d.id for d, old in zip(after[2], before[2]) if d is not old)
    assert [d.id for d, old in zip(after[2], before[2]) if d is not old] == [edited]
    entry_pages = [uri for uri in after[0] if uri.startswith("q/")]
    # Pages that list the edited entry are made again from their new record, and come out the same.
    assert [uri for uri in entry_pages if after[0][uri] != before[0][uri]] == [entry_uri(edited)]
    assert sum(after[0][uri] is before[0][uri] for uri in entry_pages) >= len(entry_pages) - 4
    assert "kbreuseanswer" in after[0][entry_uri(edited)]
    tag_pages = [uri for uri in after[0] if uri.startswith("tags/") and uri != "tags/index.md"]
    assert tag_pages and all(after[0][uri].markdown == before[0][uri].markdown for uri in tag_pages)


def _pages_showing(live_pages: dict[str, str], text: str) -> set[str]:
    return {uri for uri, page in live_pages.items() if text in page}


def test_pages_listing_an_entry_change_with_its_title(builds):
    _, live = builds
    before, after = live[_step("title") - 1][0], live[_step("title")][0]
    showing = _pages_showing(after, "kbretitled")
    # the backlinked entry's page, the tag pages of the entry and its category page
    assert {entry_uri(TARGET), "tags/grpc.md", "categories/expertconsultation.md"} <= showing
    assert all(before[uri] != after[uri] for uri in showing if uri in before)
    assert not _pages_showing(after, "引用条目 kbreuse")


def test_listings_change_with_the_date_and_description_of_a_member(builds):
    _, live = builds
    dated = live[_step("date")][0]
    assert "2021-07-07" in dated["tags/grpc.md"] and "2023-03-01" not in dated["tags/grpc.md"]
    described = live[_step("description")][0]
    assert "kbdesc" in described["tags/grpc.md"]


def test_a_moved_entry_leaves_its_old_category_and_joins_the_new_one(builds):
    _, live = builds
    moved = live[_step("category")][0]
    assert "kbretitled" in moved["categories/kbreusecategory.md"]
    assert "kbretitled" not in moved["categories/expertconsultation.md"]


def test_normalized_entries_are_the_same_objects_while_the_settings_are_equal():
    entries = (Entry(id="a", title="Nacos 端口", question="q", answer="x", source_path="a.md", tags=("gRPC",)),
               Entry(id="b", title="配置 中心", question="q", answer="y", source_path="b.md"))
    session = Session()
    _, first = pipeline.normalized_entries(entries, tags.load_tag_settings(), session=session)
    _, again = pipeline.normalized_entries(entries, tags.load_tag_settings(), session=session)
    assert all(a is b for a, b in zip(first, again))
    edited = (entries[0], Entry(id="b", title="配置 中心", question="q", answer="changed", source_path="b.md"))
    _, changed = pipeline.normalized_entries(edited, tags.load_tag_settings(), session=session)
    assert changed[0] is first[0] and changed[1] is not first[1]
    labelled = tags.load_tag_settings(extra_labels={"grpc": "gRPC 协议"})
    _, relabelled = pipeline.normalized_entries(edited, labelled, session=session)
    assert relabelled[0].tags[0].label == "gRPC 协议"
    assert relabelled == pipeline.normalized_entries(edited, labelled)[1]


def test_entry_pages_follow_the_name_their_category_gets_from_another_entry(builds):
    _, live = builds
    before, after = live[_step("category-name") - 1][0], live[_step("category-name")][0]
    assert "Expert Consultation" in before[entry_uri(TARGET)]
    assert "专家答疑" in after[entry_uri(TARGET)] and "Expert Consultation" not in after[entry_uri(TARGET)]


def _entry(entry_id: str, tags: tuple[str, ...] = (), title: str = "t") -> Entry:
    return Entry(id=entry_id, title=title, question=title, answer="a", source_path=f"{entry_id}.md", tags=tags)


def _normalized_live_and_clean(corpora: list[tuple[Entry, ...]]) -> tuple[list, list]:
    settings = tags.load_tag_settings()
    clean = [pipeline.normalized_entries(entries, settings)[1] for entries in corpora]
    session = Session(verify=True)
    live = []
    for entries in corpora:
        live.append(pipeline.normalized_entries(entries, settings, session=session)[1])
        session.end_build()
    return live, clean


def test_an_unchanged_entry_gets_the_label_another_entry_now_writes():
    """Labels come from how the corpus writes a tag: another entry's edit relabels this one's tag."""
    b = _entry("b", ("kbtool",))
    live, clean = _normalized_live_and_clean([(_entry("a", ("KbTool",)), b), (_entry("a", ("kbtool",)), b)])
    assert live == clean
    assert [[t.label for t in corpus[1].tags] for corpus in live] == [["KbTool"], ["kbtool"]]


def test_tags_extracted_from_text_follow_the_words_the_segmenter_is_taught():
    """An entry without tags has them cut from its title; a tag another entry gains can change the cut."""
    c = _entry("c", title="服务注册心跳超时怎么办")
    live, clean = _normalized_live_and_clean([(_entry("a", ("gRPC",)), c), (_entry("a", ("心跳超时",)), c)])
    assert live == clean
    assert [("心跳超时" in [t.slug for t in corpus[1].tags]) for corpus in live] == [False, True]


def test_search_documents_follow_the_error_signatures_of_the_graph():
    from kb_builder.link import Graph
    from kb_builder.model import EntryLinks

    entries = normalize.normalize_corpus((_entry("a", ("gRPC",)), _entry("b", ("gRPC",))))

    def graph(errors: tuple[str, ...]) -> Graph:
        return Graph(links={"a": EntryLinks(errors=errors), "b": EntryLinks()}, duplicate_groups=(), hubs=(),
                     error_index={}, unresolved=(), stats={})

    graphs = (None, graph(("E1",)), None, graph(("E2",)), graph(("E2",)))  # None: before linking
    session = Session(verify=True)
    live = [pipeline.search_docs(entries, g, session) for g in graphs]
    assert [docs[0].errors for docs in live] == [(), ("E1",), (), ("E2",), ("E2",)]
    assert live[4][0] is live[3][0] and live[4][1] is live[1][1]
    assert live == [pipeline.search_docs(entries, g) for g in graphs]


def _rendered(entries: tuple[Entry, ...], relink=None, session: Session | None = None) -> dict[str, str]:
    """The pages of `entries` (`relink(links)`: the graph's links changed on purpose)."""
    import dataclasses

    from kb_builder import link
    from kb_builder.pages import render_pages

    normalized = normalize.normalize_corpus(entries)
    graph = link.build_graph(normalized)
    if relink is not None:
        graph = dataclasses.replace(graph, links=relink(dict(graph.links)))
    store = session.store if session is not None else None
    pages = render_pages(pipeline.render_context(pipeline.Settings(content_dir=Path(".")), normalized, graph), store)
    return {uri: page.text for uri, page in pages.items()}


def _live_renders(corpora: list) -> list[dict[str, str]]:
    session = Session(verify=True)
    out = []
    for corpus in corpora:
        out.append(_rendered(*corpus, session=session))
        session.end_build()
    return out


def test_a_body_link_follows_the_entry_it_points_to_coming_and_going():
    linking = Entry(id="a", title="Console", question="Console?", answer="See [later](./z.md).", source_path="a.md")
    other = _entry("b", ("gRPC",), title="Ports")
    later = Entry(id="z", title="Later", question="Later?", answer="Zzz.", source_path="z.md")
    corpora = [((linking, other),), ((linking, other, later),), ((linking, other),)]
    live = _live_renders(corpora)
    assert live == [_rendered(*corpus) for corpus in corpora]
    assert ["(z.md)" in site[entry_uri("a")] for site in live] == [False, True, False]


def test_an_entry_page_follows_its_related_questions_even_when_only_their_order_moves():
    from kb_builder.model import EntryLinks, Related

    entries = tuple(_entry(i, ("gRPC",), title=f"Question {i}") for i in "abc")

    def related(*ids: str):
        return lambda links: {**links, "a": EntryLinks(related=tuple(Related(i, 0.5) for i in ids))}

    corpora = [(entries, related("b", "c")), (entries, related("c", "b")), (entries, related("c"))]
    live = _live_renders(corpora)
    assert live == [_rendered(*corpus) for corpus in corpora]
    assert len({site[entry_uri("a")] for site in live}) == 3


def test_labels_follow_the_language_most_titles_are_written_in():
    """An unchanged entry's labels switch language when another entry's title tips the corpus."""
    a = _entry("a", ("database",), title="Database pool")
    live, clean = _normalized_live_and_clean([(a, _entry("b", title="数据库连接池")), (a, _entry("b", title="Pool"))])
    assert live == clean
    assert [corpus[0].tags[0].label for corpus in live] == ["数据库", "Database"]
