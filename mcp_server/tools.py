"""The five tools: thin adapters from MCP calls to ``VeoService``.

Each tool validates its flat arguments with the shared input model, calls the engine, and turns
the result (or a ``VeoError``) into an MCP result (or a ``ToolError``). No business logic here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ValidationError

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
from veo_tools.wording import (
    CHECK_STATUS,
    GENERATE_BATCH,
    GENERATE_VIDEO,
    LIST_TASKS,
    RECOMMEND_CHANNEL,
    TITLES,
    descriptions,
    inline_cap_note,
    internal_error,
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
        raise ToolError(internal_error(tool, exc)) from None


async def generate_video(ctx: AppContext, **arguments: Any) -> Annotated[CallToolResult, TaskView]:
    state = _state(ctx)
    with _engine_errors(GENERATE_VIDEO):
        request = _parse(GenerateVideoInput, arguments)
        service = state.require_service()
        wait = state.cap_wait(request.wait_seconds)
        async with ProgressRelay(ctx) as relay:
            await relay.report(0, "submitting the task")
            view = await service.generate(request, wait_seconds=wait, on_progress=relay)
    return task_result(view, note=inline_cap_note(request.wait_seconds, wait))


async def generate_batch(ctx: AppContext, **arguments: Any) -> Annotated[CallToolResult, BatchView]:
    state = _state(ctx)
    with _engine_errors(GENERATE_BATCH):
        request = _parse(GenerateBatchInput, arguments)
        # Checked, priced and journaled before it returns; the items then run in the background
        # of the server's engine until they end or the engine is closed (on shutdown).
        view = await state.require_service().start_batch(request)
    return batch_started_result(view)


async def check_status(
    ctx: AppContext, **arguments: Any
) -> Annotated[CallToolResult, CheckStatusResult]:
    state = _state(ctx)
    with _engine_errors(CHECK_STATUS):
        request = _parse(CheckStatusInput, arguments)
        service = state.require_service()
        wait = state.cap_wait(request.wait_seconds)
        note = inline_cap_note(request.wait_seconds, wait)
        async with ProgressRelay(ctx) as relay:
            view = await service.check(
                request.task_id, wait_seconds=wait, download=request.download, on_progress=relay
            )
    if isinstance(view, BatchView):
        return batch_result(view, note=note)
    return task_result(view, note=note)


async def recommend_channel(
    ctx: AppContext, **arguments: Any
) -> Annotated[CallToolResult, Recommendation]:
    with _engine_errors(RECOMMEND_CHANNEL):
        needs = _parse(RecommendChannelInput, arguments)
        service = _state(ctx).service
        # Among the models up now when the engine runs; without one (no key, a damaged
        # journal) the pure decision tree still answers.
        rec = await service.recommend_now(needs) if service else recommend(needs)
    return recommendation_result(rec)


async def list_tasks(ctx: AppContext, **arguments: Any) -> Annotated[CallToolResult, TaskList]:
    state = _state(ctx)
    with _engine_errors(LIST_TASKS):
        request = _parse(ListTasksInput, arguments)
        return task_list_result(await state.require_service().list_tasks(request))


_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, destructive_hint=False)


def build_tools(max_wait_s: float) -> list[Tool]:
    """The five tools, with titles, annotations and descriptions for this server's wait cap."""
    text = descriptions(wait_cap_s=max_wait_s)
    specs: list[tuple[Any, type[BaseModel], type[BaseModel], str, ToolAnnotations]] = [
        (
            generate_video,
            GenerateVideoInput,
            TaskView,
            TITLES["generate_video"],
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
            TITLES["generate_batch"],
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
            TITLES["check_status"],
            _READ_ONLY.model_copy(update={"open_world_hint": True}),
        ),
        (
            recommend_channel,
            RecommendChannelInput,
            Recommendation,
            TITLES["recommend_channel"],
            # Read-only, but it reads APIYI's live model list (GET /v1/models, free).
            _READ_ONLY.model_copy(update={"open_world_hint": True}),
        ),
        (
            list_tasks,
            ListTasksInput,
            TaskList,
            TITLES["list_tasks"],
            # Read-only, but it reads APIYI's live model list (GET /v1/models, free).
            _READ_ONLY.model_copy(update={"open_world_hint": True}),
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
