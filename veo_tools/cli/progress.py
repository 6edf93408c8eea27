"""Progress displays fed by the engine's :class:`ProgressEvent` callbacks.

On a terminal they are rich progress bars on stderr; elsewhere (a pipe, CI logs) plain lines,
only when something changes, so logs stay readable. ``ProgressDisplay`` follows one task,
``BatchProgress`` the items of a batch.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

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

from veo_tools.cli.render import ENDED, first_line, status_text
from veo_tools.types import BatchView, ProgressEvent

#: Long enough for "queued at last check 40 s ago · ~45% (estimated)".
DESCRIPTION_CHARS = 60


def _bars(console: Console, *, transient: bool = False) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
    )


class _LiveDisplay:
    """A rich ``Progress`` that is live inside a ``with`` block (absent off a terminal)."""

    _progress: Progress | None

    def __enter__(self) -> Self:
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


class ProgressDisplay(_LiveDisplay):
    """A context manager and a progress callback in one: ``on_progress=display``."""

    def __init__(self, console: Console, *, live: bool, quiet: bool = False) -> None:
        self._console = console
        self._quiet = quiet
        self._progress = _bars(console) if live and not quiet else None
        self._bar: TaskID | None = None
        self._last: tuple[str, int] | None = None
        #: The task the last event was about (to say how to resume after Ctrl-C).
        self.task_id: str | None = None

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


class BatchProgress(_LiveDisplay):
    """Progress of a batch, fed by the engine's per-task events (``on_progress=display``).

    On a terminal: an overall bar plus one bar per item in flight; each item that ends prints a
    line above the bars, which vanish when the batch is done (the result table follows). Elsewhere:
    one plain line per item each time its status changes.
    """

    def __init__(self, console: Console, *, live: bool, quiet: bool = False) -> None:
        self._console = console
        self._quiet = quiet
        self._progress = _bars(console, transient=True) if live and not quiet else None
        self._overall: TaskID | None = None
        self._bars: dict[str, TaskID] = {}
        #: Item label per task ("#3"; a task serving several items is labelled by the first).
        self._labels: dict[str, str] = {}
        self._items: dict[str, int] = {}
        self._status: dict[str, str] = {}
        self._ended: set[str] = set()
        self._batch_id = ""
        self._done = 0
        self._total = 0

    def start(self, view: BatchView) -> None:
        """Learn the items (and which already ended) of the batch about to run."""
        self._batch_id = view.batch_id
        self._total = view.total
        for item in view.items:
            if item.task_id is None:
                continue
            self._labels.setdefault(item.task_id, f"#{item.index}")
            self._items[item.task_id] = self._items.get(item.task_id, 0) + 1
            if item.status in ENDED:
                self._ended.add(item.task_id)
                self._done += 1
        if self._progress is not None:
            self._overall = self._progress.add_task(
                self._overall_text(), total=max(1, self._total), completed=self._done
            )

    def _overall_text(self) -> str:
        return f"{self._batch_id}  {self._done}/{self._total} done"

    def __call__(self, event: ProgressEvent) -> None:
        if event.task_id in self._ended:
            return
        ended = event.status in ENDED
        if ended:
            self._ended.add(event.task_id)
            self._done += self._items.get(event.task_id, 1)
        name = f"{self._labels.get(event.task_id, '#?'):>4}  {event.task_id}"
        message = first_line(event.message, DESCRIPTION_CHARS)
        message = "" if message == event.status else message
        if self._progress is not None:
            self._live(self._progress, event, name, message, ended)
        elif not self._quiet and self._status.get(event.task_id) != event.status:
            self._status[event.task_id] = event.status
            count = f"[{self._done}/{self._total} done]" if ended else ""
            parts = [f"  {name}  {event.status:<11} {event.progress:>3}%", message, count]
            self._console.print(Text("  ".join(p for p in parts if p)), soft_wrap=True)

    def _live(
        self, progress: Progress, event: ProgressEvent, name: str, message: str, ended: bool
    ) -> None:
        bar = self._bars.get(event.task_id)
        if ended:
            if bar is not None:
                progress.remove_task(bar)
                del self._bars[event.task_id]
            line = Text(f"{name}  ").append(status_text(event.status)).append(f"  {message}")
            line.rstrip()
            progress.console.print(line, soft_wrap=True)
            if self._overall is not None:
                progress.update(
                    self._overall, completed=self._done, description=self._overall_text()
                )
            return
        description = f"{name}  {message or event.status}"
        if bar is None:
            bar = self._bars[event.task_id] = progress.add_task(description, total=100)
        progress.update(bar, completed=event.progress, description=description)
