"""Rich renderables for the engine's results. Dynamic text is never parsed as rich markup
(prompts may contain ``[sandbox:…]`` markers and server messages may contain brackets)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from rich import box
from rich.console import (
    Console,
    ConsoleOptions,
    Group,
    JustifyMethod,
    RenderableType,
    RenderResult,
)
from rich.table import Table
from rich.text import Text

from veo_tools.money import usd as usd_text
from veo_tools.types import Recommendation, TaskList, TaskView
from veo_tools.words import for_person

#: The line under the task list and a batch's summary that points at ``veo-tools gallery``.
GALLERY_HINT = "Gallery: veo-tools gallery (an HTML page to watch the saved videos)"

#: Public statuses after which a task changes no more.
ENDED = frozenset({"completed", "failed", "interrupted"})

STATUS_STYLES = {
    "completed": "green",
    "failed": "red",
    "interrupted": "yellow",
    "queued": "cyan",
    "in_progress": "cyan",
}


def money(usd: float) -> str:
    return usd_text(usd)


def whole_column(
    table: Table, header: str, cells: Iterable[str | Text], *, justify: JustifyMethod = "left"
) -> None:
    """Add a column that is never cut or wrapped (ids, prices, statuses: people copy them);
    when the terminal is narrow, the other columns wrap instead."""
    width = max([len(header), *(len(c) if isinstance(c, str) else c.cell_len for c in cells)])
    table.add_column(header, no_wrap=True, min_width=width, justify=justify)


def first_line(text: str, limit: int = 80) -> str:
    """The first non-empty line of ``text``, shortened to ``limit`` characters."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def short_path(path: str | Path | None) -> str:
    """A path relative to the current directory when it lies inside it, else absolute."""
    if not path:
        return "-"
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def status_text(status: str, suffix: str = "") -> Text:
    return Text(status + suffix, style=STATUS_STYLES.get(status, ""))


def billed_text(view: TaskView) -> Text:
    if view.status == "failed":
        return Text("no (failed)", style="green")
    if view.status == "interrupted":
        # Only a simulated (sandbox) task is known not to be billed when interrupted.
        return Text("no (simulated)") if not view.billed else Text("unknown", style="yellow")
    if view.status != "completed":
        return Text("if it completes (failures are free)")
    return Text("yes")


def task_details(view: TaskView, *, command: str = "veo-tools") -> Table:
    """A two-column summary of one task: what it is, where it stands, what to do next."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("task", Text(view.task_id))
    grid.add_row("status", status_text(view.status, f" ({view.progress}%)"))
    grid.add_row("model", Text(f"{view.model} ({view.channel})"))
    grid.add_row("price", Text.assemble(money(view.price_usd), ", billed: ", billed_text(view)))
    if view.prompt:
        grid.add_row("prompt", Text(first_line(view.prompt, 100)))
    if view.video_path:
        grid.add_row("file", Text(short_path(view.video_path)))
    if view.video_url:
        grid.add_row("url", Text(view.video_url))
    if view.error:
        message = for_person(view.error.message)
        grid.add_row("error", Text(f"{view.error.kind}: {message}", style="red"))
    if view.deduplicated:
        grid.add_row(
            "deduplicated",
            Text(
                "an identical request ran in the last 15 minutes; this is that task, not a new "
                "one (nothing paid twice). Use --force-new for another take."
            ),
        )
    for index, note in enumerate(view.notes):
        grid.add_row("notes" if index == 0 else "", Text(note))
    if view.eta_s is not None:
        grid.add_row("eta", Text(f"about {max(1, round(view.eta_s))} s"))
    grid.add_row("next", Text(_next_step(view, command)))
    return grid


def _next_step(view: TaskView, command: str) -> str:
    """The engine's advice, with the CLI command to follow a task that is still running
    (``command`` keeps ``--sandbox``: the sandbox's tasks are in their own journal)."""
    if view.status in ("queued", "in_progress"):
        return f"Still rendering: follow it with  {command} status {view.task_id} --wait 600"
    return view.next_step_for("person")


def recommendation_view(rec: Recommendation) -> Group:
    """The pick, why, the alternatives and any conflicts, and the matching generate command."""
    pick = Table.grid(padding=(0, 2))
    pick.add_column(style="bold")
    pick.add_column(overflow="fold")
    pick.add_row("pick", Text(f"{rec.model} ({rec.channel})", style="green"))
    pick.add_row("endpoint", Text(f"{rec.endpoint} ({rec.mode})"))
    pick.add_row(
        "price",
        Text(f"{money(rec.price_usd)} per video; {rec.count} = {money(rec.estimated_cost_usd)}"),
    )
    low, high = rec.render_time_s
    pick.add_row("render time", Text(f"typically {low:g}-{high:g} s"))
    for index, reason in enumerate(rec.reasons):
        pick.add_row("why" if index == 0 else "", Text(reason))
    for index, conflict in enumerate(rec.conflicts):
        pick.add_row("conflict" if index == 0 else "", Text(conflict, style="yellow"))
    pick.add_row("try", Text(generate_command(rec)))
    parts: list[RenderableType] = [pick, Text(""), alternatives_table(rec)]
    return Group(*parts)


def alternatives_table(rec: Recommendation) -> Table:
    table = Table(title="Alternatives", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("model")
    table.add_column("channel")
    table.add_column("price", justify="right")
    table.add_column("trade-off", overflow="fold")
    for alt in rec.alternatives:
        table.add_row(Text(alt.model), alt.channel, money(alt.price_usd), Text(alt.trade_off))
    return table


def generate_command(rec: Recommendation) -> str:
    """The ``veo-tools generate`` line that runs the recommendation as it stands."""
    flags = []
    for name, value in rec.generate_video_args.items():
        if name == "channel" or value is None:
            continue  # the model implies the channel
        flags.append(f"--{name.replace('_', '-')} {value}")
    return " ".join(["veo-tools generate 'PROMPT'", *flags])


class FitToWidth:
    """A renderable built for the width it is printed at (narrow terminals drop columns)."""

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self._build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._build(options.max_width)


#: Below this width the task list leaves out its ``created`` and ``billed`` columns.
NARROW = 110


def task_list_table(tasks: TaskList) -> Group:
    table = FitToWidth(lambda width: _task_table(tasks, wide=width >= NARROW))
    budget = money(tasks.budget_usd) if tasks.budget_usd is not None else "no cap"
    footer = Text(
        f"Spent in the last 24 h: {money(tasks.spent_24h_usd)} (budget: {budget}; failed tasks "
        "are not billed)."
    )
    if not tasks.tasks:
        return Group(Text("No tasks recorded yet."), footer)
    return Group(table, footer, Text(GALLERY_HINT))


def _task_table(tasks: TaskList, *, wide: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    rows = [
        (
            Text(view.task_id),
            view.created_at.replace("T", " ").replace("+00:00", ""),
            Text(view.model, overflow="fold"),
            status_text(view.status, f" {view.progress}%" if view.status != "completed" else ""),
            money(view.price_usd),
            billed_text(view),
            Text(short_path(view.video_path), overflow="fold"),
        )
        for view in tasks.tasks
    ]
    whole_column(table, "task", [row[0] for row in rows])
    if wide:
        table.add_column("created (UTC)")
    table.add_column("model", overflow="fold")
    whole_column(table, "status", [row[3] for row in rows])
    whole_column(table, "price", [row[4] for row in rows], justify="right")
    if wide:
        table.add_column("billed")
    table.add_column("file", overflow="fold")
    for task, created, model, status, price, billed, file in rows:
        extra = (created, model, status, price, billed) if wide else (model, status, price)
        table.add_row(task, *extra, file)
    return table
