"""Shared types of the CLI tests (a module of its own: test files cannot import a conftest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """What one in-process ``veo-tools`` run gave: its exit code, stdout and stderr."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]
