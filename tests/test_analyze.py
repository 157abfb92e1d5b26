"""The shared analyzer: folding, segmentation as a value, the vocabulary segmenter, identifier parts."""
from __future__ import annotations

import random
import re

from hypothesis import given, settings, strategies as st

from kb_builder import analyze, segment
from kb_builder.analyze import Analyzer, Segmentations

PLAIN = Analyzer()


def test_fold_width_case_and_traditional():
    assert analyze.fold("ＮＡＣＯＳ 客戶端 連接") == "nacos 客户端 连接"
    assert analyze.to_simplified("abc") == "abc"


def test_segment_splits_latin_from_chinese_without_spaces():
    toks = PLAIN.segment("什么是nacos")
    assert toks[-1] == "nacos"
    assert "".join(toks[:-1]) == "什么是"


def test_segment_traditional_equals_simplified():
    assert PLAIN.segment("客戶端心跳不發送") == PLAIN.segment("客户端心跳不发送")


def test_terms_drop_stopwords():
    assert "的" not in PLAIN.terms("客户端的心跳")
    assert analyze.is_stopword("THE")


def test_taught_words_stay_whole_and_analyzers_are_values():
    taught = Analyzer.of(["注册心跳器"])
    assert "注册心跳器" in taught.segment("我的注册心跳器坏了")
    assert "注册心跳器" not in PLAIN.segment("我的注册心跳器坏了")  # nothing process-wide was changed
    assert taught == Analyzer.of(["注册心跳器", "注册心跳器"]) and hash(taught) == hash(Analyzer.of(["注册心跳器"]))
    assert taught.teach(["注册心跳器"]) is taught


def test_vocab_segmenter_agrees_with_jieba_on_known_words():
    text = "客户端心跳不发送配置中心连接失败"
    jieba_words = PLAIN.segment(text)
    vocab = {w: PLAIN.freq(w) or 1 for w in jieba_words}
    seg = analyze.VocabSegmenter(vocab, total=segment.base_total())
    assert analyze.segment_with(text, seg) == jieba_words


def test_vocab_segmenter_unknown_chars_come_out_one_by_one():
    seg = analyze.VocabSegmenter({"心跳": 100})
    assert seg.cut("甲心跳乙") == ["甲", "心跳", "乙"]
    assert seg.cut("") == []


def test_subwords_of_identifiers():
    assert analyze.subwords("NacosException") == ["nacos", "exception"]
    assert analyze.subwords("java.net.ConnectException") == ["java", "net", "connect", "exception"]
    assert analyze.subwords("leaderSendBeatFailed") == ["leader", "send", "beat", "failed"]
    assert analyze.subwords("nacos") == []


def test_cjk_bigrams():
    assert analyze.cjk_bigrams("心跳检测 a 端") == ["心跳", "跳检", "检测", "端"]


def test_search_subwords():
    parts = PLAIN.search_subwords("持久化实例")
    assert "实例" in parts and "持久" in parts


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_segment_never_raises(text):
    seg = analyze.VocabSegmenter({"心跳": 10, "客户端": 10})
    analyze.segment_with(text, seg)
    analyze.subwords(text)
    analyze.cjk_bigrams(text)


def test_to_simplified_reuses_converted_runs():
    text = "客戶端連接 服務端"
    assert analyze.to_simplified(text) == analyze.to_simplified(text) == "客户端连接 服务端"


def _jieba_with(words):
    """jieba itself, taught the words the way a site teaches them (its total left alone)."""
    import jieba

    t = jieba.Tokenizer()
    t.FREQ, t.total, t.initialized = dict(segment.base_freq()), segment.base_total(), True
    for w in words:
        t.add_word(w, freq=segment.TAUGHT_FREQ)
    t.total = segment.base_total()
    return lambda run: [w for w in t.cut(run, HMM=True) if w.strip()]


def test_the_dictionary_cuts_as_jieba_taught_the_same_words():
    words = ["心跳超时", "配置中心集群", "服务注册", "注册中心"]
    ours, theirs = Analyzer.of(words).dictionary, _jieba_with(words)
    rng = random.Random(7)
    chars = "服务注册心跳超时配置中心集群客户端连接失败的了吗\u3400\u9fa6"
    runs = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 30))) for _ in range(300)]
    runs += ["客户端心跳超时怎么办", "配置中心集群无法连接到服务端", "\u3400\u4e00"]
    for run in runs:
        assert ours.cut(run) == theirs(run), run


def test_the_dictionary_cuts_the_real_corpus_as_jieba(corpus):
    """Every Chinese run of the corpus, with its tags and keywords taught."""
    words = [w for e in corpus.entries for w in (*e.tags, *e.keywords)]
    ours = Analyzer.of(words)
    theirs = _jieba_with(ours.words)
    runs = {r for e in corpus.entries[:300] for r in re.findall("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+",
                                                                 analyze.fold(e.title + e.question + e.answer))}
    assert runs
    for run in runs:
        assert ours.dictionary.cut(run) == theirs(run), run


# Texts of a few characters that make several words, and words made of them.
_CHARS = "服务注册心跳超时配置中心集群"
_text = st.text(alphabet=_CHARS + " ，a1", min_size=1, max_size=24)
_word = st.text(alphabet=_CHARS, min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(_text, min_size=1, max_size=8), st.lists(st.lists(_word, max_size=4), min_size=2, max_size=4))
def test_remembered_cuts_equal_fresh_ones_as_words_change(texts, builds):
    """A session keeps each text's cut across analyzers and cuts again only texts holding
    a word taught to one analyzer and not the other: always what a fresh cut gives."""
    cuts = Segmentations()
    for words in builds:
        analyzer = Analyzer.of(words, cuts)
        for text in texts:
            assert analyzer.segment(text) == Analyzer.of(words).segment(text)
        cuts.sweep()


def test_a_taught_word_cuts_again_only_the_texts_holding_it(monkeypatch):
    texts = ["客户端心跳超时怎么办", "配置中心无法连接", "集群节点心跳检测失败"]
    cuts = Segmentations()
    before = [Analyzer.of((), cuts).segment(t) for t in texts]
    made: list[str] = []
    real = analyze.segment_with
    monkeypatch.setattr(analyze, "segment_with", lambda text, seg: made.append(text) or real(text, seg))
    taught = Analyzer.of(["心跳超时"], cuts)
    after = [taught.segment(t) for t in texts]
    assert made == ["客户端心跳超时怎么办"]
    assert "心跳超时" in after[0] and after[1:] == before[1:]
    assert taught.cuts_alike(texts[1:], Analyzer.of((), cuts))
    assert not taught.cuts_alike(texts[:1], Analyzer.of((), cuts))


def test_a_sweep_forgets_texts_no_build_asked_for():
    cuts = Segmentations()
    analyzer = Analyzer.of((), cuts)
    analyzer.segment("配置中心")
    cuts.sweep()
    analyzer.segment("服务注册")
    cuts.sweep()
    assert len(cuts) == 1


def test_a_mask_of_the_tokens_answers_without_folding_the_texts(monkeypatch):
    texts = ["客戶端心跳超時怎麼辦", "配置中心无法连接"]  # the first in Traditional characters
    cuts = Segmentations()
    plain = Analyzer.of((), cuts)
    masks = [segment.char_mask(plain.segment(t)) for t in texts]
    taught = Analyzer.of(["心跳超时"], cuts)
    folded: list[str] = []
    real = analyze.fold
    monkeypatch.setattr(analyze, "fold", lambda text: folded.append(text) or real(text))
    assert taught.cuts_alike(texts[1:], plain, masks[1])
    assert folded == []  # 跳 is in no token of the second text: nothing to fold
    assert not taught.cuts_alike(texts[:1], plain, masks[0])  # the folded text holds the word


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="心跳超时配置中心集群節點檢測ab 1", max_size=12), min_size=1, max_size=3),
       st.lists(st.text(alphabet="心跳超时配置中心集群节点检测", min_size=2, max_size=4), max_size=3))
def test_the_mask_never_says_alike_when_the_texts_say_otherwise(texts, words):
    cuts = Segmentations()
    plain = Analyzer.of((), cuts)
    mask = segment.char_mask(tok for t in texts for tok in plain.segment(t))
    taught = Analyzer.of(words, cuts)
    assert taught.cuts_alike(texts, plain, mask) == taught.cuts_alike(texts, plain)
