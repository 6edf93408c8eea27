"""The langchain-tests standard suites: unit tests for the five tools, integration on the sandbox.

The standard ``tool`` fixture builds each tool from ``tool_constructor`` and
``tool_constructor_params`` (settings overrides, so every tool is constructible on its own).
It is overridden only to close the tool's engine afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from langchain_support import sandbox_settings
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests
from pydantic import SecretStr

from veo_tools.langchain import (
    CheckStatusTool,
    GenerateBatchTool,
    GenerateVideoTool,
    ListTasksTool,
    RecommendChannelTool,
    VeoTool,
)
from veo_tools.service import VeoService
from veo_tools.settings import SANDBOX_API_KEY, Settings


class _OnSandbox:
    """Tools built on a sandbox in tmp_path, closed after each test."""

    params: dict[str, Any]

    @pytest.fixture(autouse=True)
    def _sandbox_in_tmp(self, tmp_path: Path) -> None:
        self.params = sandbox_settings(tmp_path)

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return self.params

    @pytest.fixture
    def tool(self) -> Iterator[BaseTool]:
        tool = self.tool_constructor(**self.tool_constructor_params)  # type: ignore[attr-defined]
        assert isinstance(tool, VeoTool)
        yield tool
        tool.runner.close()


class _ReadsEnv:
    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"VEO_TOOLS_SANDBOX": "1", "VEO_TOOLS_TIME_SCALE": "0.5"}
        expected = Settings(api_key=SecretStr(SANDBOX_API_KEY), sandbox=True, time_scale=0.5)
        return env, {}, {"settings": expected}


GENERATE_ARGS = {"prompt": "a red fox trotting through fresh snow at dawn, soft light"}
BATCH_ARGS = {
    "items": [
        {"prompt": "a paper lantern drifting on a river", "channel": "reverse"},
        {"prompt": "a kite over dunes", "channel": "official", "seeds": [1, 2]},
    ],
    "concurrency": 2,
}
CHECK_ARGS = {"task_id": "veo_0123456789abcdef", "wait_seconds": 5}
RECOMMEND_ARGS = {"priority": "budget", "count": 10}
LIST_ARGS = {"limit": 5}


class TestGenerateVideoToolUnit(_OnSandbox, _ReadsEnv, ToolsUnitTests):
    tool_constructor = GenerateVideoTool
    tool_invoke_params_example = GENERATE_ARGS


class TestGenerateBatchToolUnit(_OnSandbox, _ReadsEnv, ToolsUnitTests):
    tool_constructor = GenerateBatchTool
    tool_invoke_params_example = BATCH_ARGS


class TestCheckStatusToolUnit(_OnSandbox, _ReadsEnv, ToolsUnitTests):
    tool_constructor = CheckStatusTool
    tool_invoke_params_example = CHECK_ARGS


class TestRecommendChannelToolUnit(_OnSandbox, _ReadsEnv, ToolsUnitTests):
    tool_constructor = RecommendChannelTool
    tool_invoke_params_example = RECOMMEND_ARGS


class TestListTasksToolUnit(_OnSandbox, _ReadsEnv, ToolsUnitTests):
    tool_constructor = ListTasksTool
    tool_invoke_params_example = LIST_ARGS


class TestGenerateVideoToolIntegration(_OnSandbox, ToolsIntegrationTests):
    tool_constructor = GenerateVideoTool
    tool_invoke_params_example = GENERATE_ARGS


class TestGenerateBatchToolIntegration(_OnSandbox, ToolsIntegrationTests):
    """Returns at once; the batch, still running, is cancelled when the tool's engine closes."""

    tool_constructor = GenerateBatchTool
    tool_invoke_params_example = BATCH_ARGS


class TestCheckStatusToolIntegration(_OnSandbox, ToolsIntegrationTests):
    """Follows a task another engine finished earlier: the journal outlives the process."""

    tool_constructor = CheckStatusTool
    task_id: str

    @pytest.fixture(autouse=True)
    async def _finished_task(self, _sandbox_in_tmp: None) -> None:
        async with VeoService(Settings.from_env(**self.params)) as service:
            view = await service.generate({"prompt": "waves at dusk", "wait_seconds": 30})
        assert view.status == "completed"
        self.task_id = view.task_id

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "wait_seconds": 5}


class TestRecommendChannelToolIntegration(_OnSandbox, ToolsIntegrationTests):
    tool_constructor = RecommendChannelTool
    tool_invoke_params_example = RECOMMEND_ARGS


class TestListTasksToolIntegration(_OnSandbox, ToolsIntegrationTests):
    tool_constructor = ListTasksTool
    tool_invoke_params_example = LIST_ARGS
