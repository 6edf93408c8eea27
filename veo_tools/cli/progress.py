"""Progress display fed by the engine's :class:`ProgressEvent` callbacks.

On a terminal it is a rich progress bar on stderr; elsewhere (a pipe, CI logs) it is one plain
line each time the status changes or the progress crosses a quarter, so logs stay readable.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from veo_tools.cli.render import first_line
from veo_tools.views import ProgressEvent

DESCRIPTION_CHARS = 48


class ProgressDisplay:
    """A context manager and a progress callback in one: ``on_progress=display``."""

    def __init__(self, console: Console, *, live: bool, quiet: bool = False) -> None:
        self._console = console
        self._quiet = quiet
        self._progress: Progress | None = None
        if live and not quiet:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=console,
            )
        self._bar: TaskID | None = None
        self._last: tuple[str, int] | None = None
        #: The task the last event was about (to say how to resume after Ctrl-C).
        self.task_id: str | None = None

    def __enter__(self) -> ProgressDisplay:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        self.task_id = event.task_id
        message = first_line(event.message, DESCRIPTION_CHARS) or event.status
        if self._progress is not None:
            description = f"{event.task_id}  {message}"
            if self._bar is None:
                self._bar = self._progress.add_task(description, total=100)
            self._progress.update(self._bar, completed=event.progress, description=description)
            return
        key = (event.status, min(event.progress, 100) // 25)
        if self._quiet or key == self._last:
            return
        self._last = key
        line = f"  {event.task_id}  {event.status:<11} {event.progress:>3}%  {message}"
        self._console.print(Text(line), soft_wrap=True)
