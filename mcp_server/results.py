"""Engine results as MCP tool results: a short text an agent reads first, then the data.

Every result carries ``structuredContent`` (validated against the tool's output schema), a
summary of a few lines ending in ``Next: ...``, a ``resource_link`` to a finished MP4
(``file://`` URI, never base64), and the same JSON as text for clients that ignore structured
content.

``check_status`` answers with a ``TaskView`` for a task id and a ``BatchView`` for a batch id, so
its output schema is ``CheckStatusResult``: a root model over the union, published as an object
schema with ``anyOf`` the two shapes (``type: object`` stays at the root, as protocol versions
before 2026-07-28 require), which both the SDK server and its client validate each result against.
"""

from __future__ import annotations

import json
from pathlib import Path

from mcp.types import CallToolResult, ContentBlock, ResourceLink, TextContent
from pydantic import BaseModel, ConfigDict, RootModel

from veo_tools.money import usd
from veo_tools.types import BatchItemView, BatchView, Recommendation, TaskList, TaskView

#: ``list_tasks`` names at most this many tasks in its summary (all are in the JSON).
#: Batch results name at most this many item task ids / failed items (``BatchView.summary``).
SUMMARY_ITEMS = 10


class CheckStatusResult(RootModel[TaskView | BatchView]):
    """What ``check_status`` returns: one task (``TaskView``) or a batch summary (``BatchView``)."""

    model_config = ConfigDict(json_schema_extra={"type": "object"})


def _result(summary: str, data: BaseModel, *extra: ContentBlock) -> CallToolResult:
    structured = data.model_dump(mode="json")
    return CallToolResult(
        content=[
            TextContent(type="text", text=summary),
            *extra,
            TextContent(type="text", text=json.dumps(structured, ensure_ascii=False)),
        ],
        structured_content=structured,
    )


def task_line(view: TaskView) -> str:
    """``completed · task_id=… · model (channel, $0.30) · /path/to.mp4``."""
    parts = [_status_text(view), f"task_id={view.task_id}"]
    parts.append(f"{view.model} ({view.channel}, {usd(view.price_usd)})")
    if view.video_path:
        parts.append(view.video_path)
    if view.video_url:
        parts.append(view.video_url)
    if view.error:
        parts.append(f"error: {view.error.message}")
    return " · ".join(parts)


def _status_text(view: TaskView) -> str:
    if view.status in ("queued", "in_progress"):
        eta = f", about {view.eta_s:.0f} s left" if view.eta_s else ""
        return f"{view.status} ({view.progress}%{eta})"
    return view.status


def task_result(view: TaskView, *, note: str | None = None) -> CallToolResult:
    first = task_line(view)
    if view.deduplicated:
        first += " · deduplicated: an identical recent request (force_new=true for a new take)"
    if note:
        first += f" · {note}"
    lines = [first, *(f"Note: {text}" for text in view.notes), f"Next: {view.next_step}"]
    link = video_link(view)
    extra: tuple[ContentBlock, ...] = (link,) if link else ()
    return _result("\n".join(lines), view, *extra)


def video_link(view: TaskView) -> ResourceLink | None:
    """A ``resource_link`` to the downloaded MP4, if it is on disk."""
    if not view.video_path:
        return None
    path = Path(view.video_path)
    if not path.is_file():
        return None
    return ResourceLink(
        type="resource_link",
        uri=path.resolve().as_uri(),
        name=path.name,
        title=f"Veo video {view.task_id}",
        description=f"{view.model}: {view.prompt or ''}".strip(": "),
        mime_type="video/mp4",
        size=path.stat().st_size,
    )


def recommendation_result(rec: Recommendation) -> CallToolResult:
    lo, hi = rec.render_time_s
    summary = (
        f"Use {rec.model} ({rec.channel}, {rec.mode}) at {usd(rec.price_usd)} per video"
        f" (x{rec.count} = {usd(rec.estimated_cost_usd)}); renders in about {lo:g}-{hi:g} s."
    )
    summary += " Why: " + " ".join(rec.reasons)
    if rec.conflicts:
        summary += " Conflicts: " + " ".join(rec.conflicts)
    args = json.dumps(rec.generate_video_args, ensure_ascii=False)
    summary += f"\nNext: call generate_video with {args} plus your prompt."
    return _result(summary, rec)


def task_list_result(tasks: TaskList) -> CallToolResult:
    budget = f" of a {usd(tasks.budget_usd)} budget" if tasks.budget_usd is not None else ""
    shown = tasks.summary()
    lines = [f"{len(tasks.tasks)} task(s); {usd(tasks.spent_24h_usd)} spent in 24 h{budget}."]
    lines += [f"- {task_line(view)}" for view in shown.tasks]
    if shown.tasks_omitted:
        lines.append(
            f"... {shown.tasks_omitted} older task(s) left out: narrow with status or limit "
            "(veo-tools tasks lists them all)."
        )
    if not tasks.tasks:
        lines.append("Start one with generate_video (recommend_channel first if unsure).")
    else:
        lines.append("Follow any of them with check_status(task_id=...).")
    return _result("\n".join(lines), shown)


def batch_line(view: BatchView) -> str:
    """``running · batch_id=… · 3/5 finished (2 completed, 1 failed, 2 queued) · $0.30 spent …``."""
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view.counts.items()))
    return " · ".join(
        [
            view.status,
            f"batch_id={view.batch_id}",
            f"{view.finished_items}/{view.total} finished ({counts})",
            f"{usd(view.spent_usd)} spent of {usd(view.estimated_cost_usd)} estimated",
        ]
    )


def _failed_line(item: BatchItemView) -> str:
    reason = f"{item.error.kind}: {item.error.message}" if item.error else "no reason given"
    return f"- item {item.index} ({item.task_id}) {item.status}: {reason}"


def batch_result(view: BatchView, *, note: str | None = None) -> CallToolResult:
    """A batch summary: counts, spend, the failed items with their reasons, and what next."""
    first = batch_line(view) + (f" · {note}" if note else "")
    lines = [first]
    if view.failed:
        lines.append(f"Failed ({len(view.failed)}):")
        lines += [_failed_line(item) for item in view.failed[:SUMMARY_ITEMS]]
        failed = view.counts.get("failed", 0) + view.counts.get("interrupted", 0)
        if failed > SUMMARY_ITEMS:
            lines.append(f"... {failed - SUMMARY_ITEMS} more (list_tasks shows every task).")
    lines.append(f"Next: {view.next_step}")
    return _result("\n".join(lines), view.summary(SUMMARY_ITEMS))


def batch_started_result(view: BatchView) -> CallToolResult:
    """``generate_batch``: the batch id, its size and estimated cost, the item task ids."""
    ids = ", ".join(f"{i.index}={i.task_id}" for i in view.items[:SUMMARY_ITEMS])
    hidden = view.total - SUMMARY_ITEMS
    more = f", ... ({hidden} more: list_tasks shows them)" if hidden > 0 else ""
    reused = sum(1 for i in view.items if i.deduplicated)
    dedup = f" ({reused} identical to a recent request: not paid twice)" if reused else ""
    lines = [
        f"Batch started: batch_id={view.batch_id} · {view.total} item(s){dedup} · estimated "
        f"{usd(view.estimated_cost_usd)} (failed items are not billed)",
        f"Item task ids: {ids}{more}",
        f"Next: call check_status(task_id='{view.batch_id}', wait_seconds=...) for counts, "
        "spend and failures; each item's task_id also works with check_status.",
    ]
    return _result("\n".join(lines), view.summary(SUMMARY_ITEMS))
