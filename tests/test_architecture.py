"""ARCHITECTURE.md is true: each module imports only what its row allows, no module reaches
into another's private names, none is over 600 lines, and nothing is kept at module level
but constants, caches of pure functions and loaders of shipped data."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "kb_builder"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
MAX_LINES = 600

# Functions whose results are kept process-wide: each is a pure function of its arguments
# (or loads data that ships with a package), so keeping them changes no result.
PURE_CACHES = {
    "analyze._converter": "OpenCC's tables",
    "analyze.stem": "a pure function of the word",
    "analyze.simplified_characters": "derived from OpenCC's tables",
    "analyze._simplified_table": "derived from OpenCC's tables",
    "browser_postings.is_stop": "a pure function of the token",
    "browser_postings.token_kind": "a pure function of the token",
    "references.loose_key": "a pure function of the title key",
    "errors._product_prefixes": "patterns compiled from the product names",
    "query.bare_vocabulary": "the shipped glossary and jieba's dictionary",
    "references.title_key": "a pure function of the text",
    "segment._base": "jieba's dictionary, never changed",
    "jieba_dict.jieba_module": "the jieba module, imported once",
    "similar._df_step": "a pure function of the number",
    "similar._answer_df_step": "a pure function of the number",
    "similar._tf": "a pure function of the count",
    "tags.fold_tag": "a pure function of the raw tag",
    "tags.default_settings": "the shipped tag tables",
    "theme_guard._token_classes": "Pygments' token names, never changed",
    "safe._allowed_tags": "nh3's allowed tags, never changed",
    "codeid.environment": "kb's installed code, Python and the installed packages, never changed while running",
}
# Module-level names rebound at run time: a forked child learns its parent's pid.
PROCESS_STATE = {"parallel._PARENT"}


def _table() -> dict[str, tuple[set[str], set[str]]]:
    """module -> (our modules it may import, third-party packages it may import)."""
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([a-z0-9_]+)` \|[^|]*\| ?([^|]*)\|$", line)
        if m:
            names = {n.strip() for n in m.group(2).split(",") if n.strip()}
            rows[m.group(1)] = ({n for n in names if n in MODULES}, {n for n in names if n not in MODULES})
    return rows


def _tree(module: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))


def _imports(module: str) -> tuple[set[str], set[str], list[str]]:
    """(our modules, top-level third-party packages, private names taken from ours)."""
    ours, others, private = set(), set(), []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: ours
                names = [node.module] if node.module else [a.name for a in node.names]
                ours.update(n.split(".")[0] for n in names)
                if node.module:
                    private += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            elif node.module:
                others.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            others.update(a.name.split(".")[0] for a in node.names)
    others -= set(sys.stdlib_module_names) | {"__future__"}
    return ours, others, private


def test_every_module_has_a_row():
    assert sorted(_table()) == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_imports_follow_the_table(module):
    allowed_ours, allowed_others = _table()[module]
    ours, others, private = _imports(module)
    assert ours - {module} <= allowed_ours, f"{module} imports {sorted(ours - allowed_ours - {module})}"
    assert others <= allowed_others, f"{module} imports {sorted(others - allowed_others)}"
    assert private == [], f"{module} imports private names {private}"


@pytest.mark.parametrize("module", MODULES)
def test_no_private_attributes_of_other_modules(module):
    """`other._name` for a module `other` of ours."""
    tree = _tree(module)
    imported = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level
                and not node.module for a in node.names}
    found = [f"{node.value.id}.{node.attr}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
             and node.value.id in imported and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert found == []


@pytest.mark.parametrize("module", MODULES)
def test_modules_are_small(module):
    assert len((PACKAGE / f"{module}.py").read_text(encoding="utf-8").splitlines()) <= MAX_LINES


_MUTATING = {"append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "setdefault", "add",
             "discard", "sort", "reverse", "__setitem__", "__delitem__"}


@pytest.mark.parametrize("module", MODULES)
def test_no_module_level_mutable_state(module):
    tree = _tree(module)
    globals_ = {f"{module}.{n}" for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names}
    assert globals_ <= PROCESS_STATE, f"`global` in {module}: {sorted(globals_ - PROCESS_STATE)}"
    # Names bound at module level to a container, then changed in place anywhere in the module.
    containers = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in ("dict", "list", "set", "defaultdict", "Counter", "OrderedDict")):
            containers.update(t.id for t in targets if isinstance(t, ast.Name))
    changed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in containers and node.func.attr in _MUTATING:
            changed.add(node.func.value.id)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            for target in (node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]):
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                        and target.value.id in containers:
                    changed.add(target.value.id)
    assert changed == set(), f"{module} changes module-level containers {sorted(changed)}"
    # Process-wide caches only of pure functions, each named above with why.
    cached = {f"{module}.{node.name}" for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
              for d in node.decorator_list
              if (isinstance(d, ast.Name) and d.id == "cache")
              or (isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "lru_cache")}
    assert cached <= set(PURE_CACHES), f"caches not declared pure: {sorted(cached - set(PURE_CACHES))}"


def test_the_declared_caches_exist():
    found = set()
    for module in MODULES:
        for node in ast.walk(_tree(module)):
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                found.add(f"{module}.{node.name}")
    assert set(PURE_CACHES) <= found
