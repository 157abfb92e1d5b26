"""Derived values, memoised by their inputs, for one build or one serve session.

Every step of a build that is worth keeping is a function of declared, frozen
inputs: `Store.memo(fn, *args)` returns `fn(*args)`, computed once per distinct
inputs (they are the key: hashed, then compared by value).  A clean build is the
same code with an empty store; `kb serve` keeps one store across rebuilds, so a
rebuild computes only what an edit changed.

Some steps are cheaper to update than to redo (the neighbour lists of the link
graph, the browser index): `Store.derive(fn, *args)` calls `fn(previous, *args)`
with the value it gave last time, as a hint the function may use; the result
must be what `fn(None, *args)` gives.

`KB_VERIFY_CACHE=1` (or `Store(verify=True)`) recomputes every hit and every
derived value from scratch and raises `StaleValue` when they differ: the test
suite runs edit sequences under it.

A store forgets what builds stopped asking for: when it has grown to twice what its
last sweep kept (`SWEEP_GROWTH`), `end_build` keeps only the values that build used.
Sweeping after every build would walk every value (80,000 at 5,000 entries) to drop
the few an edit replaced.
"""
from __future__ import annotations

import gc
import os
import pickle
from typing import IO, Any, Callable, Hashable, Sequence, TypeVar

T = TypeVar("T")
VERIFY_ENV = "KB_VERIFY_CACHE"
SWEEP_GROWTH = 2  # sweep once the store holds this many times what the last sweep kept
SWEEP_MIN = 1024  # ... and at least this many values


class StaleValue(AssertionError):
    """A remembered value differs from what its function computes now (verify mode)."""


def _name(fn: Callable) -> str:
    name = f"{fn.__module__}.{fn.__qualname__}"
    if "<" in name:  # a lambda or a local function: its identity is not a declared input
        raise TypeError(f"Store: {name} is not a module-level function")
    return name


def _same_value(value: T) -> T:
    return value


def _differing(a: list, b: list) -> list[int]:
    """The positions where two lists of equal length differ, found by comparing halves (the
    comparison of lists runs in C and takes each element's identity first): few differ."""
    out: list[int] = []
    todo = [(0, len(a))]
    while todo:
        lo, hi = todo.pop()
        if a[lo:hi] == b[lo:hi]:
            continue
        if hi - lo <= 32:
            out.extend(i for i in range(lo, hi) if a[i] != b[i])
        else:
            mid = (lo + hi) // 2
            todo += [(mid, hi), (lo, mid)]
    return out


def verify_from_environment() -> bool:
    return os.environ.get(VERIFY_ENV, "").strip().lower() not in ("", "0", "false", "no")


class Store:
    def __init__(self, verify: bool | None = None):
        self.verify = verify_from_environment() if verify is None else verify
        # key -> [value, the last build that asked for it]: a hit costs one lookup
        self._values: dict[tuple[str, tuple], list] = {}
        self._build = 0
        self._derived: dict[tuple[str, Hashable], tuple[tuple, Any]] = {}
        self._derived_older: dict[tuple[str, Hashable], tuple[tuple, Any]] = {}
        self._objects: dict[str, Any] = {}
        self._names: dict[Callable, str] = {}  # each function's name, worked out once
        # `each`: per function, its last call's shared inputs, rows and their slots in `_values`
        self._each: dict[str, tuple[tuple, list[tuple], list[list], tuple]] = {}
        self._each_used: set[str] = set()  # called by this build
        self._kept = 0  # values the last sweep kept
        self.hits = 0
        self.misses = 0

    # -- memoised functions ---------------------------------------------------------
    def _name_of(self, fn: Callable) -> str:
        name = self._names.get(fn)
        if name is None:
            name = self._names[fn] = _name(fn)
        return name

    def memo(self, fn: Callable[..., T], *args: Hashable) -> T:
        """`fn(*args)`, remembered by the value of `args`."""
        return self._slot(fn, self._name_of(fn), args)[0]

    def _slot(self, fn: Callable, name: str, args: tuple) -> list:
        key = (name, args)
        slot = self._values.get(key)
        if slot is None:
            self.misses += 1
            slot = self._values[key] = [fn(*args), self._build]
            return slot
        slot[1] = self._build
        self.hits += 1
        if self.verify and fn(*args) != slot[0]:
            raise StaleValue(f"{name}: a remembered value differs from a fresh one")
        return slot

    def each(self, fn: Callable[..., T], *columns: Sequence[Hashable], shared: tuple = ()) -> tuple[T, ...]:
        """`memo(fn, *row, *shared)` for each row of `columns` (sequences of equal length, one
        value per entry).  A row whose values are those of a row of this function's last call
        (the very objects: an unchanged entry's) with the same `shared` takes that row's value
        without its inputs being hashed: a rebuild after one edit hashes one row, not 5,000.
        One call site per function (the last call is remembered by the function's name)."""
        name = self._name_of(fn)
        rows = list(zip(*columns))
        last = self._each.get(name)
        if last is None or self.verify or last[0] != shared:
            last = ((), [], [], ())
        last_rows, last_slots = last[1], last[2]
        if len(rows) == len(last_rows):
            slots, values = list(last_slots), list(last[3])
            changed = _differing(rows, last_rows)
            for i in changed:
                slots[i] = self._slot(fn, name, rows[i] + shared)
                values[i] = slots[i][0]
            self.hits += len(rows) - len(changed)
        else:  # an entry added or removed moves the rows after it: found by their objects
            at = {tuple(map(id, r)): j for j, r in enumerate(last_rows)}
            slots = []
            for row in rows:
                k = at.get(tuple(map(id, row)))
                slots.append(last_slots[k] if k is not None else self._slot(fn, name, row + shared))
            values = [slot[0] for slot in slots]
        found = tuple(values)
        self._each[name] = (shared, rows, slots, found)
        self._each_used.add(name)  # its slots are marked used when the store needs to know (`_mark_each`)
        return found

    def _mark_each(self) -> None:
        build = self._build
        for name in self._each_used:
            for slot in self._each[name][2]:
                slot[1] = build
        self._each_used.clear()

    def intern(self, value: T) -> T:
        """The first value equal to `value` this store holds: keys holding it then compare by
        identity, not by value (a large settings object is compared once, not per entry)."""
        return self.memo(_same_value, value)

    def derive(self, fn: Callable[..., T], *args: Any, slot: Hashable = None,
               same: Callable[[Any, Any], bool] | None = None) -> T:
        """`fn(previous, *args)`, where `previous` is what `fn` gave in an earlier call for
        the same `slot` (None the first time): equal inputs give the remembered value.

        The inputs are compared, not hashed.  `same(fresh, kept)` says what "the same
        result" means in verify mode (default: ==)."""
        key = (self._name_of(fn), slot)
        # Taken out while `fn` runs: a function may update its previous value in place, and
        # should it fail, no half-updated value may stay behind for these inputs.
        known = self._derived.pop(key, None) or self._derived_older.pop(key, None)
        if known is not None and known[0] == args:
            value = known[1]
            self.hits += 1
        else:
            self.misses += 1
            value = fn(known[1] if known is not None else None, *args)
        self._derived[key] = (args, value)
        if self.verify:
            fresh = fn(None, *args)
            if not (same(fresh, value) if same is not None else fresh == value):
                raise StaleValue(f"{key[0]}: an updated value differs from a fresh one")
        return value

    # -- objects a session keeps --------------------------------------------------------
    def keep(self, name: str, make: Callable[[], T]) -> T:
        """An object that lives as long as the store (a cache with rules of its own)."""
        found = self._objects.get(name)
        if found is None:
            found = self._objects[name] = make()
        return found

    # -- generations ----------------------------------------------------------------------
    def end_build(self) -> None:
        """A build is done.  Derived values it did not ask for are kept one more build;
        memoised values until the store has grown enough to be swept (then only what
        this build asked for stays), and the kept objects are swept with them."""
        self._mark_each()
        build = self._build
        if len(self._values) > max(SWEEP_MIN, SWEEP_GROWTH * self._kept):
            self._values = {key: slot for key, slot in self._values.items() if slot[1] == build}
            self._kept = len(self._values)
            for obj in self._objects.values():
                sweep = getattr(obj, "sweep", None)
                if sweep is not None:
                    sweep()
        self._build += 1
        self._derived_older, self._derived = self._derived, {}

    def __len__(self) -> int:
        return len(self._values)

    # -- a later process ------------------------------------------------------------------
    def __getstate__(self) -> dict:
        """What a later process may reuse (`kb build`'s cache, buildcache.py): the values the
        last builds used and the objects kept; not the counters, nor the verify mode."""
        return {"values": {key: slot[0] for key, slot in self._values.items()},
                "derived": {**self._derived_older, **self._derived}, "objects": self._objects}

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]
        # As if asked for by a build before this store's first (build 0): the first sweep
        # forgets those this process's builds no longer ask for, so a cache carried from
        # build to build does not keep every value it ever held.
        self._values = {key: [value, -1] for key, value in state["values"].items()}
        self._derived_older = dict(state["derived"])  # asked for again, or forgotten after a build
        self._objects = dict(state["objects"])

    def mark(self) -> tuple:
        """What the store holds now, for `since` (in a forked process that computes for this one)."""
        return frozenset(self._values), {key: known[1] for key, known in {**self._derived_older,
                                                                           **self._derived}.items()}

    def since(self, mark: tuple) -> dict:
        """What this build asked for since `mark`, for the process that forked (`split`):
        the values computed since, and the keys of those it already held (still in use)."""
        keys, derived = mark
        self._mark_each()
        build = self._build
        return {"values": {key: slot[0] for key, slot in self._values.items() if key not in keys},
                "used": [key for key, slot in self._values.items() if slot[1] == build and key in keys],
                "derived": {key: known for key, known in self._derived.items() if derived.get(key) is not known[1]},
                "derived_used": [key for key, known in self._derived.items() if derived.get(key) is known[1]]}

    def forget_since(self, mark: tuple) -> None:
        """Drop what was computed since `mark` (a forked process that has handed it back,
        `since`, makes room for its next step)."""
        keys, derived = mark
        self._values = {key: slot for key, slot in self._values.items() if key in keys}
        self._derived = {key: known for key, known in self._derived.items() if derived.get(key) is known[1]}

    def take_marks(self, marks: dict) -> None:
        """What another process used and derived (`split(since(...))[0]`): the values it
        used stay for this build; a value it derived anew replaces this store's older one.
        The values themselves are saved beside this store unread and merged when read back
        (`merge_saved`): `kb build`'s parent never holds the index child's values."""
        for key in marks["used"]:
            slot = self._values.get(key)
            if slot is not None:
                slot[1] = self._build
        for key in marks["derived"]:
            if key not in self._derived:
                self._derived_older.pop(key, None)
        for key in marks["derived_used"]:
            if key not in self._derived and key in self._derived_older:
                self._derived[key] = self._derived_older.pop(key)

    def merge_saved(self, values: dict) -> None:
        """The values of another process's delta (`split(since(...))[1]`), saved beside this
        store when it had taken the delta's marks, now that both are read back: what this
        store holds wins (it holds a derived value only when it derived it itself)."""
        for key, value in values["values"].items():
            self._values.setdefault(key, [value, -1])
        for key, known in values["derived"].items():
            self._derived_older.setdefault(key, known)


def split(delta: dict) -> tuple[dict, dict]:
    """`Store.since`'s delta as (its marks: the keys used and derived, for `take_marks`;
    its values, for `merge_saved`)."""
    return ({"used": delta["used"], "derived": list(delta["derived"]), "derived_used": delta["derived_used"]},
            {"values": delta["values"], "derived": delta["derived"]})


def freeze(value: Any) -> Hashable:
    """A hashable, comparable form of plain data (mappings, lists, sets, scalars)."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(v) for v in value)
    return value


def unpickle(f: IO[bytes]) -> Any:
    """Saved values read back, with the cyclic garbage collector paused: unpickling makes
    millions of containers, each of which would count towards a collection of everything
    read so far (half the time of reading `kb build`'s cache at 5k entries)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(f)
    finally:
        if paused:
            gc.enable()
