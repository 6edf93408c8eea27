"""Helpers shared by the bench scripts: knobs from argv/env, markdown tables, target records.

A bench module exposes ``main(argv: list[str] | None = None) -> dict``; it prints a markdown
snippet and returns its figures. ``run_all.py`` reads an optional ``"targets"`` list from that
dict (each entry made by :func:`target`) to say which targets are met.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from typing import Any


def env_number(name: str, default: float) -> float:
    """A number from the environment (``default`` when unset or empty)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number") from None


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def target(name: str, goal: str, value: str, met: bool, note: str = "") -> dict[str, Any]:
    """One target line for ``RESULTS.md``."""
    return {"name": name, "goal": goal, "value": value, "met": met, "note": note}


def mean_and_sem(values: Sequence[float]) -> tuple[float, float]:
    """Mean and its standard error (0 for fewer than two values)."""
    if not values:
        return float("nan"), float("nan")
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, statistics.stdev(values) / len(values) ** 0.5
