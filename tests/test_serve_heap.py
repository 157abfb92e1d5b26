"""`kb serve` keeps the collector off its long-lived heap: before each rebuild what the
last build left is collected and what survives (the store, jieba's dictionary) is frozen,
so a rebuild's collections walk only its own objects.  Nothing a rebuild no longer uses
may be frozen: it would never be freed (MkDocs' pages and files of every rebuild were)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_SESSION = r"""
import collections, gc, json, logging, shutil, sys
from pathlib import Path
from mkdocs.commands.build import build
from kb_builder.sitebuild import load_config

repo, work = Path(sys.argv[1]), Path(sys.argv[2])
content, site = work / "content", work / "site"
shutil.copytree(repo / "content", content)
logging.getLogger("mkdocs").setLevel(logging.ERROR)
first, plugin = load_config(repo / "mkdocs.yml", content, site)
first.plugins.on_startup(command="serve", dirty=True)
frozen = []
target = sorted(content.glob("*.md"))[0]
for i in range(4):
    if i:
        target.write_text(target.read_text(encoding="utf-8") + f"\n\nkbheap edit {i}\n", encoding="utf-8")
    # As MkDocs' server: the first build with the configuration it keeps, a new one per rebuild.
    config = first if i == 0 else load_config(repo / "mkdocs.yml", content, site)[0]
    build(config, dirty=True)
    if i == 0:  # then on_serve, once
        plugin.on_serve(type("Server", (), {"watch": lambda self, path: None})(), first, None)
    frozen.append(gc.get_freeze_count())
gc.collect()  # what the last build left, as the next rebuild does first
gc.set_debug(gc.DEBUG_SAVEALL)
gc.unfreeze()
gc.collect()  # what was frozen and is garbage now: lost, had the session gone on
left = collections.Counter(type(o).__module__ + "." + type(o).__name__ for o in gc.garbage)
plugin.stop_serving()
print(json.dumps({"frozen": frozen, "left": {k: v for k, v in left.items() if k.startswith(("mkdocs.", "kb_builder."))}}))
"""


def test_rebuilds_freeze_what_lasts_and_leave_nothing_they_stopped_using(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", _SESSION, str(REPO), str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    # frozen after the first build (on_serve) and again before each rebuild, growing with the store
    assert found["frozen"][0] > 0 and all(n > 0 for n in found["frozen"])
    # no page, file or table of contents of an earlier rebuild was frozen and lost
    assert found["left"] == {}, found["left"]
