"""Reading the catalog's data: the shipped ``veo_tools/data/models.toml`` and one user override.

Both files hold ``[models."<id>"]`` tables, checked by :class:`~veo_tools.catalog_entry.ModelEntry`
(unknown fields and values outside the documented choices are refused). The override file is
``VEO_TOOLS_MODELS`` when set, else ``models.toml`` in the user config dir. A table for a shipped
id changes only the fields it gives (each field is replaced whole, ``lifecycle`` and
``render_time_s`` included); a table for a new id must give every field. A bad override never
stops the shipped catalog from loading: it is ignored as a whole, and the reason, naming the
file, the model id and the field, is kept in :attr:`Catalog.override_error`.

A file named explicitly (``VEO_TOOLS_MODELS`` or ``Settings.models_file``) that does not exist is
such an error, since its author expects it to be read; a missing file in the config dir just
means there is no override.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import platformdirs
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from veo_tools.catalog_entry import LifecycleEntry, ModelEntry
from veo_tools.catalog_table import Catalog, Model
from veo_tools.errors import ConfigurationError

ENV_VAR = "VEO_TOOLS_MODELS"
APP_NAME = "veo-tools"
#: Errors listed in one override message; the rest are counted.
MAX_LISTED_ERRORS = 5

Table = dict[str, Any]


class _FileError(Exception):
    """One or more problems in a catalog file, each already phrased for a person."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@cache
def _shipped_tables() -> Mapping[str, Table]:
    text = files("veo_tools").joinpath("data", "models.toml").read_text("utf-8")
    return MappingProxyType(_model_tables(_parse(text)))


@cache
def shipped() -> Catalog:
    """The catalog as shipped, without any override (read once per process)."""
    try:
        return _build(_shipped_tables(), shipped_ids=(), path=None)
    except _FileError as exc:  # a broken release: the tests load this file
        raise ConfigurationError(f"veo_tools/data/models.toml is invalid: {exc}") from None


def default_models_file() -> Path:
    """``models.toml`` in the user config dir (``~/.config/veo-tools`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "models.toml"


def load(models_file: Path | None = None) -> Catalog:
    """The shipped catalog with the override applied (see the module docstring)."""
    explicit = models_file is not None
    if models_file is None and (named := os.environ.get(ENV_VAR, "").strip()):
        models_file, explicit = Path(named).expanduser(), True
    path = models_file or default_models_file()
    if not explicit and not path.exists():
        return shipped()
    shipped()  # a broken shipped file is our bug, not the override's
    try:
        tables = _model_tables(_parse(_read(path)))
        base = dict(_shipped_tables())
        merged = {**base, **{i: {**base.get(i, {}), **t} for i, t in tables.items()}}
        return _build(merged, shipped_ids=base, path=path)
    except _FileError as exc:
        return Catalog(shipped().models, override_path=path, override_error=_message(path, exc))


def _message(path: Path, exc: _FileError) -> str:
    listed = exc.problems[:MAX_LISTED_ERRORS]
    more = len(exc.problems) - len(listed)
    return (
        f"Ignored the models override file {path}: "
        + "; ".join(listed)
        + (f"; and {more} more problem(s)" if more else "")
        + ". The shipped catalog is used instead: fix or remove the file."
    )


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise _FileError(["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _FileError([f"the file cannot be read ({exc})"]) from None


def _parse(text: str) -> Table:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _FileError([f"not valid TOML: {exc}"]) from None


def _model_tables(document: Table) -> dict[str, Table]:
    unknown = [key for key in document if key != "models"]
    if unknown:
        raise _FileError(
            [
                f"unknown top-level key(s) {', '.join(map(repr, unknown))}; put each model in a "
                '[models."<id>"] table'
            ]
        )
    models = document.get("models", {})
    if not isinstance(models, dict):
        raise _FileError(['"models" must be a table of [models."<id>"] tables'])
    bad = [
        f"model {i!r}: must be a table of fields"
        for i, t in models.items()
        if not isinstance(t, dict)
    ]
    if bad:
        raise _FileError(bad)
    return models


def _build(
    tables: Mapping[str, Table], *, shipped_ids: Iterable[str], path: Path | None
) -> Catalog:
    models: dict[str, Model] = {}
    problems: list[str] = []
    for model_id, table in tables.items():
        try:
            models[model_id] = ModelEntry.model_validate(table).to_model(model_id)
        except ValidationError as exc:
            problems += _problems(model_id, exc, shipped_ids)
    if problems:
        raise _FileError(problems)
    return Catalog(MappingProxyType(models), override_path=path)


def _problems(model_id: str, exc: ValidationError, shipped_ids: Iterable[str]) -> list[str]:
    errors = exc.errors()
    problems = [_problem(model_id, err) for err in errors if err["type"] != "missing"]
    # Only a new id can miss a field: a shipped id's table is merged over the shipped one.
    missing = ", ".join(
        repr(".".join(map(str, e["loc"]))) for e in errors if e["type"] == "missing"
    )
    if missing:
        close = difflib.get_close_matches(model_id, list(shipped_ids), n=1)
        typo = f" (or did you mean the shipped {close[0]!r}?)" if close else ""
        problems.insert(
            0,
            f"model {model_id!r}, field(s) {missing}: missing; a model that is not in the "
            f"shipped catalog must give every field{typo}",
        )
    return problems


def _problem(model_id: str, err: ErrorDetails) -> str:
    where = ".".join(str(part) for part in err["loc"]) or "(the table)"
    if err["type"] == "extra_forbidden":
        entry = (
            LifecycleEntry if err["loc"][0] == "lifecycle" and len(err["loc"]) > 1 else ModelEntry
        )
        why = f"unknown field (known: {', '.join(entry.model_fields)})"
    else:
        got = repr(err["input"])
        got = got if len(got) <= 60 else got[:57] + "..."
        why = f"{err['msg'].removeprefix('Value error, ')} (got {got})"
    return f"model {model_id!r}, field {where!r}: {why}"
