"""Helpers for the MCP tests.

Imported as ``mcp_support`` (a unique top-level name: pytest puts this directory on sys.path).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from mcp import Client
from mcp.types import CallToolResult, TextContent

from veo_tools.settings import Settings

#: Every tool the server publishes.
TOOL_NAMES = ("generate_video", "generate_batch", "check_status", "recommend_channel", "list_tasks")


@asynccontextmanager
async def client_in_own_task(client: Client) -> AsyncIterator[Client]:
    """Enter and exit ``client`` in one background task.

    pytest-asyncio runs a fixture's setup and teardown in different tasks, and the client's
    anyio task groups must be exited in the task that entered them.
    """
    ready, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with client:
            ready.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    started = asyncio.create_task(ready.wait())
    await asyncio.wait({holder, started}, return_when=asyncio.FIRST_COMPLETED)
    if holder.done():
        started.cancel()
        await holder  # re-raises why the client could not connect
    try:
        yield client
    finally:
        done.set()
        await holder


def slower(settings: Settings, time_scale: float) -> Settings:
    """The same sandbox settings with renders that take long enough to interrupt."""
    return dataclasses.replace(settings, time_scale=time_scale)


def text_of(result: CallToolResult) -> str:
    first = result.content[0]
    assert isinstance(first, TextContent)
    return first.text


async def structured(client: Client, tool: str, result: CallToolResult) -> dict[str, Any]:
    """The result's structured content, checked against the tool's published output schema."""
    assert not result.is_error, text_of(result)
    listed = {t.name: t for t in (await client.list_tools()).tools}
    schema = listed[tool].output_schema
    assert schema is not None
    content = result.structured_content
    assert isinstance(content, dict)
    Draft202012Validator(schema).validate(content)
    return content


def video_file(path: str | None) -> Path:
    assert path is not None
    file = Path(path)
    assert file.is_file() and file.stat().st_size > 1000
    assert file.read_bytes()[4:8] == b"ftyp"
    return file
