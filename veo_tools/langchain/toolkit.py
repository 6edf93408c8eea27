"""``VeoToolkit``: the five tools sharing one engine, handed to an agent in two lines
(``tools = VeoToolkit().get_tools()``, then ``create_agent(model, tools=tools)``)."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict

from veo_tools.langchain.runner import ServiceRunner
from veo_tools.langchain.tools import (
    CheckStatusTool,
    GenerateBatchTool,
    GenerateVideoTool,
    ListTasksTool,
    RecommendChannelTool,
)
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.types import ModelsView
from veo_tools.wording import descriptions


class VeoToolkit(BaseToolkit):
    """``generate_video``, ``check_status``, ``recommend_channel``, ``list_tasks`` and
    ``generate_batch`` (last, so the first four keep their places).

    ``VeoToolkit(**overrides)`` builds ``VeoService(Settings.from_env(**overrides))`` on first
    use: ``sandbox=True`` (or ``VEO_TOOLS_SANDBOX=1``) runs on the embedded simulator with no key;
    otherwise ``APIYI_API_KEY`` (or ``api_key=``) is required and checked here. Or pass a
    ``VeoService`` you have not used yet: the toolkit then owns it.

    The service runs on an event-loop thread owned by the toolkit, so the tools work with both
    ``invoke`` (any thread) and ``ainvoke`` (any loop). Close the toolkit when done
    (``close()``, ``await aclose()``, or ``with`` / ``async with``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    runner: ServiceRunner

    def __init__(self, service: VeoService | None = None, **settings_overrides: Any) -> None:
        super().__init__(runner=ServiceRunner(service, **settings_overrides))

    def __repr__(self) -> str:
        return f"VeoToolkit({self.runner.settings!r})"

    @property
    def settings(self) -> Settings:
        return self.runner.settings

    @property
    def service(self) -> VeoService:
        """The shared engine (journal, sandbox...); created on first access."""
        return self.runner.service

    def get_tools(self) -> list[BaseTool]:
        runner, words = self.runner, descriptions()
        tools: list[BaseTool] = [
            GenerateVideoTool(runner=runner),
            CheckStatusTool(runner=runner),
            RecommendChannelTool(runner=runner),
            ListTasksTool(runner=runner),
            GenerateBatchTool(runner=runner),
        ]
        for tool in tools:  # priced from the current catalog (the user's override included)
            tool.description = words[tool.name]
        return tools

    def models(self, refresh: bool = False) -> ModelsView:
        """Every model with its lifecycle and availability now (``VeoService.models``): which
        ones are up, which are down and why. Free; ``refresh`` re-reads ``GET /v1/models``."""
        return self.runner.call(lambda service, _: service.models(refresh))

    async def amodels(self, refresh: bool = False) -> ModelsView:
        """:meth:`models` without blocking the caller's event loop."""
        return await self.runner.acall(lambda service, _: service.models(refresh))

    def close(self) -> None:
        self.runner.close()

    async def aclose(self) -> None:
        await self.runner.aclose()

    def __enter__(self) -> VeoToolkit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> VeoToolkit:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
