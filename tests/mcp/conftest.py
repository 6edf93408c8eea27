"""Fixtures for the MCP server tests: an engine on the sandbox and an in-memory SDK client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_support import client_in_own_task

from mcp_server import create_server
from mcp_server.state import AppState
from veo_tools.service import VeoService
from veo_tools.settings import Settings


@pytest.fixture(autouse=True)
def _no_mcp_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VEO_MCP_MAX_WAIT_S", "VEO_MCP_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def service(sandbox_settings: Settings) -> AsyncIterator[VeoService]:
    async with VeoService(sandbox_settings) as engine:
        yield engine


@pytest.fixture
def server(service: VeoService) -> MCPServer[AppState]:
    return create_server(service=service)


@pytest.fixture
async def client(server: MCPServer[AppState]) -> AsyncIterator[Client]:
    async with client_in_own_task(Client(server)) as connected:
        yield connected
