"""The five Veo tools as LangChain ``BaseTool`` subclasses over one shared engine.

Each tool's ``args_schema`` is the shared input model from :mod:`veo_tools.types` (the one the MCP
server publishes). Results are ``(content, artifact)``: compact JSON for the model, the pydantic
object for the program. Engine errors become ``ToolException`` with the engine's actionable text,
which ``handle_tool_error=True`` turns into a ``ToolMessage`` with ``status="error"``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic.v1 import ValidationError as ValidationErrorV1  # already loaded by langchain-core

from veo_tools.catalog import shipped_catalog
from veo_tools.errors import VeoError
from veo_tools.langchain.progress import aemit_progress, emit_progress, progress_payload
from veo_tools.langchain.runner import SETTING_NAMES, Job, ServiceRunner
from veo_tools.service import ProgressCallback, VeoService
from veo_tools.settings import Settings
from veo_tools.types import (
    BatchView,
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    ProgressEvent,
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
    descriptions,
    local_file_error,
)

#: The class defaults, priced from the shipped catalog (nothing reads the environment at import
#: time); ``VeoToolkit.get_tools`` re-prices them from the current catalog.
TOOL_DESCRIPTIONS = descriptions(catalog=shipped_catalog())

M = TypeVar("M", bound=BaseModel)


def _validation_message(exc: ValidationError | ValidationErrorV1) -> str:
    if isinstance(exc, ValidationError):
        return explain_validation_error(exc)
    return f"Invalid arguments: {exc}. Fix them and call the tool again."


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
        raise ToolException(local_file_error(exc)) from exc


class VeoTool(BaseTool):
    """Base of the Veo tools: a shared :class:`ServiceRunner`, error and result handling.

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
    def tool_call_schema(self) -> dict[str, Any]:
        """What a chat model is sent: the input model's compact schema (the one the MCP server
        publishes), not LangChain's copy of the model, which would drop the compaction."""
        schema = self.args_schema
        assert isinstance(schema, type) and issubclass(schema, BaseModel)
        return {**schema.model_json_schema(), "description": self.description}

    @property
    def settings(self) -> Settings:
        """The settings of the service behind this tool (the API key stays a ``SecretStr``)."""
        return self.runner.settings

    def _run(self, **kwargs: Any) -> tuple[str, BaseModel]:
        with engine_errors():
            result = self._execute(kwargs)
        return to_content(result), result

    async def _arun(self, **kwargs: Any) -> tuple[str, BaseModel]:
        with engine_errors():
            result = await self._aexecute(kwargs)
        return to_content(result), result

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        raise NotImplementedError

    async def _aexecute(self, args: dict[str, Any]) -> BaseModel:
        return self._execute(args)  # quick, synchronous engine calls


def to_content(result: BaseModel) -> str:
    """Compact JSON for the model: no empty fields, and per batch item no defaults either; a
    big batch or a long task list is summarised (the artifact keeps every item)."""
    if isinstance(result, BatchView):
        return result.summary().model_dump_json(exclude_none=True, exclude_defaults=True)
    if isinstance(result, TaskList):
        return result.summary().model_dump_json(exclude_none=True)
    return result.model_dump_json(exclude_none=True)


def as_sent(model: type[M], args: dict[str, Any]) -> M:
    """``model`` built from the arguments the caller gave.

    LangChain hands a tool every field, defaults filled in; validating those as they are would
    make every default look explicit, and a re-render takes explicit arguments as overrides
    (an empty ``prompt`` or ``images`` would replace the source's).
    """
    fields = model.model_fields
    given = {
        k: v
        for k, v in args.items()
        if k not in fields or v != fields[k].get_default(call_default_factory=True)
    }
    return model.model_validate(given)


class _EngineLoopTool(VeoTool):
    """A tool whose call runs on the engine loop and, when it waits, reports progress."""

    def _job(self, args: dict[str, Any]) -> tuple[Job[BaseModel], bool]:
        """The engine call to make, and whether it waits (and so reports progress)."""
        raise NotImplementedError

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        job, waits = self._job(args)
        return self.runner.call(job, self._progress if waits else None)

    async def _aexecute(self, args: dict[str, Any]) -> BaseModel:
        job, waits = self._job(args)
        return await self.runner.acall(job, self._aprogress if waits else None)

    def _progress(self, event: ProgressEvent) -> None:
        emit_progress(progress_payload(self.name, event))

    async def _aprogress(self, event: ProgressEvent) -> None:
        await aemit_progress(progress_payload(self.name, event))


class GenerateVideoTool(_EngineLoopTool):
    """``generate_video``: submit a video or a re-render (and optionally wait for it)."""

    name: str = GENERATE_VIDEO
    description: str = TOOL_DESCRIPTIONS[GENERATE_VIDEO]
    args_schema: type[BaseModel] = GenerateVideoInput

    def _job(self, args: dict[str, Any]) -> tuple[Job[BaseModel], bool]:
        request = as_sent(GenerateVideoInput, args)

        def job(
            service: VeoService, progress: ProgressCallback | None
        ) -> Coroutine[Any, Any, TaskView]:
            return service.generate(request, on_progress=progress)

        return job, request.wait_seconds > 0


class GenerateBatchTool(_EngineLoopTool):
    """``generate_batch``: check, price and start a batch (or resume one); it runs on in the
    engine loop."""

    name: str = GENERATE_BATCH
    description: str = TOOL_DESCRIPTIONS[GENERATE_BATCH]
    args_schema: type[BaseModel] = GenerateBatchInput

    def _job(self, args: dict[str, Any]) -> tuple[Job[BaseModel], bool]:
        request = as_sent(GenerateBatchInput, args)

        def job(
            service: VeoService, progress: ProgressCallback | None
        ) -> Coroutine[Any, Any, BatchView]:
            return service.start_batch(request)

        return job, False


class CheckStatusTool(_EngineLoopTool):
    """``check_status``: a task (refresh, wait, download) or a batch (its summary)."""

    name: str = CHECK_STATUS
    description: str = TOOL_DESCRIPTIONS[CHECK_STATUS]
    args_schema: type[BaseModel] = CheckStatusInput

    def _job(self, args: dict[str, Any]) -> tuple[Job[BaseModel], bool]:
        request = as_sent(CheckStatusInput, args)

        def job(
            service: VeoService, progress: ProgressCallback | None
        ) -> Coroutine[Any, Any, TaskView | BatchView]:
            return service.check(
                request.task_id,
                wait_seconds=request.wait_seconds,
                download=request.download,
                on_progress=progress,
            )

        return job, request.wait_seconds > 0


class RecommendChannelTool(VeoTool):
    """``recommend_channel``: the decision tree among the models up now, priced from the catalog."""

    name: str = RECOMMEND_CHANNEL
    description: str = TOOL_DESCRIPTIONS[RECOMMEND_CHANNEL]
    args_schema: type[BaseModel] = RecommendChannelInput

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        needs = as_sent(RecommendChannelInput, args)
        return self.runner.call(lambda service, _: service.recommend_now(needs))

    async def _aexecute(self, args: dict[str, Any]) -> BaseModel:
        needs = as_sent(RecommendChannelInput, args)
        return await self.runner.acall(lambda service, _: service.recommend_now(needs))


class ListTasksTool(VeoTool):
    """``list_tasks``: recent tasks from the journal, with 24-hour spend."""

    name: str = LIST_TASKS
    description: str = TOOL_DESCRIPTIONS[LIST_TASKS]
    args_schema: type[BaseModel] = ListTasksInput

    def _execute(self, args: dict[str, Any]) -> BaseModel:
        request = as_sent(ListTasksInput, args)
        return self.runner.call(lambda service, _: service.list_tasks(request))

    async def _aexecute(self, args: dict[str, Any]) -> BaseModel:
        request = as_sent(ListTasksInput, args)
        return await self.runner.acall(lambda service, _: service.list_tasks(request))
