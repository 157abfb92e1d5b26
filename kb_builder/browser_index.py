"""The browser search index: what the site's search box searches, with no server.

Material for MkDocs' own browser search cuts Chinese on the query side with a
greedy splitter unrelated to the index, ORs every word with a trailing
wildcard and ships the whole text of the site (9 MB for 883 entries).  The site
replaces Material's search worker with ``assets/javascripts/kb-search-worker.js``
(wired in ``overrides/main.html``), which speaks the same messages to
Material's search box and result list and searches the index written here.

The index is made from the same `SearchDoc`s and the same analyzer as the
whoosh index (`analyze.segment`, long Chinese words also indexed by their
parts, camelCase parts, Chinese bigrams) so a query is cut in the browser the
way the text was cut at build time:

``search/kb/t/<k>.json`` (term shards)
    Every term lives in the shard of its first character (code point mod the
    shard count), so the worker fetches only the shards of the characters a
    query contains, and segments Chinese by the vocabulary in those shards
    (jieba's maximum-probability route over the word frequencies, as
    `analyze.VocabSegmenter`).  A shard holds ``w`` (Chinese word -> segmentation
    frequency), ``p`` (term -> postings ``[doc gap, impact, ...]``; an impact is
    the term's field-boosted BM25 weight in the document times
    `IMPACT_SCALE`, rounded;
    Chinese bigrams are keyed ``#xy``) and ``v`` (Latin word -> its other forms).
``search/kb/d/<c>.json`` (document chunks)
    ``[url, title, teaser]`` for `DOC_CHUNK` documents each, fetched for the
    documents a result list shows.
``search/search_index.json``
    What Material's bundle fetches on every page and hands to the worker:
    Material's search configuration (for highlighting on the target page) and,
    under ``config.kb``, the small metadata the worker needs first (counts,
    glossary, Traditional -> Simplified table, stopwords; also written as
    ``search/kb/meta.json``).  Its ``docs`` list is empty: the page text is no
    longer shipped.  `mute_material_search` also stops Material's plugin from
    segmenting every page at build time.

Everything is plain JSON, written compactly; a web server's gzip shrinks it
further (`write` reports both sizes).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from . import analyze

if TYPE_CHECKING:
    from .search import Analysis

FORMAT = 1
INDEX_DIR = "search/kb"  # relative to the site directory
MATERIAL_INDEX = "search/search_index.json"
DOC_CHUNK = 128
SHARD_TARGET_BYTES = 96_000  # aim for term shards about this big (raw JSON)
MAX_SHARDS = 512
TEASER_CHARS = 160
IMPACT_SCALE = 4
HMM_WORD_FREQ = 500  # segmentation frequency of words jieba's dictionary does not hold (as search.py)
K1 = 1.2

# Field boosts and BM25 length normalisation, as the whoosh index (search.FIELD_BOOSTS).
FIELDS: dict[str, tuple[float, float]] = {
    "title": (3.0, 0.5),
    "question": (1.6, 0.75),
    "tags": (1.5, 0.3),
    "keywords": (1.2, 0.3),
    "errors": (2.5, 0.3),
    "category": (0.3, 0.0),
    "answer": (0.7, 0.75),
    "parts": (0.4, 0.75),
}
GRAM_FIELDS: dict[str, tuple[float, float]] = {"tgrams": (1.0, 0.5)}
# No bigrams of the answers (the whoosh index dropped its `agrams` too): they would
# double the index for no measured gain on the judged queries; the answers' words are indexed.

# --------------------------------------------------------------------------- analysis

@lru_cache(maxsize=None)
def _is_stop(tok: str) -> bool:
    return analyze.is_stopword(tok)


def _stem(word: str) -> str:
    if not word.isalpha():
        return word
    from whoosh.lang.porter import stem

    return stem(word)


def _t2s_table(chars: Iterable[str]) -> dict[str, str]:
    """Traditional (and variant) characters whose Simplified form is one of `chars`."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    wanted = set(chars)
    table: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return table
    for line in lines:
        simp, _, trads = line.partition("\t")
        if simp not in wanted:
            continue
        for trad in trads.split():
            if trad != simp and len(trad) == 1 and analyze.to_simplified(trad) == simp:
                table[trad] = simp
    return table


# --------------------------------------------------------------------------- build

@dataclass
class BrowserIndex:
    files: dict[str, bytes]  # path under the site directory -> content
    meta: dict

    def sizes(self) -> dict[str, int]:
        raw = sum(len(b) for b in self.files.values())
        gz = sum(len(gzip.compress(b, 6)) for b in self.files.values())
        return {"files": len(self.files), "raw": raw, "gzip": gz}


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _shard(term: str, shards: int) -> int:
    key = term[1] if term.startswith("#") else term[0]
    return ord(key) % shards


def _teaser(doc: Any, body: str) -> str:
    """`body`: the answer as plain text (`analyze.plain_text`)."""
    question = (doc.question or "").strip()
    text = body if not question or question == (doc.title or "").strip() else question + " " + body
    text = re.sub(r"\s+", " ", text).strip()
    return text[:TEASER_CHARS] + ("…" if len(text) > TEASER_CHARS else "")


_DOC_STATS: dict = {}  # kb serve: id(DocTerms) -> (the DocTerms, its _doc_stats), from the last build


def _doc_stats(terms) -> tuple:
    """What one analysed document adds to the index: field lengths, (term key, field, tf), words."""
    # Words in first-seen order, so the index's sets fill in the order they always did.
    field_lengths, postings_of, cjk, lat = [], [], {}, {}
    for field, toks in terms.fields.items():
        field_lengths.append((field, len(toks)))
        gram = field in GRAM_FIELDS
        for tok, tf in Counter(toks).items():
            if not gram:
                if analyze.has_cjk(tok):
                    cjk[tok] = None
                else:
                    lat[tok] = None
                if _is_stop(tok):
                    continue  # stopwords cut queries but are not searched
            postings_of.append(("#" + tok if gram else tok, field, tf))
    return tuple(field_lengths), tuple(postings_of), tuple(cjk), tuple(lat)


def build(docs: Sequence[Any], material_config: dict | None = None,
          glossary_files: Iterable[Path | str] = (), analysis: Analysis | None = None) -> BrowserIndex:
    """The browser index of `docs` (`search.SearchDoc`s) as files relative to the site directory.

    `analysis`: `search.analyse_docs(docs, glossary_files)`, shared with the whoosh
    index; analysed here when None or made from anything else."""
    from .search import analysis_for

    docs = list(docs)
    analysis = analysis_for(docs, glossary_files, (), analysis)

    n = len(docs)
    # term -> field -> {doc: tf}; field lengths per doc
    tfs: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    lengths: dict[str, list[int]] = {f: [0] * n for f in (*FIELDS, *GRAM_FIELDS)}
    cjk_words: set[str] = set()
    latin: set[str] = set()
    serving = analyze.dictionary_state() is not None  # kb serve: the next rebuild reuses per-document stats
    kept: dict = {}
    for i, terms in enumerate(analysis.terms):
        known = _DOC_STATS.get(id(terms))
        stats = known[1] if known is not None and known[0] is terms else _doc_stats(terms)
        if serving:
            kept[id(terms)] = (terms, stats)
        field_lengths, postings_of, cjk, lat = stats
        for field, length in field_lengths:
            lengths[field][i] = length
        for key, field, tf in postings_of:
            tfs[key][field][i] = tf
        cjk_words.update(cjk)
        latin.update(lat)
    _DOC_STATS.clear()
    _DOC_STATS.update(kept)
    glossary = analysis.glossary
    for members in glossary:
        for m in members:
            cjk_words.update(t for t in m if analyze.has_cjk(t))

    avg = {f: (sum(v) / n if n else 0.0) or 1.0 for f, v in lengths.items()}
    boosts = {**FIELDS, **GRAM_FIELDS}
    postings: dict[str, list[int]] = {}
    # K1 * norm depends on the field and the document only: once per document, not per term.
    k1_norm = {}
    for field, (boost, b) in boosts.items():
        one_b, mean = 1 - b, avg[field]
        k1_norm[field] = [K1 * (one_b + b * length / mean) for length in lengths[field]]
    k1p = K1 + 1
    for term, per_field in tfs.items():
        scores: dict[int, float] = defaultdict(float)
        for field, docs_tf in per_field.items():
            boost, b = boosts[field]
            bi = boost * (math.log(n / (len(docs_tf) + 1)) + 1.0)  # whoosh's idf
            kn = k1_norm[field]
            for d, tf in docs_tf.items():
                scores[d] += bi * tf * k1p / (tf + kn[d])
        out: list[int] = []
        prev = 0
        for d in sorted(scores):
            out.extend((d - prev, max(1, round(scores[d] * IMPACT_SCALE))))
            prev = d
        postings[term] = out

    freq: dict[str, int] = {}
    for word in cjk_words:
        f = analyze.jieba_freq(word)
        freq[word] = f if f else HMM_WORD_FREQ
    stems: dict[str, list[str]] = defaultdict(list)
    for word in latin:
        stems[_stem(word)].append(word)
    variants = {}
    for forms in stems.values():
        if len(forms) > 1:
            for w in forms:
                variants[w] = sorted((f for f in forms if f != w), key=lambda f: (-len(postings.get(f, ())), f))[:4]

    # Shards: by the first character of the term.
    raw = sum(len(t) * 3 + 4 + (len(",".join(map(str, p))) + 1 if p else 0) for t, p in postings.items())
    shards = max(1, min(MAX_SHARDS, math.ceil(raw / SHARD_TARGET_BYTES)))
    shard_data = [{"w": {}, "p": {}, "v": {}} for _ in range(shards)]
    for word, f in freq.items():
        shard_data[_shard(word, shards)]["w"][word] = f
    for term in sorted(postings):
        shard_data[_shard(term, shards)]["p"][term] = postings[term]
    for word, forms in variants.items():
        shard_data[_shard(word, shards)]["v"][word] = forms

    files: dict[str, bytes] = {}
    for k, data in enumerate(shard_data):
        files[f"{INDEX_DIR}/t/{k}.json"] = _dumps(data)
    chunks = math.ceil(n / DOC_CHUNK) if n else 0
    for c in range(chunks):
        part = docs[c * DOC_CHUNK:(c + 1) * DOC_CHUNK]
        bodies = analysis.terms[c * DOC_CHUNK:(c + 1) * DOC_CHUNK]
        files[f"{INDEX_DIR}/d/{c}.json"] = _dumps([[d.url, d.title, _teaser(d, t.body)] for d, t in zip(part, bodies)])

    chars = {ch for w in freq for ch in w}
    stop = sorted({analyze.fold(t) for t in getattr(analyze, "_STOP", ())}
                  | {t for t in (*cjk_words, *latin) if _is_stop(t)}
                  | {t for g in glossary for m in g for t in m if _is_stop(t)})
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    meta = {
        "format": FORMAT,
        "id": digest.hexdigest()[:12],
        "docs": n,
        "shards": shards,
        "chunk": DOC_CHUNK,
        "chunks": chunks,
        "scale": IMPACT_SCALE,
        "total": analyze.jieba_total(),
        "maxlen": max((len(w) for w in freq), default=1),
        "glossary": glossary,
        "stop": stop,
        "t2s": _t2s_table(chars),
    }
    material = {
        "config": material_config or {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": [],
                                      "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}},
        "docs": [],
    }
    material["config"] = {**material["config"], "kb": meta}
    files[f"{INDEX_DIR}/meta.json"] = _dumps(meta)  # when Material writes its index after ours
    files[MATERIAL_INDEX] = _dumps(material)
    return BrowserIndex(files, meta)


def _material_config(config: Any) -> dict | None:
    """Material's search configuration (lang, separator, ...) from the MkDocs config, if any."""
    plugins = getattr(config, "plugins", None) or {}
    plugin = plugins.get("material/search") or plugins.get("search")
    cfg = getattr(plugin, "config", None)
    if cfg is None:
        return None
    out = {}
    for key in ("lang", "separator", "pipeline", "fields"):
        try:
            out[key] = cfg[key]
        except (KeyError, TypeError):
            pass
    # Material's own index is replaced: do not let it write its copy of the page text.
    index = getattr(plugin, "search_index", None)
    if index is not None and hasattr(index, "entries"):
        index.entries = []
    return out or None


class _NoMaterialIndex:
    """Stands in for Material's search index: indexes nothing, writes only the configuration."""

    def __init__(self, config: dict):
        self.config = config
        self.entries: list = []

    def add_entry_from_context(self, page) -> None:
        pass

    def generate_search_index(self, prev=None) -> str:
        keys = ("lang", "separator", "pipeline", "fields")
        return json.dumps({"config": {k: self.config.get(k) for k in keys}, "docs": []},
                          separators=(",", ":"), default=str)


def mute_material_search(config: Any) -> bool:
    """Stop Material's search plugin from indexing the pages (it runs jieba over every page).

    Call from `on_config` of a plugin listed after ``search``; the search box and
    Material's search settings stay.  Returns whether the plugin was found.
    """
    plugins = getattr(config, "plugins", None) or {}
    plugin = plugins.get("material/search") or plugins.get("search")
    index = getattr(plugin, "search_index", None)
    if index is None or not hasattr(index, "add_entry_from_context"):
        return False
    if not isinstance(index, _NoMaterialIndex):
        plugin.search_index = _NoMaterialIndex(dict(getattr(index, "config", {}) or {}))
    return True


def write(site_dir: Path | str, docs: Sequence[Any], config: Any = None,
          glossary_files: Iterable[Path | str] = (), analysis: Analysis | None = None) -> BrowserIndex:
    """Write the browser index into a built site and return it (`.sizes()`: file count, raw/gzip bytes).

    `config`: the MkDocs config (for Material's search settings, which the page
    highlighter uses).  Replaces Material's ``search/search_index.json``.
    `analysis`: as for `build`.
    """
    site = Path(site_dir)
    index = build(docs, _material_config(config) if config is not None else None, glossary_files, analysis)
    target = site / INDEX_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".kb-tmp-", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a web server must read it
    try:
        for name, data in index.files.items():
            if name.startswith(INDEX_DIR + "/"):
                path = tmp / name[len(INDEX_DIR) + 1:]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (site / MATERIAL_INDEX).write_bytes(index.files[MATERIAL_INDEX])
    return index


def move_into(built_site: Path | str, site_dir: Path | str) -> None:
    """Move an index `write` put into `built_site` (a scratch site) into `site_dir`."""
    src, dst = Path(built_site), Path(site_dir)
    target = dst / INDEX_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(src / INDEX_DIR), str(target))
    os.replace(src / MATERIAL_INDEX, dst / MATERIAL_INDEX)
