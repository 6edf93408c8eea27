"""The one formatter of validation errors, for every front-end."""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError

from veo_tools.words import flag

#: Echoed input (what was sent) is cut to this many characters in any error message.
ECHO_LIMIT = 60
#: A whole validation message never grows beyond this (a hostile call may carry hundreds of
#: invalid fields).
MESSAGE_LIMIT = 1500

ErrorStyle = Literal["tool", "flags", "fields"]


def explain_validation_error(exc: ValidationError, *, style: ErrorStyle = "tool") -> str:
    """One line an agent (or a CLI user) can act on: each bad field, what is wrong, what was
    sent (cut to :data:`ECHO_LIMIT` characters). ``style="flags"`` names fields as CLI flags
    (``--aspect-ratio``); ``style="fields"`` gives only the problems (a batch file line says
    where). Every front-end uses this one function."""
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"])
        if where and style == "flags":
            where = flag(where) or where.upper()
        message = str(err["msg"]).removeprefix("Value error, ")
        got = err.get("input")
        sent = f" (got {short(got)})" if isinstance(got, str | int | float | bool) else ""
        if not where and style == "tool":
            where = "arguments"
        problems.append(f"{where}: {message}{sent}" if where else f"{message}{sent}")
    text = "; ".join(problems)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    if style == "fields":
        return text.rstrip(".")
    tail = " Fix them and call the tool again." if style == "tool" else ""
    return f"Invalid arguments: {text.rstrip('.')}.{tail}"


def short(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters: how any echoed input is shown."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
