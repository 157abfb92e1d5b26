"""The shared analyzer: folding, segmentation, the vocabulary segmenter, identifier parts."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from kb_builder import analyze


def test_fold_width_case_and_traditional():
    assert analyze.fold("ＮＡＣＯＳ 客戶端 連接") == "nacos 客户端 连接"
    assert analyze.to_simplified("abc") == "abc"


def test_segment_splits_latin_from_chinese_without_spaces():
    toks = analyze.segment("什么是nacos")
    assert toks[-1] == "nacos"
    assert "".join(toks[:-1]) == "什么是"


def test_segment_traditional_equals_simplified():
    assert analyze.segment("客戶端心跳不發送") == analyze.segment("客户端心跳不发送")


def test_terms_drop_stopwords():
    assert "的" not in analyze.terms("客户端的心跳")
    assert analyze.is_stopword("THE")


def test_add_words_keeps_domain_terms_whole():
    analyze.add_words(["注册心跳器"])
    assert "注册心跳器" in analyze.segment("我的注册心跳器坏了")


def test_vocab_segmenter_agrees_with_jieba_on_known_words():
    text = "客户端心跳不发送配置中心连接失败"
    jieba_words = analyze.segment(text)
    vocab = {w: analyze.jieba_freq(w) or 1 for w in jieba_words}
    seg = analyze.VocabSegmenter(vocab, total=analyze.jieba_total())
    assert analyze.segment(text, seg) == jieba_words


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
    parts = analyze.search_subwords("持久化实例")
    assert "实例" in parts and "持久" in parts


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_segment_never_raises(text):
    seg = analyze.VocabSegmenter({"心跳": 10, "客户端": 10})
    analyze.segment(text, seg)
    analyze.subwords(text)
    analyze.cjk_bigrams(text)


def test_teaching_a_word_again_changes_nothing():
    analyze.add_words(["重复教学词"])
    state, total = analyze.words_state(), analyze.jieba_total()
    analyze.add_words(["重复教学词", "重复教学词"])
    assert analyze.words_state() == state and analyze.jieba_total() == total


def test_to_simplified_reuses_converted_runs():
    text = "客戶端連接 服務端"
    assert analyze.to_simplified(text) == analyze.to_simplified(text) == "客户端连接 服务端"


def test_teaching_words_leaves_jiebas_total_alone():
    total = analyze.jieba_total()
    try:
        analyze.add_words(["总数不变词甲", "总数不变词乙"])
        assert analyze.jieba_total() == total  # so a taught word moves only the texts holding it
    finally:
        analyze.reset_words()
    assert analyze.jieba_total() == total


def test_changed_words_between_dictionary_states():
    analyze.reset_words()
    analyze.add_words(["状态词甲", "状态词乙"])
    first = analyze.words_state()
    analyze.reset_words()
    analyze.add_words(["状态词乙", "状态词丙"])
    second = analyze.words_state()
    try:
        assert analyze.changed_words(first, second) == {"状态词甲", "状态词丙"}
        analyze.reset_words()
        analyze.add_words(["状态词丙", "状态词乙"])  # the same words: the same state
        assert analyze.words_state() == second
    finally:
        analyze.reset_words()


# Texts of a few characters that make several words, and words made of them.
_CHARS = "服务注册心跳超时配置中心集群"
_text = st.text(alphabet=_CHARS + " ，a1", min_size=1, max_size=24)
_word = st.text(alphabet=_CHARS, min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(_text, min_size=1, max_size=8), st.lists(st.lists(_word, max_size=4), min_size=2, max_size=4))
def test_kept_segmentations_equal_fresh_ones_as_words_change(texts, builds):
    """kb serve keeps each text's cut across dictionary states and cuts again only texts
    holding a word taught or forgotten since: always what a fresh cut gives."""
    analyze.keep_segments(True)
    try:
        for words in builds:
            analyze.reset_words()
            analyze.add_words(words)
            for text in texts:
                assert analyze.segment(text) == analyze.segment(text, analyze.JIEBA)
    finally:
        analyze.keep_segments(False)
        analyze.reset_words()


def test_a_taught_word_cuts_again_only_the_texts_holding_it(monkeypatch):
    texts = ["客户端心跳超时怎么办", "配置中心无法连接", "集群节点心跳检测失败"]
    cuts = []
    real = analyze._segment
    monkeypatch.setattr(analyze, "_segment", lambda text, seg: cuts.append(text) or real(text, seg))
    analyze.keep_segments(True)
    try:
        analyze.reset_words()
        before = [analyze.segment(t) for t in texts]
        state = analyze.words_state()
        cuts.clear()
        analyze.reset_words()
        analyze.add_words(["心跳超时"])
        after = [analyze.segment(t) for t in texts]
        assert cuts == ["客户端心跳超时怎么办"]
        assert "心跳超时" in after[0] and after[1:] == before[1:]
        assert analyze.cut_alike(texts[1:], state) and not analyze.cut_alike(texts[:1], state)
    finally:
        analyze.keep_segments(False)
        analyze.reset_words()


def test_jieba_block_cutter_gives_what_jieba_cut_gives():
    """Runs of jieba's Chinese characters go straight to its block cutter: the same words."""
    jieba = analyze._jieba()
    runs = ["客户端心跳超时怎么办", "配置中心无法连接到服务端", "集群", "我", "持久化实例删除不掉"]
    for run in runs:
        assert analyze.JIEBA.cut(run) == [w for w in jieba.cut(run, HMM=True) if w.strip()]
    assert analyze.JIEBA.cut("\u3400\u4e00") == [w for w in jieba.cut("\u3400\u4e00", HMM=True) if w.strip()]
