"""Helpers for the hostile-input and secrets tests: one way to call a tool on either front-end,
and the checks that nothing was written where it should not be and the journal is intact.

Imported as ``hardening_support`` (a unique top-level name: pytest puts this directory on
``sys.path``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import ToolCall, ToolMessage
from mcp import Client
from mcp.shared.dispatcher import ProgressFnT
from mcp.types import TextContent

from mcp_server import create_server

# One copy of the MCP test helpers: tests/mcp is not a package, so put it on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mcp"))
from mcp_support import client_in_own_task

from veo_tools.langchain import VeoToolkit
from veo_tools.service import VeoService

FRONT_ENDS = ("mcp", "langchain")


@dataclass(frozen=True)
class Reply:
    """What a tool call gave back, the same way for both front-ends."""

    error: bool
    text: str
    data: dict[str, Any] | None = None


class FrontEnd(Protocol):
    name: str

    async def call(
        self, tool: str, args: dict[str, Any], *, progress: ProgressFnT | None = None
    ) -> Reply: ...


class McpFrontEnd:
    """The MCP server in memory, reached through the SDK's ``Client``."""

    name = "mcp"

    def __init__(self, client: Client) -> None:
        self.client = client

    async def call(
        self, tool: str, args: dict[str, Any], *, progress: ProgressFnT | None = None
    ) -> Reply:
        result = await self.client.call_tool(tool, args, progress_callback=progress)
        text = "\n".join(c.text for c in result.content if isinstance(c, TextContent))
        data = result.structured_content if isinstance(result.structured_content, dict) else None
        return Reply(result.is_error, text, data)


class LangChainFrontEnd:
    """The LangChain tools, called with a ``ToolCall`` so that errors come back as messages."""

    name = "langchain"

    def __init__(self, toolkit: VeoToolkit, callbacks: list[BaseCallbackHandler]) -> None:
        self.tools = {tool.name: tool for tool in toolkit.get_tools()}
        self.callbacks = callbacks

    async def call(
        self, tool: str, args: dict[str, Any], *, progress: ProgressFnT | None = None
    ) -> Reply:
        """``progress`` is MCP's; LangChain progress goes to the ``callbacks`` as custom events."""
        call = ToolCall(name=tool, args=args, id="call_hostile", type="tool_call")
        message = await self.tools[tool].ainvoke(call, config={"callbacks": self.callbacks})
        assert isinstance(message, ToolMessage)
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        if message.status == "error":
            return Reply(True, text)
        return Reply(False, text, json.loads(text))


@asynccontextmanager
async def open_front_end(
    kind: str,
    make_service: Callable[[], VeoService],
    *,
    mcp_options: dict[str, Any] | None = None,
    callbacks: list[BaseCallbackHandler] | None = None,
) -> AsyncIterator[FrontEnd]:
    """``kind`` ("mcp" or "langchain") over a fresh engine. ``mcp_options`` go to the MCP
    ``Client`` (``logging_callback``, ``message_handler``); ``callbacks`` to every LangChain call.
    """
    if kind == "mcp":
        service = make_service()
        try:
            client = Client(create_server(service=service), **(mcp_options or {}))
            async with client_in_own_task(client) as connected:
                yield McpFrontEnd(connected)
        finally:
            await service.aclose()
        return
    toolkit = VeoToolkit(service=make_service())
    try:
        yield LangChainFrontEnd(toolkit, callbacks or [])
    finally:
        await toolkit.aclose()


# ---- what is on disk -------------------------------------------------------------------------

Snapshot = dict[str, tuple[int, int, int]]


def tree_snapshot(root: Path, *, skip: Collection[str] = ()) -> Snapshot:
    """Every entry under ``root`` (type, size, mtime), symlinks not followed, leaving out the
    top-level directories named in ``skip``."""
    entries: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in skip]
        for name in (*dirnames, *filenames):
            info = (here / name).lstat()
            key = str((here / name).relative_to(root))
            entries[key] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
    return entries


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Entries added, removed or modified between two snapshots."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@dataclass(frozen=True)
class JournalState:
    integrity: str
    tables: frozenset[str]
    tasks: int
    batches: int


def journal_state(path: Path) -> JournalState:
    """Read the journal through a connection of its own, as another process would."""
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = frozenset(
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
        tasks = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
        batches = conn.execute("SELECT count(*) FROM batches").fetchone()[0]
    finally:
        conn.close()
    return JournalState(str(integrity), tables, int(tasks), int(batches))


def files_containing(root: Path, needle: bytes) -> list[str]:
    """Every regular file under ``root`` whose raw bytes contain ``needle``."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath, name)
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                found.append(str(path.relative_to(root)))
    return found
