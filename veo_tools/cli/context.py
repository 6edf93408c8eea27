"""What every command gets: the two consoles, the global options, and the engine's settings."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from rich.console import Console

from veo_tools.settings import Settings

#: Width used when stdout is not a terminal (a pipe, a file, CI logs) and ``COLUMNS`` is unset:
#: wide enough for paths.
PLAIN_WIDTH = 120


@dataclass
class Cli:
    """Global options and output channels of one ``veo-tools`` invocation.

    Results go to ``out`` (stdout); progress, notes and errors go to ``err`` (stderr), so that
    with ``--json`` stdout holds nothing but the JSON document.
    """

    out: Console
    err: Console
    json: bool = False
    debug: bool = False
    sandbox: bool = False
    #: The task or batch a command is following, to say how to resume it after Ctrl-C.
    task_id: str | None = None
    batch_id: str | None = None

    @classmethod
    def create(cls, *, json: bool = False, debug: bool = False, sandbox: bool = False) -> Cli:
        return cls(
            out=_console(stderr=False),
            err=_console(stderr=True),
            json=json,
            debug=debug,
            sandbox=sandbox,
        )

    def settings(self, **overrides: Any) -> Settings:
        """Settings from the environment; ``--sandbox`` and explicit overrides win."""
        return Settings.from_env(sandbox=True if self.sandbox else None, **overrides)

    def emit_json(self, document: BaseModel | str) -> None:
        """Write one JSON document to stdout, unformatted by rich (scripts parse it)."""
        text = document if isinstance(document, str) else document.model_dump_json(indent=2)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    @property
    def live(self) -> bool:
        """Whether stderr is a terminal that can show an animated progress bar."""
        return self.err.is_terminal


def _console(*, stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    # Rich itself reads COLUMNS (and the terminal size) when no width is given.
    columns = os.environ.get("COLUMNS", "").strip()
    width = None if tty or columns.isdigit() else PLAIN_WIDTH
    return Console(stderr=stderr, highlight=False, width=width)


@dataclass(frozen=True)
class Command:
    """One sub-command: its parser setup and its handler (sync, or async run by ``main``)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Cli, argparse.Namespace], int | Coroutine[Any, Any, int]]
    description: str = ""
