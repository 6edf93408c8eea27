"""Engine results as MCP tool results: a short text an agent reads first, then the data.

Every result carries ``structuredContent`` (validated against the tool's output schema), a one-
or two-line summary, a ``resource_link`` to a finished MP4 (``file://`` URI, never base64), and
the same JSON as text for clients that ignore structured content.
"""

from __future__ import annotations

import json
from pathlib import Path

from mcp.types import CallToolResult, ContentBlock, ResourceLink, TextContent
from pydantic import BaseModel

from veo_tools.models import Recommendation, TaskList, TaskView

#: ``list_tasks`` names at most this many tasks in its summary (all are in the JSON).
SUMMARY_TASKS = 10


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
    """``completed · task_id=… · model (channel, $0.3) · /path/to.mp4``."""
    parts = [_status_text(view), f"task_id={view.task_id}"]
    parts.append(f"{view.model} ({view.channel}, ${view.price_usd:g})")
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
    link = video_link(view)
    extra: tuple[ContentBlock, ...] = (link,) if link else ()
    return _result(f"{first}\nNext: {view.next_step}", view, *extra)


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
        f"Use {rec.model} ({rec.channel}, {rec.mode}) at ${rec.price_usd:g} per video"
        f" (x{rec.count} = ${rec.estimated_cost_usd:g}); renders in about {lo:g}-{hi:g} s."
    )
    summary += " Why: " + " ".join(rec.reasons)
    if rec.conflicts:
        summary += " Conflicts: " + " ".join(rec.conflicts)
    args = json.dumps(rec.generate_video_args, ensure_ascii=False)
    summary += f"\nNext: call generate_video with {args} plus your prompt."
    return _result(summary, rec)


def task_list_result(tasks: TaskList) -> CallToolResult:
    budget = f" of a ${tasks.budget_usd:g} budget" if tasks.budget_usd is not None else ""
    lines = [f"{len(tasks.tasks)} task(s); ${tasks.spent_24h_usd:g} spent in 24 h{budget}."]
    lines += [f"- {task_line(view)}" for view in tasks.tasks[:SUMMARY_TASKS]]
    if len(tasks.tasks) > SUMMARY_TASKS:
        lines.append(f"... {len(tasks.tasks) - SUMMARY_TASKS} more in the JSON below.")
    if not tasks.tasks:
        lines.append("Start one with generate_video (recommend_channel first if unsure).")
    else:
        lines.append("Follow any of them with check_status(task_id=...).")
    return _result("\n".join(lines), tasks)
