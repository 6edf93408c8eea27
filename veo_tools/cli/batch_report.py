"""What a batch shows and leaves behind: the plan of a dry run, the result table, and the JSON
Lines report (one ``TaskView`` per item, in input order) written next to the videos."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from veo_tools.cli.render import (
    ENDED,
    GALLERY_HINT,
    first_line,
    money,
    short_path,
    status_text,
    whole_column,
)
from veo_tools.service import VeoService
from veo_tools.types import BatchPlan, BatchView, TaskList, TaskView
from veo_tools.words import for_person

# ---- the report file -----------------------------------------------------------------------


async def report_views(service: VeoService, view: BatchView) -> list[TaskView]:
    """One ``TaskView`` per item, in input order, read from the journal (no API call: an item
    still running after the batch's deadline is reported as the journal last saw it)."""
    return await service.batch_task_views(view)


def write_report(path: Path, views: Sequence[TaskView]) -> Path:
    """Write the JSON Lines report atomically (a reader never sees half a report); return its
    absolute path."""
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with part.open("w", encoding="utf-8") as handle:
            handle.writelines(v.model_dump_json() + "\n" for v in views)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


# ---- dry run -------------------------------------------------------------------------------


def plan_view(plan: BatchPlan, tasks: TaskList) -> Group:
    """Every video the batch would make, its price, the totals and the budget headroom."""
    table = Table(box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    rows = [
        (
            str(row.index),
            row.channel,
            Text(row.model, overflow="fold"),
            row.mode,
            "-" if row.seed is None else str(row.seed),
            money(row.price_usd),
            Text(first_line(row.prompt, 60), overflow="ellipsis"),
        )
        for row in plan.items
    ]
    # The price is the point of a dry run: it is never cut; the prompt wraps first.
    whole_column(table, "#", [row[0] for row in rows], justify="right")
    whole_column(table, "channel", [row[1] for row in rows])
    table.add_column("model", overflow="fold")
    table.add_column("mode")
    table.add_column("seed")
    whole_column(table, "price", [row[5] for row in rows], justify="right")
    table.add_column("prompt", overflow="ellipsis")
    for cells in rows:
        table.add_row(*cells)
    by_channel = ", ".join(f"{ch} {money(usd)}" for ch, usd in sorted(plan.by_channel.items()))
    videos = len(plan.items)
    lines = [
        Text(f"Total: {money(plan.total_usd)} for {videos} video(s) ({by_channel})."),
        Text("Dry run: nothing was submitted. Failed videos are not billed."),
    ]
    if tasks.budget_usd is not None:
        spent, cap = tasks.spent_24h_usd, tasks.budget_usd
        fits = spent + plan.total_usd <= cap + 1e-9
        verdict = "fits" if fits else "would be refused by the budget guard"
        lines.append(
            Text(
                f"Budget: {money(spent)} of {money(cap)} spent in the last 24 h; this batch "
                f"{verdict}.",
                style="" if fits else "yellow",
            )
        )
    return Group(table, *lines)


# ---- results -------------------------------------------------------------------------------


def batch_table(view: BatchView) -> Table:
    """One row per item; fits 80 columns (the models are in the dry run and the report)."""
    table = Table(box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    rows = []
    for item in view.items:
        if item.error and item.status != "completed":
            message = first_line(for_person(item.error.message), 60)
            detail = Text(f"{item.error.kind}: {message}", style="red")
        else:
            detail = Text(short_path(item.video_path))
        status = item.status or "not recorded"
        rows.append(
            (
                str(item.index),
                Text(item.task_id or "-"),
                status_text(status, " (dup)" if item.deduplicated else ""),
                _price(item.price_usd, billed=item.status != "failed"),
                detail,
            )
        )
    whole_column(table, "#", [row[0] for row in rows], justify="right")
    whole_column(table, "task", [row[1] for row in rows])
    whole_column(table, "status", [row[2] for row in rows])
    whole_column(table, "price", [row[3] for row in rows], justify="right")
    table.add_column("file or error", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


_ORDER = {s: i for i, s in enumerate(("completed", "failed", "interrupted", "in_progress"))}


def _price(usd: float | None, *, billed: bool) -> Text:
    if usd is None:
        return Text("-")
    return Text(money(usd), style="" if billed else "dim strike")


def counts_text(view: BatchView) -> str:
    counts = sorted(view.counts.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER)))
    return ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts)


def unfinished(view: BatchView) -> int:
    return sum(1 for item in view.items if item.status not in ENDED)


def unsaved(view: BatchView) -> int:
    return sum(1 for item in view.items if item.status == "completed" and not item.video_path)


def next_step(view: BatchView) -> str:
    """The CLI's advice (the engine's ``next_step`` speaks to agents in tool calls)."""
    resume = f"veo-tools batch --resume {view.batch_id}"
    if unfinished(view):
        return f"Not finished: run  {resume}  (finished or sent items are not sent again)."
    if unsaved(view):
        return f"Some videos are rendered but not saved: run  {resume}  to download them."
    if view.failed:
        return (
            "Failed items are not billed: fix their prompts (see the error column) and run them "
            "as a new batch."
        )
    return "Done: every video is saved."


def summary_lines(view: BatchView, report: Path) -> list[Text]:
    return [
        Text(
            f"Batch {view.batch_id}: {view.total} item(s): {counts_text(view)}. Spent "
            f"{money(view.spent_usd)} (failed items are not billed)."
        ),
        Text(f"Report: {short_path(report)}"),
        Text(next_step(view)),
        Text(GALLERY_HINT),
    ]
