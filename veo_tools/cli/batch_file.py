"""Batch files: JSON Lines or CSV, one ``generate_video`` input (plus ``seeds``/``variants``) each.

JSON Lines: one object per line; blank lines and lines starting with ``#`` are skipped. CSV: a
header row naming the fields (``prompt`` required; ``Aspect Ratio`` reads as ``aspect_ratio``),
then one row per item; empty cells are left out, ``images`` and ``seeds`` are lists separated by
``;`` or ``|``. Every item is validated and planned here, so a bad one is reported with its line
number before anything is submitted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from veo_tools.errors import InvalidRequestError
from veo_tools.service import VeoService
from veo_tools.types import BatchItemInput, explain_validation_error

FIELDS = tuple(BatchItemInput.model_fields)
_INT_FIELDS = frozenset({"seconds", "seed", "variants"})
_LIST_SEPARATORS = re.compile(r"[;|]")
_SEED_SEPARATORS = re.compile(r"[;|,\s]+")

Format = Literal["jsonl", "csv"]
Line = tuple[int, BatchItemInput]


def read_batch_file(path: str | Path) -> list[BatchItemInput]:
    """The items of a batch file, validated and planned; a bad line raises with its number."""
    name = str(path)
    text = _read(Path(path))
    if file_format(Path(path), text) == "jsonl":
        lines = parse_jsonl(text, name)
    else:
        lines = parse_csv(text, name)
    if not lines:
        raise InvalidRequestError(
            f"{name}: no items. Write one video's arguments per line (JSON Lines) or a CSV "
            "file with a header row that has a prompt column."
        )
    for number, item in lines:
        check_servable(item, f"{name} line {number}")
    return [item for _number, item in lines]


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise InvalidRequestError(f"Batch file {path} does not exist.") from None
    except IsADirectoryError:
        raise InvalidRequestError(f"{path} is a directory, not a batch file.") from None
    except UnicodeDecodeError:
        raise InvalidRequestError(f"{path} is not UTF-8 text (JSON Lines or CSV).") from None


def file_format(path: Path, text: str) -> Format:
    """By extension (``.csv``; ``.jsonl``, ``.ndjson``, ``.json``), else by the first line."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    first = next((s for line in text.splitlines() if (s := line.strip())), "")
    return "jsonl" if first.startswith(("{", "#")) else "csv"


def parse_jsonl(text: str, name: str) -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name} line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidRequestError(
                f"{where}: not valid JSON ({exc.msg}, column {exc.colno})."
            ) from None
        if not isinstance(value, dict):
            raise InvalidRequestError(
                f'{where}: expected a JSON object such as {{"prompt": "a fox at dawn"}}.'
            )
        lines.append((number, validate_item(value, where)))
    return lines


def parse_csv(text: str, name: str) -> list[Line]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    columns = _columns(header, name)
    lines: list[Line] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name} line {reader.line_num}"
        if len(row) > len(columns):
            raise InvalidRequestError(
                f"{where}: {len(row)} cells but the header has {len(columns)} columns "
                "(quote cells that contain commas)."
            )
        values = {
            column: _cell(column, cell.strip())
            for column, cell in zip(columns, row, strict=False)
            if cell.strip()
        }
        lines.append((reader.line_num, validate_item(values, where)))
    return lines


def _columns(header: list[str], name: str) -> list[str]:
    columns = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]
    unknown = [c for c in columns if c not in FIELDS]
    if unknown:
        raise InvalidRequestError(
            f"{name} line 1: unknown column(s) {', '.join(repr(c) for c in unknown)}; the "
            f"columns are the video arguments: {', '.join(FIELDS)}."
        )
    if len(set(columns)) < len(columns):
        raise InvalidRequestError(f"{name} line 1: a column appears twice in the header.")
    if "prompt" not in columns and "from_task_id" not in columns:
        raise InvalidRequestError(
            f"{name} line 1: the header row needs a prompt column (got {', '.join(columns)})."
        )
    return columns


def _cell(column: str, cell: str) -> Any:
    """A CSV cell as the field wants it: lists split, whole numbers as ints (else left for the
    model to refuse with its own message)."""
    if column == "images":
        return [part.strip() for part in _LIST_SEPARATORS.split(cell) if part.strip()]
    if column == "seeds":
        return [_int(part) for part in _SEED_SEPARATORS.split(cell) if part]
    if column in _INT_FIELDS:
        return _int(cell)
    return cell


def _int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def validate_item(value: dict[str, Any], where: str) -> BatchItemInput:
    try:
        return BatchItemInput.model_validate(value)
    except ValidationError as exc:
        raise InvalidRequestError(f"{where}: {describe(exc)}.") from None


def describe(exc: ValidationError) -> str:
    """Pydantic's errors as ``field: message`` pairs, one sentence (the shared formatter)."""
    return explain_validation_error(exc, style="fields")


def check_servable(item: BatchItemInput, where: str) -> None:
    """Plan every video of the item (pure, no I/O): what the API would refuse is refused here.

    A re-render (``from_task_id``) is planned by the engine from the journal, not here.
    """
    try:
        VeoService.check_batch_item(item)
    except InvalidRequestError as exc:
        raise InvalidRequestError(f"{where}: {exc.message}", field=exc.field) from None
