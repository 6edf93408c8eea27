"""The five tools: thin adapters from MCP calls to ``VeoService``.

Each tool validates its flat arguments with the shared input model, calls the engine, and turns
the result (or a ``VeoError``) into an MCP result (or a ``ToolError``). No business logic here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ValidationError

from mcp_server.batches import follow_batch, is_batch_id
from mcp_server.progress import ProgressRelay
from mcp_server.results import (
    CheckStatusResult,
    batch_result,
    batch_started_result,
    recommendation_result,
    task_list_result,
    task_result,
)
from mcp_server.schema import flat_tool
from mcp_server.state import AppState
from veo_tools.errors import VeoError
from veo_tools.recommend import recommend_channel as recommend
from veo_tools.types import (
    BatchView,
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    Recommendation,
    RecommendChannelInput,
    TaskList,
    TaskView,
    explain_validation_error,
)

log = logging.getLogger(__name__)

InputT = TypeVar("InputT", bound=BaseModel)
AppContext = Context[AppState, Any]


def _state(ctx: AppContext) -> AppState:
    return ctx.request_context.lifespan_context


def _parse(model: type[InputT], arguments: dict[str, Any]) -> InputT:
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        raise ToolError(explain_validation_error(exc)) from None


@contextmanager
def _engine_errors(tool: str) -> Iterator[None]:
    """``VeoError`` -> its actionable message; anything unexpected -> a generic, safe message."""
    try:
        yield
    except ToolError:
        raise
    except VeoError as exc:
        raise ToolError(exc.message) from None
    except Exception as exc:
        log.exception("%s failed unexpectedly", tool)
        raise ToolError(
            f"{tool} hit an internal error ({type(exc).__name__}); the details are in the server "
            "log. Any task created before the error is kept: call list_tasks before retrying."
        ) from None


def _cap_note(requested: float, granted: float) -> str | None:
    if requested > granted:
        return f"waited at most {granted:g} s (this server's inline cap)"
    return None


async def generate_video(ctx: AppContext, **arguments: Any) -> Annotated[CallToolResult, TaskView]:
    state = _state(ctx)
    with _engine_errors("generate_video"):
        request = _parse(GenerateVideoInput, arguments)
        service = state.require_service()
        wait = state.cap_wait(request.wait_seconds)
        async with ProgressRelay(ctx) as relay:
            await relay.report(0, "submitting the task")
            # Once the create request leaves it must be journaled with its answer, even if the
            # client abandons the call now: never leave a paid task half-recorded.
            with anyio.CancelScope(shield=True):
                view = await service.generate(request, wait_seconds=0)
            if wait > 0:
                waited = await service.wait(view.task_id, timeout=wait, on_progress=relay)
                # The wait reads the journal afresh: keep what only the submission knew.
                view = waited.model_copy(
                    update={"notes": view.notes, "deduplicated": view.deduplicated}
                )
    return task_result(view, note=_cap_note(request.wait_seconds, wait))


async def generate_batch(ctx: AppContext, **arguments: Any) -> Annotated[CallToolResult, BatchView]:
    state = _state(ctx)
    with _engine_errors("generate_batch"):
        request = _parse(GenerateBatchInput, arguments)
        service = state.require_service()
        # Checked, priced and journaled before it returns; the items then run in the background
        # of the server's engine, on this loop, until they end or the engine is closed (the
        # lifespan closes the engine it opened on shutdown, which cancels the batch).
        with anyio.CancelScope(shield=True):
            view = await service.generate_batch(
                request.items, concurrency=request.concurrency, wait=False
            )
    return batch_started_result(view)


async def check_status(
    ctx: AppContext, **arguments: Any
) -> Annotated[CallToolResult, CheckStatusResult]:
    state = _state(ctx)
    with _engine_errors("check_status"):
        request = _parse(CheckStatusInput, arguments)
        service = state.require_service()
        wait = state.cap_wait(request.wait_seconds)
        note = _cap_note(request.wait_seconds, wait)
        if is_batch_id(request.task_id):
            batch = await follow_batch(ctx, service, request.task_id, wait)
            return batch_result(batch, note=note)
        async with ProgressRelay(ctx) as relay:
            view = await service.check_status(
                request.task_id, wait_seconds=wait, download=request.download, on_progress=relay
            )
    return task_result(view, note=note)


async def recommend_channel(
    ctx: AppContext, **arguments: Any
) -> Annotated[CallToolResult, Recommendation]:
    with _engine_errors("recommend_channel"):
        return recommendation_result(recommend(_parse(RecommendChannelInput, arguments)))


async def list_tasks(ctx: AppContext, **arguments: Any) -> Annotated[CallToolResult, TaskList]:
    state = _state(ctx)
    with _engine_errors("list_tasks"):
        request = _parse(ListTasksInput, arguments)
        return task_list_result(state.require_service().list_tasks(request))


def _descriptions(max_wait_s: float) -> dict[str, str]:
    cap = (
        f"wait_seconds is capped at {max_wait_s:g} s on this server; a longer job keeps running "
        "and you get its task_id and next_step."
    )
    return {
        "generate_video": (
            "Start a Google Veo 3.1 video (paid per video, not per second; failed tasks are not "
            "billed). Submits at once and, with wait_seconds > 0, waits inline while sending "
            f"progress. {cap} Returns task_id, status, price, next_step and, when done, the MP4's "
            "local video_path (also as a resource_link) and video_url. An identical recent request "
            "returns the earlier task (deduplicated=true) unless force_new=true. To deliver the "
            "final version of an earlier draft (e.g. a cheap Reverse fast take), pass its task_id "
            "as from_task_id: its prompt and frames are reused on Official standard unless you "
            "choose another channel or model; notes say what could not carry over."
        ),
        "generate_batch": (
            "Start many videos at once (a matrix of prompts; seeds or variants on an item make "
            "one video per seed) instead of many generate_video calls. The whole batch is "
            "validated, priced and checked against the budget before anything is submitted, so "
            "a bad item or an over-budget batch costs nothing. Returns at once, never waiting for "
            "the videos: batch_id, estimated_cost_usd and every item's task_id. The videos keep "
            "rendering on the server (concurrency per channel); follow them with "
            "check_status(task_id=batch_id). Paid per video: tell the user the estimated cost."
        ),
        "check_status": (
            "Follow a task started by generate_video (or listed by list_tasks): refreshes its "
            "status, optionally waits inline with progress, and downloads the finished MP4 to "
            "video_path. Given a batch_id (starts with 'batch_') it returns the batch summary "
            "instead: status, counts by status, estimated and spent USD, failed items with "
            "their error, and items with task_id and video_path; waiting reports progress as "
            f"finished/total items. {cap} Safe to call repeatedly; never starts or pays for "
            "anything."
        ),
        "recommend_channel": (
            "Pick the channel and model for a video before paying: give your needs (frame-to-"
            "video, images, live progress, resolution, length, orientation, priority, batch "
            "size or a business scenario). Returns the model, price, cost for the batch, render "
            "time, reasons, alternatives, conflicts and ready-to-use generate_video arguments. "
            "Free, offline, instant."
        ),
        "list_tasks": (
            "List the video tasks this machine knows (newest first), with status, video_path "
            "and next_step, plus the spend of the last 24 hours. Use it to find a task_id again "
            "after a time-out, a cancelled call or a restart."
        ),
    }


_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, destructive_hint=False)


def build_tools(max_wait_s: float) -> list[Tool]:
    """The five tools, with titles, annotations and descriptions for this server's wait cap."""
    text = _descriptions(max_wait_s)
    specs: list[tuple[Any, type[BaseModel], type[BaseModel], str, ToolAnnotations]] = [
        (
            generate_video,
            GenerateVideoInput,
            TaskView,
            "Generate a video (Veo 3.1)",
            ToolAnnotations(
                read_only_hint=False,
                destructive_hint=False,
                idempotent_hint=False,
                open_world_hint=True,
            ),
        ),
        (
            generate_batch,
            GenerateBatchInput,
            BatchView,
            "Generate a batch of videos (Veo 3.1)",
            ToolAnnotations(
                read_only_hint=False,
                destructive_hint=False,
                idempotent_hint=False,
                open_world_hint=True,
            ),
        ),
        (
            check_status,
            CheckStatusInput,
            CheckStatusResult,
            "Check a video task or batch",
            _READ_ONLY.model_copy(update={"open_world_hint": True}),
        ),
        (
            recommend_channel,
            RecommendChannelInput,
            Recommendation,
            "Recommend a channel and model",
            _READ_ONLY.model_copy(update={"open_world_hint": False}),
        ),
        (
            list_tasks,
            ListTasksInput,
            TaskList,
            "List video tasks",
            _READ_ONLY.model_copy(update={"open_world_hint": False}),
        ),
    ]
    return [
        flat_tool(
            fn,
            model,
            output,
            title=title,
            description=text[fn.__name__],
            annotations=annotations,
        )
        for fn, model, output, title, annotations in specs
    ]
