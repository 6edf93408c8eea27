"""Progress while a tool waits: LangGraph's custom stream and LangChain custom events.

Inside a LangGraph run (``create_agent``, a ``ToolNode``) each event goes to the stream writer, so
``graph.astream(..., stream_mode="custom")`` yields it. It is also dispatched as the custom
callback event :data:`PROGRESS_EVENT`, which callback handlers (``on_custom_event``) and
``astream_events`` see, inside a graph or not. LangGraph is imported only when present.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event

from veo_tools.types import ProgressEvent

#: Name of the custom callback event carrying progress (``astream_events``: ``on_custom_event``).
PROGRESS_EVENT = "veo_progress"

StreamWriter = Callable[[Any], None]


def progress_payload(tool: str, event: ProgressEvent) -> dict[str, Any]:
    return {
        "tool": tool,
        "task_id": event.task_id,
        "status": event.status,
        "progress": event.progress,
        "message": event.message,
    }


def emit_progress(payload: dict[str, Any]) -> None:
    """Report progress from a sync tool call (in the thread running the tool)."""
    if writer := _stream_writer():
        writer(payload)
    # RuntimeError: no parent run, i.e. the tool's _run was called outside invoke().
    with contextlib.suppress(RuntimeError):
        dispatch_custom_event(PROGRESS_EVENT, payload)


async def aemit_progress(payload: dict[str, Any]) -> None:
    """Report progress from an async tool call (in the task running the tool)."""
    if writer := _stream_writer():
        writer(payload)
    with contextlib.suppress(RuntimeError):
        await adispatch_custom_event(PROGRESS_EVENT, payload)


def _stream_writer() -> StreamWriter | None:
    get_stream_writer = _langgraph_get_stream_writer()
    if get_stream_writer is None:
        return None
    try:
        return get_stream_writer()
    except (RuntimeError, KeyError):
        return None  # not inside a LangGraph run


@functools.cache
def _langgraph_get_stream_writer() -> Callable[[], StreamWriter] | None:
    try:
        from langgraph.config import get_stream_writer
    except ImportError:
        return None
    return get_stream_writer
