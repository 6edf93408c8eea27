"""Fixtures for the LangChain tests: a hermetic environment and a sandbox toolkit in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_support import sandbox_settings

from veo_tools.langchain import VeoToolkit
from veo_tools.settings import ENV_VARS


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, Any]:
    return sandbox_settings(tmp_path)


@pytest.fixture
def toolkit(settings: dict[str, Any]) -> Iterator[VeoToolkit]:
    with VeoToolkit(**settings) as kit:
        yield kit


@pytest.fixture
def tools(toolkit: VeoToolkit) -> dict[str, Any]:
    return {tool.name: tool for tool in toolkit.get_tools()}
