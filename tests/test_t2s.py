"""Traditional -> Simplified folding through OpenCC gives what it gave before the move to
OpenCC's C++ package (fixtures/t2s/golden.json, made by make_golden.py with the pure-Python
package), the browser's character table is complete, and missing data fails loudly."""
from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from kb_builder import analyze

GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "t2s" / "golden.json").read_text(encoding="utf-8"))

# Characters whose conversion OpenCC's dictionaries changed since the golden table was made
# (none of them occurs in the corpus): the only differences allowed.
DICTIONARY_UPDATES = {
    "劄": "札", "幷": "并", "扞": "捍", "拚": "拼", "搧": "扇", "擡": "抬", "牴": "抵", "箚": "札",
    "舖": "铺", "袷": "夹", "谿": "溪", "貍": "狸", "遶": "绕",  # now converted
    "甦": None, "甯": None, "礆": None,  # now kept
    "逕": "径",  # was 迳
}


def test_sample_text_folds_as_before():
    for line, folded in GOLDEN["fold"].items():
        assert analyze.fold(line) == folded, line


def test_text_with_undecodable_bytes_folds():
    # A command line's invalid UTF-8 arrives as lone surrogates, which UTF-8 cannot carry.
    assert analyze.fold("服務\udcff註冊\udc80") == "服务\udcff注册\udc80"
    assert analyze.fold("\udcff") == "\udcff"


def test_character_table_is_the_golden_one_with_the_dictionary_updates():
    expected = {**GOLDEN["characters"], **DICTIONARY_UPDATES}
    expected = {k: v for k, v in expected.items() if v is not None}
    assert analyze.simplified_characters() == expected
    assert analyze.fold_characters("服務註冊") == "服务注册"


def test_corpus_changes_only_its_traditional_characters(corpus_dir):
    # The corpus is Simplified with a few Traditional characters: a converter that touched
    # a Simplified character (OpenCC 1.3.0 to 1.4.1 turn 坏 into 坯) or missed a Traditional
    # one would differ from the character table made with the old package.
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.md")))
    assert len(text) > 1_000_000
    assert analyze.to_simplified(text) == text.translate(str.maketrans(GOLDEN["characters"]))


def test_missing_dictionaries_fail_loudly(monkeypatch):
    class Unchanged:  # what a converter without its dictionaries gives
        def convert(self, text: str) -> str:
            return text

    monkeypatch.setattr(analyze, "_converter", Unchanged)
    with pytest.raises(RuntimeError, match="dictionaries are missing"):
        analyze.simplified_characters.__wrapped__()


def test_the_other_opencc_module_is_named(monkeypatch):
    other = types.ModuleType("opencc")  # opencc-python-reimplemented has no __version__
    other.__file__ = "site-packages/opencc/__init__.py"
    other.OpenCC = lambda config: None
    monkeypatch.setitem(sys.modules, "opencc", other)
    with pytest.raises(RuntimeError, match="opencc-python-reimplemented"):
        analyze._converter.__wrapped__()
