"""The front-matter schema, declared as data and applied by one function.

Each field says which YAML types it accepts and how to coerce them; ingest.py
and `kb check` report violations with the line of the offending key.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

MAX_ID_LENGTH = 128
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LIST_SEPARATORS = re.compile(r"[,，、;；]")


class FieldError(ValueError):
    """A value that does not fit its field. `soft` ones are warnings: the value was repaired.
    `kind` is the finding code `kb check` reports it under."""

    def __init__(self, message: str, soft: bool = False, value: Any = None, kind: str = "field-type"):
        super().__init__(message)
        self.soft = soft
        self.value = value
        self.kind = kind


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def safe_id_suggestion(raw: str) -> str:
    """A URL- and path-safe form of an id, for the error message."""
    text = unicodedata.normalize("NFKD", raw)
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)
    text = re.sub(r"\.{2,}", ".", text).strip("-._")
    text = re.sub(r"-{2,}", "-", text)
    if len(text) > MAX_ID_LENGTH:  # cut at a word boundary when there is one
        cut = text[:MAX_ID_LENGTH]
        boundary = max(cut.rfind("-"), cut.rfind("_"), cut.rfind("."))
        text = cut[:boundary] if boundary >= MAX_ID_LENGTH // 2 else cut
    text = text.strip("-._")
    return text or "entry-1"


def coerce_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(f"'id' must be a string, not {_type_name(value)}", kind="unsafe-id")
    text = str(value).strip()
    if not text:
        raise FieldError("'id' is empty", kind="missing-field")
    if len(text) > MAX_ID_LENGTH:
        raise FieldError(
            f"'id' is {len(text)} characters long (at most {MAX_ID_LENGTH}); "
            f"use a shorter one such as '{safe_id_suggestion(text)}'", kind="unsafe-id"
        )
    if not SAFE_ID.match(text) or ".." in text:
        raise FieldError(
            f"'id' {text!r} is not safe in a URL or file name "
            f"(use letters, digits, '-', '_' and '.'); try '{safe_id_suggestion(text)}'", kind="unsafe-id"
        )
    return text


def coerce_text(name: str, required: bool) -> Callable[[Any], str | None]:
    def coerce(value: Any) -> str | None:
        if value is None:
            if required:
                raise FieldError(f"'{name}' is empty", kind="missing-field")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise FieldError(f"'{name}' must be a string, not {_type_name(value)}")
        # Control characters would reach terminals (kb search, kb check) as escape sequences.
        text = _CONTROL.sub("", str(value)).strip()
        if required and not text:
            raise FieldError(f"'{name}' is empty", kind="missing-field")
        return text or None

    return coerce


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def coerce_date(name: str) -> Callable[[Any], str | None]:
    def coerce(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, _dt.datetime):
            return value.date().isoformat()
        if isinstance(value, _dt.date):
            return value.isoformat()
        if isinstance(value, str):
            text = value.strip()
            for fmt in _DATE_FORMATS:
                try:
                    return _dt.datetime.strptime(text, fmt).date().isoformat()
                except ValueError:
                    continue
            try:  # ISO forms with zones, e.g. 2024-04-23T10:00:00+08:00
                return _dt.datetime.fromisoformat(text).date().isoformat()
            except ValueError:
                pass
            raise FieldError(f"'{name}' {text!r} is not a valid date (expected YYYY-MM-DD)", kind="invalid-date")
        raise FieldError(f"'{name}' must be a date such as 2024-04-23, not {_type_name(value)}", kind="invalid-date")

    return coerce


def coerce_list(name: str) -> Callable[[Any], tuple[str, ...]]:
    def coerce(value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(p.strip() for p in LIST_SEPARATORS.split(value) if p.strip())
        if isinstance(value, bool):
            raise FieldError(f"'{name}' must be a list of strings, not {_type_name(value)}")
        if isinstance(value, (int, float)):
            raise FieldError(
                f"'{name}' should be a list of strings; the number {value!r} was read as one {name[:-1]}",
                soft=True,
                value=(str(value),),
            )
        if isinstance(value, list):
            items: list[str] = []
            for item in value:
                if item is None:
                    continue
                if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                    raise FieldError(
                        f"'{name}' items must be strings; found {_type_name(item)}"
                    )
                items.append(str(item).strip())
            return tuple(items)
        raise FieldError(f"'{name}' must be a list of strings, not {_type_name(value)}")

    return coerce


@dataclass(frozen=True)
class FieldSpec:
    """One front-matter key: how its value is checked, and the model field it fills
    (`Entry` has a field of the same name; `fallback`: another key's value when absent)."""

    name: str
    coerce: Callable[[Any], Any]
    required: bool = False
    fallback: str | None = None


FRONT_MATTER: tuple[FieldSpec, ...] = (
    FieldSpec("id", coerce_id, required=True),
    FieldSpec("title", coerce_text("title", required=True), required=True),
    FieldSpec("date", coerce_date("date")),
    FieldSpec("updated", coerce_date("updated"), fallback="date"),
    FieldSpec("category", coerce_text("category", required=False)),
    FieldSpec("description", coerce_text("description", required=False)),
    FieldSpec("tags", coerce_list("tags")),
    FieldSpec("keywords", coerce_list("keywords")),
    FieldSpec("lang", coerce_text("lang", required=False)),
)

KNOWN_FIELDS = frozenset(spec.name for spec in FRONT_MATTER)

# Per entry: each tag becomes a page, so one entry with 10,000 tags made a 200 MB site.
MAX_TAGS = 50
MAX_KEYWORDS = 50


def capped(name: str, items: tuple[str, ...], limit: int) -> tuple[tuple[str, ...], str | None]:
    """The first `limit` of an entry's `name` (tags, keywords), and a warning when it had more."""
    if len(items) <= limit:
        return items, None
    return items[:limit], f"{len(items)} {name}; only the first {limit} are kept (max_{name})"
