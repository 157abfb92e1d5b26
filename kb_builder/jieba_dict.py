"""jieba's word frequencies, read in a fraction of the time jieba takes.

jieba reads its dictionary from a marshalled copy (0.6 s on the machine the
benchmarks run on); every `kb build`, `kb serve` and `kb new` needs it.  kb keeps
its own copy in its cache folder (usercache.py) as plain data, the words as one
text and their frequencies as one array, made from jieba's `dict.txt` the first
time and read back in about 0.2 s.  Plain data, not a pickle: reading it runs no code.
A copy whose source (jieba's `dict.txt`: path, size, time), header or length does
not match is ignored and made again; a cache folder that cannot be written only
costs the time.
"""
from __future__ import annotations

import array
import hashlib
import importlib.util
import json
import logging
import os
import sys
import tempfile
from functools import cache
from pathlib import Path

from .usercache import cache_root

FORMAT = 1
MAGIC = b"kb-jieba-dictionary\n"
_ITEM = "q"  # array typecode of a frequency: 8-byte signed integers


@cache
def jieba_module():
    """jieba, imported with its import-time warnings silenced (it imports pkg_resources)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


def source() -> dict:
    """jieba's dictionary file, found without importing jieba: what a copy is checked against."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    st = path.stat()
    return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def copy_path(src: dict, root: Path | None = None) -> Path:
    key = hashlib.blake2b(json.dumps(src, sort_keys=True).encode(), digest_size=10).hexdigest()
    return (root if root is not None else cache_root()) / f"jieba-{key}.dict"


def load(root: Path | None = None) -> tuple[dict[str, int], int]:
    """jieba's word -> frequency table (every prefix of a word maps to 0, as in jieba) and its total."""
    src = source()
    path = copy_path(src, root)
    try:
        return read(path, src)
    except Exception:  # noqa: BLE001 - anything but a copy that checks out is made again
        pass
    freq, total = from_source()
    try:
        write(path, src, freq, total)
    except OSError:
        pass  # an unwritable cache folder: the next run parses jieba's dictionary again
    return freq, total


def from_source() -> tuple[dict[str, int], int]:
    """jieba's word -> frequency table read from its `dict.txt` by jieba's own parser, in a
    tokenizer of kb's: never jieba's shared one, which a site's other plugins may have given
    words of their own (Material's search plugin loads a site's user dictionary into it)."""
    tokenizer = jieba_module().Tokenizer()
    with tokenizer.get_dict_file() as f:
        freq, total = tokenizer.gen_pfdict(f)
    return freq, int(total)


def _digest(total: int, payload: bytes | memoryview) -> str:
    return hashlib.blake2b(payload, digest_size=16, key=str(total).encode()).hexdigest()


def _header(src: dict, total: int, count: int, text_bytes: int, digest: str) -> dict:
    return {"format": FORMAT, "source": src, "byteorder": sys.byteorder, "total": total,
            "count": count, "text_bytes": text_bytes, "digest": digest}


def write(path: Path, src: dict, freq: dict[str, int], total: int) -> None:
    words = list(freq)
    if any("\n" in w for w in words):
        raise OSError("a dictionary word holds a line break")  # cannot be kept one per line
    text = "\n".join(words).encode("utf-8")
    values = array.array(_ITEM, freq.values())  # in the order of `words` (a dict keeps its order)
    payload = text + values.tobytes()
    header = json.dumps(_header(src, total, len(words), len(text), _digest(total, payload))).encode() + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + header + payload)
        os.replace(tmp, path)  # a reader sees the whole copy or none
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path, src: dict) -> tuple[dict[str, int], int]:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValueError("not a dictionary copy")
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC):end])
    count, text_bytes, total = header.get("count"), header.get("text_bytes"), header.get("total")
    if (not isinstance(count, int) or not isinstance(text_bytes, int) or not isinstance(total, int)
            or header != _header(src, total, count, text_bytes, header.get("digest"))):
        raise ValueError("a copy of another dictionary")
    start = end + 1
    values = array.array(_ITEM)
    if len(data) != start + text_bytes + count * values.itemsize:
        raise ValueError("a truncated copy")
    if _digest(total, memoryview(data)[start:]) != header["digest"]:
        raise ValueError("a damaged copy")
    words = data[start:start + text_bytes].decode("utf-8").split("\n") if count else []
    values.frombytes(data[start + text_bytes:])
    if len(words) != count:
        raise ValueError("a damaged copy")
    return dict(zip(words, values)), total
