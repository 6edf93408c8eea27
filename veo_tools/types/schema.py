"""Compact JSON schemas: what every front-end publishes of the tool inputs and results."""

from __future__ import annotations

from typing import Any


def compact_schema(schema: dict[str, Any], *, inputs: bool = True) -> dict[str, Any]:
    """A JSON schema as small as it can be with the same meaning for a caller: no titles; for
    ``inputs``, an optional argument as its own type (``anyOf [X, null]`` with ``default: null``
    becomes ``X``, left out of ``required``); for results (``inputs=False``), no descriptions.
    What every front-end publishes (an agent pays for these characters on every turn)."""
    return _compact(schema, inputs)  # type: ignore[no-any-return]


#: Kept out of result schemas: documentation and bounds the server itself guarantees.
_RESULT_ONLY_DOCS = frozenset(
    {"description", "default", "maximum", "minimum", "maxItems", "minItems", "maxLength"}
)


def _compact(node: Any, inputs: bool, key: str = "") -> Any:
    if isinstance(node, list):
        return [_compact(item, inputs) for item in node]
    if not isinstance(node, dict):
        return node
    if key in ("properties", "$defs"):  # keys here are names, not schema keywords
        return {name: _compact(sub, inputs) for name, sub in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options and len(options) == 2:
        other = next(o for o in options if o != {"type": "null"})
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if inputs and rest.get("default", "") is None:  # optional: simply left out
            rest.pop("default")
            node = {**other, **rest}
        elif not inputs and isinstance(other.get("type"), str):  # nullable result field
            node = {**other, "type": [other["type"], "null"], **rest}
    out = {}
    for k, v in node.items():
        if (k == "title" and isinstance(v, str)) or (k in _RESULT_ONLY_DOCS and not inputs):
            continue
        if k == "additionalProperties" and v is True:  # JSON Schema's default: says nothing
            continue
        out[k] = _compact(v, inputs, k)
    return out


def compact_input(schema: dict[str, Any]) -> None:
    compacted = compact_schema(schema)
    schema.clear()
    schema.update(compacted)
