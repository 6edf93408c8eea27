"""The four Veo tools as LangChain ``BaseTool`` subclasses over one shared engine.

Each tool's ``args_schema`` is the shared input model from :mod:`veo_tools.models` (the one the MCP
server publishes). Results are ``(content, artifact)``: compact JSON for the model, the pydantic
object for the program. Engine errors become ``ToolException`` with the engine's actionable text,
which ``handle_tool_error=True`` turns into a ``ToolMessage`` with ``status="error"``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic.v1 import ValidationError as ValidationErrorV1  # already loaded by langchain-core

from veo_tools.catalog import prices_text
from veo_tools.errors import VeoError
from veo_tools.langchain.progress import aemit_progress, emit_progress, progress_payload
from veo_tools.langchain.runner import SETTING_NAMES, Job, ServiceRunner
from veo_tools.models import (
    CheckStatusInput,
    GenerateVideoInput,
    ListTasksInput,
    RecommendChannelInput,
    TaskView,
)
from veo_tools.service import DEDUPE_WINDOW_S, ProgressCallback, VeoService
from veo_tools.settings import Settings
from veo_tools.views import ProgressEvent

_PRICES = f"Official {prices_text('official')}, Reverse {prices_text('reverse')} per video"

GENERATE_DESCRIPTION = (
    "Start rendering a short video (4-8 s, with generated audio) with Google Veo 3.1 through "
    "APIYI. Use it once you know what to make; call recommend_channel first when unsure which "
    f"channel or model fits. Costs money: {_PRICES}. Failed tasks are not billed, and an "
    f"identical request within {DEDUPE_WINDOW_S // 60} minutes returns the earlier task "
    "instead of paying twice. Returns the task as JSON: task_id, status, progress, price_usd, "
    "video_path once saved, error, and next_step saying what to do. With wait_seconds > 0 it "
    "waits inline; otherwise follow the task_id with check_status."
)
CHECK_STATUS_DESCRIPTION = (
    "Follow a video task started by generate_video (or found with list_tasks). Use it until "
    "the status is completed or failed; set wait_seconds to wait inline. Returns the task as "
    "JSON: status, progress, eta_s, error and next_step, and once completed it downloads the "
    "MP4 and returns its video_path. Free: it never starts a new video."
)
RECOMMEND_DESCRIPTION = (
    "Choose the channel and model before paying for a video. Use it first when the request "
    "has constraints (frame-to-video, reference images, live progress, budget or quality, "
    "resolution, length, aspect ratio, batch size, business scenario). Returns JSON with the "
    "recommended channel, model, mode, price_usd, estimated_cost_usd for the batch, "
    "render_time_s, reasons, alternatives, conflicts and ready-to-use generate_video_args. "
    f"Free and instant. Prices: {_PRICES}."
)
LIST_TASKS_DESCRIPTION = (
    "List the video tasks recorded on this machine, newest first, optionally only one status. "
    "Use it to find a task_id to resume with check_status, to avoid making a video twice, or "
    "to check spending. Returns JSON: tasks (each with task_id, status, prompt, video_path, "
    "next_step...), spent_24h_usd and budget_usd. Free."
)


def explain_validation_error(exc: ValidationError) -> str:
    """One line an agent can act on: each bad field, what is wrong, what was sent."""
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "arguments"
        got = err.get("input")
        sent = f" (got {_short(got)})" if isinstance(got, str | int | float | bool) else ""
        problems.append(f"{where}: {err['msg']}{sent}")
    return f"Invalid arguments: {'; '.join(problems)}. Fix them and call the tool again."


def _validation_message(exc: ValidationError | ValidationErrorV1) -> str:
    if isinstance(exc, ValidationError):
        return explain_validation_error(exc)
    return f"Invalid arguments: {exc}. Fix them and call the tool again."


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextmanager
def engine_errors() -> Iterator[None]:
    """Re-raise engine, validation and file-system errors as ``ToolException``."""
    try:
        yield
    except VeoError as exc:
        raise ToolException(exc.message) from exc
    except ValidationError as exc:
        raise ToolException(explain_validation_error(exc)) from exc
    except OSError as exc:
        raise ToolException(
            f"A local file operation failed ({exc}). Check that VEO_TOOLS_OUTPUT_DIR and "
            "VEO_TOOLS_STATE_DIR point at writable directories."
        ) from exc


class VeoTool(BaseTool):
    """Base of the four tools: a shared :class:`ServiceRunner`, error and result handling.

    Construct with ``runner=`` (what :class:`VeoToolkit` does), with ``service=`` a fresh
    ``VeoService``, with settings overrides (``sandbox=True, output_dir=...``), or with nothing
    to read the environment.
    """

    runner: ServiceRunner = Field(default_factory=ServiceRunner, exclude=True)
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool = True
    handle_validation_error: (
        bool | str | Callable[[ValidationError | ValidationErrorV1], str] | None
    ) = _validation_message

    @model_validator(mode="before")
    @classmethod
    def _runner_from_settings(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "runner" in data:
            return data
        own = {k: data[k] for k in data if k in SETTING_NAMES or k == "service"}
        unknown = set(data) - set(own) - set(cls.model_fields)
        if unknown:
            raise TypeError(f"{cls.__name__} got unexpected argument(s): {sorted(unknown)}")
        if not own:
            return data
        rest = {k: v for k, v in data.items() if k not in own}
        return {**rest, "runner": ServiceRunner(own.pop("service", None), **own)}

    @property
    def settings(self) -> Settings:
        """The settings of the service behind this tool (the API key stays a ``SecretStr``)."""
        return self.runner.settings

    def _run(self, **kwargs: Any) -> tuple[str, BaseModel]:
        with engine_errors():
            result = self._execute(kwargs)
        return result.model_dump_json(exclude_none=True), result

    async def _arun(self, **kwargs: Any) -> tuple[str, BaseModel]:
        with engine_errors():
            result = await self._aexecute(kwargs)
        return result.model_dump_json(exclude_none=True), result

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        raise NotImplementedError

    async def _aexecute(self, args: dict[str, Any]) -> BaseModel:
        return self._execute(args)  # quick, synchronous engine calls


class _WaitingTool(VeoTool):
    """A tool that may wait on a task: runs on the engine loop and reports progress."""

    def _job(self, args: dict[str, Any]) -> tuple[Job[TaskView], bool]:
        """The engine call to make, and whether it waits (and so reports progress)."""
        raise NotImplementedError

    def _execute(self, args: dict[str, Any]) -> TaskView:
        job, waits = self._job(args)
        return self.runner.call(job, self._progress if waits else None)

    async def _aexecute(self, args: dict[str, Any]) -> TaskView:
        job, waits = self._job(args)
        return await self.runner.acall(job, self._aprogress if waits else None)

    def _progress(self, event: ProgressEvent) -> None:
        emit_progress(progress_payload(self.name, event))

    async def _aprogress(self, event: ProgressEvent) -> None:
        await aemit_progress(progress_payload(self.name, event))


class GenerateVideoTool(_WaitingTool):
    """``generate_video``: submit a video (and optionally wait for it)."""

    name: str = "generate_video"
    description: str = GENERATE_DESCRIPTION
    args_schema: type[BaseModel] = GenerateVideoInput

    def _job(self, args: dict[str, Any]) -> tuple[Job[TaskView], bool]:
        request = GenerateVideoInput.model_validate(args)

        def job(
            service: VeoService, progress: ProgressCallback | None
        ) -> Coroutine[Any, Any, TaskView]:
            return service.generate(request, on_progress=progress)

        return job, request.wait_seconds > 0


class CheckStatusTool(_WaitingTool):
    """``check_status``: refresh a task, optionally wait, download the MP4 when done."""

    name: str = "check_status"
    description: str = CHECK_STATUS_DESCRIPTION
    args_schema: type[BaseModel] = CheckStatusInput

    def _job(self, args: dict[str, Any]) -> tuple[Job[TaskView], bool]:
        request = CheckStatusInput.model_validate(args)

        def job(
            service: VeoService, progress: ProgressCallback | None
        ) -> Coroutine[Any, Any, TaskView]:
            return service.check_status(
                request.task_id,
                wait_seconds=request.wait_seconds,
                download=request.download,
                on_progress=progress,
            )

        return job, request.wait_seconds > 0


class RecommendChannelTool(VeoTool):
    """``recommend_channel``: the decision tree, priced from the catalog."""

    name: str = "recommend_channel"
    description: str = RECOMMEND_DESCRIPTION
    args_schema: type[BaseModel] = RecommendChannelInput

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        return self.runner.service.recommend(RecommendChannelInput.model_validate(args))


class ListTasksTool(VeoTool):
    """``list_tasks``: recent tasks from the journal, with 24-hour spend."""

    name: str = "list_tasks"
    description: str = LIST_TASKS_DESCRIPTION
    args_schema: type[BaseModel] = ListTasksInput

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        return self.runner.service.list_tasks(ListTasksInput.model_validate(args))
