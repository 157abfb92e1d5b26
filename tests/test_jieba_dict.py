"""kb's copy of jieba's dictionary: made once, read back equal to jieba's, made again when it does not fit."""
from __future__ import annotations

import pytest

from kb_builder import jieba_dict


@pytest.fixture(scope="module")
def jieba_table():
    jieba = jieba_dict.jieba_module()
    jieba.initialize()
    return dict(jieba.dt.FREQ), int(jieba.dt.total)


def _no_jieba(monkeypatch):
    def refuse():
        raise AssertionError("jieba's own dictionary was read")
    monkeypatch.setattr(jieba_dict, "jieba_module", refuse)


def test_the_copy_is_made_once_and_read_back_equal_to_jieba(tmp_path, monkeypatch, jieba_table):
    freq, total = jieba_dict.load(tmp_path)
    assert (freq, total) == jieba_table
    copies = list(tmp_path.iterdir())
    assert [p.name for p in copies] == [jieba_dict.copy_path(jieba_dict.source(), tmp_path).name]
    _no_jieba(monkeypatch)
    again, again_total = jieba_dict.load(tmp_path)
    assert again == jieba_table[0] and again_total == total
    assert freq["心跳"] > 0 and freq["AT&"] == 0  # a word, and a prefix of one (jieba keeps both)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other header", "empty", "not an object", "deep"])
def test_a_copy_that_does_not_fit_is_made_again(tmp_path, jieba_table, damage):
    src = jieba_dict.source()
    path = jieba_dict.copy_path(src, tmp_path)
    jieba_dict.load(tmp_path)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:-5])
    elif damage == "garbage":
        path.write_bytes(b"\x80\x03garbage")
    elif damage == "other header":
        path.write_bytes(data.replace(b'"total": ', b'"total": 1', 1))
    elif damage == "not an object":
        path.write_bytes(jieba_dict.MAGIC + b"[1]\n")
    elif damage == "deep":
        path.write_bytes(jieba_dict.MAGIC + b"[" * 100000 + b"\n")
    else:
        path.write_bytes(b"")
    with pytest.raises(Exception):  # noqa: B017 - whatever it is, load() makes the copy again
        jieba_dict.read(path, src)
    assert jieba_dict.load(tmp_path) == jieba_table
    assert path.read_bytes() == data


def test_a_copy_of_another_jieba_dictionary_is_not_read(tmp_path):
    src = jieba_dict.source()
    jieba_dict.load(tmp_path)
    moved = {**src, "mtime_ns": src["mtime_ns"] + 1}
    assert jieba_dict.copy_path(moved, tmp_path) != jieba_dict.copy_path(src, tmp_path)
    with pytest.raises(ValueError):  # even under the other copy's name, the header tells
        jieba_dict.read(jieba_dict.copy_path(src, tmp_path), moved)


def test_a_cache_folder_that_is_a_file_costs_only_time(tmp_path, jieba_table):
    blocker = tmp_path / "kb"
    blocker.write_text("not a folder", encoding="utf-8")
    assert jieba_dict.load(blocker) == jieba_table
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_words_another_plugin_gives_jiebas_shared_tokenizer_stay_out_of_the_copy(tmp_path):
    """Material's search plugin loads a site's user dictionary into jieba's shared tokenizer
    in the same process: kb's copy is jieba's dictionary file, whatever that tokenizer holds."""
    import subprocess
    import sys

    script = (
        "import io, sys, jieba\n"
        "from pathlib import Path\n"
        "if sys.argv[2] == 'plugin':\n"
        "    jieba.load_userdict(io.StringIO('龘龘龘词 99999\\n'))\n"
        "from kb_builder import jieba_dict\n"
        "freq, total = jieba_dict.load(Path(sys.argv[1]))\n"
        "print('龘龘龘词' in freq, total)\n")
    first = subprocess.run([sys.executable, "-c", script, str(tmp_path), "plugin"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    later = subprocess.run([sys.executable, "-c", script, str(tmp_path), "later"], capture_output=True, text=True)
    assert later.returncode == 0, later.stderr
    jieba = jieba_dict.jieba_module()
    jieba.initialize()
    assert first.stdout.split() == later.stdout.split() == ["False", str(int(jieba.dt.total))]
