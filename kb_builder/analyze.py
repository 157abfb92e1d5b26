"""The one text analyzer shared by normalisation, linking and search.

Index time and query time must segment text the same way, so every module that
turns text into terms goes through `terms()` / `segment()`.

Two segmenters cut runs of Chinese characters:

* jieba (the default), with its full dictionary plus the domain words taught by
  `add_words()`; loading it costs about half a second, so it is used when
  content is read (build, lint, link);
* `VocabSegmenter`, a small pure-Python segmenter driven by a word -> frequency
  table (for search: the index vocabulary saved by the build).  It uses jieba's
  own maximum-probability route over a word graph, so a query cut with the index
  vocabulary gives the same words the index holds, without loading jieba.
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Protocol

_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_TOKEN = re.compile(rf"[a-z0-9][a-z0-9_.+#-]*[a-z0-9+#]|[a-z0-9]|[{_CJK_CLASS}]+")
# Latin identifiers as written (before case folding), for camelCase splitting.
_LATIN_RAW = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+#-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

_STOP = frozenset(
    """的 了 是 在 和 与 及 或 吗 嘛 呢 吧 啊 么 什么 怎么 怎样 如何 为什么 哪些 哪个 这个 那个 一个 有 没有 可以 能 会 要 就 都 也 还 又 被 把 对 从 到 给 让 用 使用
    进行 时候 时 中 上 下 里 后 前 过 我 你 他 我们 你们 请问 问题 请 一下 这 那 吗？ 呀 哦 时候 出现 遇到 关于 以及 通过 需要 是否 怎么办 咋 啥
    该 得 地 着 个 之 其 并 而 但 如果 因为 所以 这样 那么 哪里 哪儿 什么样 怎么样 吗 么 它 她 他们 它们 自己 一些 一直 总是 已经 应该 为 以 将 于 等
    a an the is are was were be been to of in on at for and or with by from how what why which when where who do does did can could should would i my we you it this that
    not no yes am as if so than then there their them they its me our us your any some into about after before get got has have had will shall may might must
    also just only very too please""".split()
)


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC  # opencc-python-reimplemented: pure Python tables

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_triggers() -> frozenset[str] | None:
    """Characters without which the t2s conversion cannot change a text (None: unknown).

    The pure-Python converter costs about as much as jieba; most text is already
    Simplified, and only text holding one of these characters can match a
    dictionary entry that changes it."""
    try:
        conv = _converter()
        conv.convert("\u8aaa")  # loads the dictionaries
        triggers: set[str] = set()
        phrases: list[tuple[str, str]] = []
        for group in conv._dict_chain_data:
            for entry in group:
                table = entry[-1] if isinstance(entry, tuple) else entry
                for key, value in table.items():
                    if value.split(" ")[0] == key:
                        continue
                    if len(key) == 1:
                        triggers.add(key)
                    else:
                        phrases.append((key, value))
        for key, _ in phrases:  # a changing phrase with no changing character: its characters count
            if not any(ch in triggers for ch in key):
                triggers.update(key)
        return frozenset(triggers)
    except Exception:  # another OpenCC implementation: always convert
        return None


def to_simplified(text: str) -> str:
    if not _CJK.search(text):
        return text
    triggers = _t2s_triggers()
    if triggers is None:
        return _converter().convert(text)
    if triggers.isdisjoint(text):
        return text
    # OpenCC converts the runs between separators one by one: convert only the runs
    # that hold a trigger (the same result, at a fraction of the cost).
    conv = _converter()
    parts = conv.split_chars_re.split(text)
    done = _T2S_RUNS
    for i in range(0, len(parts), 2):
        part = parts[i]
        if not triggers.isdisjoint(part):
            # The same runs come back (a body is folded to segment it and again for
            # its stored copy; titles also feed the bigrams): convert each run once.
            hit = done.get(part)
            if hit is None:
                if len(done) >= _T2S_RUNS_MAX:
                    done.clear()
                hit = done[part] = conv._convert(part, conv._dict_chain_data)
            parts[i] = hit
    return "".join(parts)


_T2S_RUNS: dict[str, str] = {}  # run -> converted run (bounded: cleared when full)
_T2S_RUNS_MAX = 50_000


def fold(text: str) -> str:
    """Width, case and script folding applied to every text before segmentation."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=1)
def _jieba():
    import warnings

    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources, which newer setuptools deprecates.
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.WARNING)
    # jieba keeps a marshalled copy of its dictionary in the temp directory and
    # reuses it, so only the first load on a machine parses dict.txt.
    jieba.initialize()
    return jieba


# What add_words changed in jieba's dictionary (key -> the value before, None: absent)
# and jieba's total before the first change, so `reset_words` can undo it.
_ADDED: dict[str, int | None] = {}
_TOTAL: list[int] = []
_USER_FREQ = 2000
_TAUGHT: set[str] = set()  # the words add_words taught (not their prefixes)


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter domain terms (canonical tags, keywords) so they stay whole.

    jieba's total stays what its own dictionary gives: a taught word then changes how a
    text is cut only when the text holds that word (a growing total would move every
    cut's word penalty), which lets `kb serve` keep every other segmentation."""
    jieba = _jieba()
    freq = jieba.dt.FREQ
    taught = False
    for word in words:
        word = fold(word).strip()
        if 1 < len(word) <= 16 and _CJK_RUN.fullmatch(word):
            if word in _TAUGHT and freq.get(word) == _USER_FREQ:
                continue  # taught already
            if not _TOTAL:
                _TOTAL.append(jieba.dt.total)
            for end in range(1, len(word) + 1):  # jieba also adds the word's prefixes
                if word[:end] not in _ADDED:
                    _ADDED[word[:end]] = freq.get(word[:end])
            jieba.add_word(word, freq=_USER_FREQ)
            jieba.dt.total = _TOTAL[0]
            _TAUGHT.add(word)
            taught = True
    if taught:
        _set_state()


def reset_words() -> None:
    """Forget every word `add_words` taught, so a rebuild in the same process (live preview)
    segments exactly as a fresh build of the same content."""
    global _SEGMENTS
    if _SEGMENTS is not None:  # keep what the last build used
        _SEGMENTS = {k: _SEGMENTS[k] for k in _SEGMENTS_USED if k in _SEGMENTS}
        _SEGMENTS_USED.clear()
    if not _TOTAL:
        return
    jieba = _jieba()
    freq = jieba.dt.FREQ
    for key, old in _ADDED.items():
        if old is None:
            freq.pop(key, None)
        else:
            freq[key] = old
    jieba.dt.total = _TOTAL[0]
    _ADDED.clear()
    _TAUGHT.clear()
    _TOTAL.clear()
    _set_state()


# The segmenter's dictionary is jieba's plus the taught words: a state is the set of
# taught words, numbered so that a cache key is a small int (0: nothing taught).
_STATE: list[int] = [0]
_STATE_IDS: dict[frozenset[str], int] = {frozenset(): 0}
_STATE_WORDS: dict[int, frozenset[str]] = {0: frozenset()}
_STATES_KEPT = 64  # older states are forgotten: anything cut with them counts as changed


def _set_state() -> None:
    words = frozenset(_TAUGHT)
    found = _STATE_IDS.get(words)
    if found is None:
        found = _STATE_IDS[words] = max(_STATE_WORDS) + 1
        _STATE_WORDS[found] = words
        if len(_STATE_WORDS) > _STATES_KEPT:
            oldest = min(k for k in _STATE_WORDS if k not in (0, found))
            del _STATE_IDS[_STATE_WORDS.pop(oldest)]
    _STATE[0] = found


@lru_cache(maxsize=256)
def changed_words(before: int, after: int) -> frozenset[str] | None:
    """The words taught in one of two dictionary states but not the other (None: a
    state too old to know).  Only a text holding one of them can be cut differently."""
    a, b = _STATE_WORDS.get(before), _STATE_WORDS.get(after)
    if a is None or b is None:
        return None
    return a ^ b


def jieba_freq(word: str) -> int:
    """The frequency jieba's dictionary gives a word (0 when unknown)."""
    return int(_jieba().dt.FREQ.get(word) or 0)


def jieba_total() -> int:
    return int(_jieba().dt.total)


class Segmenter(Protocol):
    def cut(self, run: str) -> list[str]: ...


# The characters jieba's cut() treats as Chinese: a run of only these it hands whole to
# its DAG + HMM cutter, which is called directly then (a fifth less time per run).
_JIEBA_HAN = re.compile("[\u4e00-\u9fd5]+")


class _JiebaSegmenter:
    def cut(self, run: str) -> list[str]:
        if _JIEBA_HAN.fullmatch(run):
            cut_dag = _jieba_cut_dag()
            if cut_dag is not None:
                return list(cut_dag(run))
        return [w for w in _jieba().cut(run, HMM=True) if w.strip()]


@lru_cache(maxsize=1)
def _jieba_cut_dag():
    """jieba 0.42's own block cutter (what `cut(HMM=True)` runs per Chinese block), if present."""
    return getattr(_jieba().dt, "_Tokenizer__cut_DAG", None)


JIEBA = _JiebaSegmenter()


class VocabSegmenter:
    """Maximum-probability segmentation over a fixed vocabulary (jieba's algorithm, no HMM).

    Characters not covered by any vocabulary word come out one by one.
    """

    def __init__(self, freq: Mapping[str, int], total: int | None = None):
        self.freq = {w: max(int(f), 1) for w, f in freq.items() if w}
        self.max_len = max((len(w) for w in self.freq), default=1)
        # jieba's dictionary total, so word-count penalties match jieba's cuts.
        self.log_total = math.log(total or sum(self.freq.values()) or 1)

    def cut(self, run: str) -> list[str]:
        n = len(run)
        if n == 0:
            return []
        freq, log_total, max_len = self.freq, self.log_total, self.max_len
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for i in range(n - 1, -1, -1):
            best = (math.log(freq.get(run[i], 1)) - log_total + route[i + 1][0], i)
            for j in range(i + 1, min(n, i + max_len)):
                f = freq.get(run[i:j + 1])
                if f:
                    cand = (math.log(f) - log_total + route[j + 1][0], j)
                    if cand > best:
                        best = cand
            route[i] = best
        out, i = [], 0
        while i < n:
            j = route[i][1]
            out.append(run[i:j + 1])
            i = j + 1
        return out


# Live preview (`kb serve`) rebuilds the same texts with mostly the same user words over
# and over: `segment` then remembers each text's tokens per dictionary state they were
# cut with, the latest last (see keep_segments).  A build has a few states (tags are
# taught before linking, search words after), so a text keeps a few.
_SEGMENTS: "dict[str, _Cuts] | None" = None
_CUTS_KEPT = 4
_SEGMENTS_USED: set[str] = set()


class _Cuts:
    """One text's cuts: (state, tokens), the latest last, and the tokens joined.  The
    joined tokens hold each Chinese run of the text whole (a cut keeps every character),
    so a word of the text is found in them; a match across two runs only costs a cut."""

    __slots__ = ("joined", "by_state")

    def __init__(self, state: int, tokens: tuple[str, ...]):
        self.joined = "".join(tokens)
        self.by_state = [(state, tokens)]


@lru_cache(maxsize=64)
def _finder(words: frozenset[str] | None) -> Callable[[str], object]:
    """A search for any of the words (None: unknown words, found everywhere)."""
    if words is None:
        return lambda text: True
    if not words:
        return lambda text: None  # an empty alternation would match everywhere
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))).search


def words_state() -> int:
    """A key for the segmenter's dictionary: it changes whenever `add_words`/`reset_words` change it."""
    return _STATE[0]


def dictionary_state() -> int | None:
    """A key for the segmenter's current dictionary while segmentations are kept, else None."""
    return _STATE[0] if _SEGMENTS is not None else None


def cut_alike(texts: Iterable[str], since: int) -> bool:
    """Whether every text segments now as it did in dictionary state `since`."""
    changed = changed_words(since, _STATE[0])
    if changed is not None and not changed:
        return True
    found = _finder(changed)
    for text in texts:
        cuts = _SEGMENTS.get(text) if _SEGMENTS is not None else None
        if cuts is None:
            segment(text)
            cuts = _SEGMENTS.get(text) if _SEGMENTS is not None else None
            if cuts is None:
                return False  # not keeping segmentations: nothing to compare with
        _SEGMENTS_USED.add(text)
        if found(cuts.joined):
            return False
    return True


def still_used(texts: Iterable[str]) -> None:
    """Keep these texts' segmentations for the next build although this one did not cut
    them (what was made from them is reused): `cut_alike` reads them when words change."""
    if _SEGMENTS is not None:
        _SEGMENTS_USED.update(texts)


def keep_segments(enabled: bool = True) -> None:
    """Remember jieba segmentations across rebuilds in this process (`kb serve`).

    Entries not used by the last build are dropped when the next one starts
    (`reset_words`), so memory stays about one build's worth of text."""
    global _SEGMENTS
    _SEGMENTS = {} if enabled else None
    _SEGMENTS_USED.clear()


def segment(text: str, segmenter: Segmenter | None = None) -> list[str]:
    """Folded tokens in order, Latin runs split from CJK runs, CJK runs cut by the segmenter."""
    if _SEGMENTS is not None and segmenter is None:
        state = _STATE[0]
        _SEGMENTS_USED.add(text)
        cuts = _SEGMENTS.get(text)
        if cuts is None:
            tokens = tuple(_segment(text, JIEBA))
            _SEGMENTS[text] = _Cuts(state, tokens)
            return list(tokens)
        by_state = cuts.by_state
        for cut_state, tokens in by_state:
            if cut_state == state:
                return list(tokens)
        for cut_state, tokens in reversed(by_state):
            if not _finder(changed_words(cut_state, state))(cuts.joined):
                break  # cut alike in this state too: the very tokens
        else:
            tokens = tuple(_segment(text, JIEBA))
        by_state.append((state, tokens))
        if len(by_state) > _CUTS_KEPT:
            del by_state[0]
        return list(tokens)
    return _segment(text, segmenter or JIEBA)


def _segment(text: str, seg: Segmenter) -> list[str]:
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        token = match.group(0)
        if _CJK.match(token):
            out.extend(seg.cut(token))
        else:
            out.append(token)
    return out


def terms(text: str, drop_stop: bool = True, segmenter: Segmenter | None = None) -> list[str]:
    return [t for t in segment(text, segmenter) if not (drop_stop and t in _STOP)]


def is_stopword(word: str) -> bool:
    return fold(word) in _STOP


def subwords(text: str) -> list[str]:
    """Parts of compound Latin identifiers: camelCase words and dotted/dashed names.

    ``NacosException`` -> nacos, exception; ``java.net.ConnectException`` ->
    java, net, connect, exception; ``server-addr`` -> server, addr.  Single
    tokens (already whole in `segment`) are not repeated.
    """
    out: list[str] = []
    for match in _LATIN_RAW.finditer(unicodedata.normalize("NFKC", text)):
        raw = match.group(0)
        parts = [p.lower() for p in _CAMEL_PART.findall(raw)]
        if len(parts) > 1:
            out.extend(p for p in parts if p)
    return out


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of every Chinese run (single characters stay whole)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(fold(text)):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def search_subwords(word: str) -> list[str]:
    """Dictionary words inside a long Chinese word (jieba's search-mode parts), in order.

    ``持久化实例`` -> 持久, 持久化, 实例.  Uses jieba's dictionary.
    """
    if len(word) < 3 or not _CJK_RUN.fullmatch(word):
        return []
    freq = _jieba().dt.FREQ
    out = []
    for n in range(2, len(word)):
        for i in range(len(word) - n + 1):
            part = word[i:i + n]
            if freq.get(part):
                out.append(part)
    return out


# --------------------------------------------------------------------------- index text
# Both search indexes (whoosh and the browser's) take their terms from here, so a
# query matches the same words in `kb search` and in the site's search box.

_MD_NOISE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), " "),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>\n]{0,200}>"), " "),
    (re.compile(r"^\s{0,3}(#{1,6}|>|[*+-]|\d+[.)])\s+", re.M), ""),
    (re.compile(r"```[^\n]*|~~~[^\n]*"), " "),
    (re.compile(r"(\*\*|__|`|\|)"), " "),
    (re.compile(r"^\s*-{3,}\s*$", re.M), " "),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"\s*\n\s*"), " "),
]


def plain_text(markdown: str) -> str:
    """Markdown reduced to running text for indexing."""
    text = markdown or ""
    for pattern, repl in _MD_NOISE:
        text = pattern.sub(repl, text)
    return text.strip()


def index_tokens(text: str) -> list[str]:
    """Words of a text, plus the shorter words inside long Chinese words."""
    out = []
    for tok in segment(text):
        out.append(tok)
        if len(tok) >= 3 and has_cjk(tok):
            out.extend(search_subwords(tok))
    return out
