"""Numbers spelt as text, read as numbers where a tool input expects a number."""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

#: A whole number or a decimal number as text (bounded: longer text is left for pydantic to refuse).
_INT_TEXT = re.compile(r"[+-]?[0-9]{1,40}")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]{1,40}(\.[0-9]{0,40})?|\.[0-9]{1,40})([eE][+-]?[0-9]{1,4})?")


def _alternatives(annotation: Any) -> tuple[Any, ...]:
    """The types a value of ``annotation`` may have (``X | None`` -> ``(X,)``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _alternatives(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return tuple(t for arg in get_args(annotation) for t in _alternatives(arg))
    return () if annotation is type(None) else (annotation,)


def _number_kind(annotation: Any) -> type[int] | type[float] | None:
    if annotation is int or annotation is float:
        return annotation
    values = get_args(annotation) if get_origin(annotation) is Literal else ()
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return int
    return None


def numbers_from_strings(value: Any, annotation: Any) -> Any:
    """``value`` for a field typed ``annotation``, with a number spelt as text (``"8"``) read as
    that number wherever a number is expected, also inside lists (``seeds``). A boolean is not a
    number there (pydantic would read ``true`` as 1). Anything else is returned unchanged, for
    the field's own validation to accept or refuse with its usual message.

    APIYI's wire format spells ``seconds`` as ``"8"``, and some MCP clients can only send
    strings for an ``integer | null`` argument; the schemas still say ``integer``."""
    options = _alternatives(annotation)
    if bool in options:
        return value
    for option in options:
        if get_origin(option) is list and isinstance(value, list):
            item = (get_args(option) or (Any,))[0]
            return [numbers_from_strings(v, item) for v in value]
        kind = _number_kind(option)
        if kind is None:
            continue
        if isinstance(value, bool):
            raise ValueError("Input should be a number, not true or false")
        if isinstance(value, str):
            text = value.strip()
            pattern = _INT_TEXT if kind is int else _FLOAT_TEXT
            return kind(text) if pattern.fullmatch(text) else value
        return value
    return value
