"""``veo-mcp``: the veo-tools engine as an MCP server (stdio by default, or streamable HTTP).

``create_server()`` builds the ``MCPServer``; ``main()`` is the console script. The engine
(``VeoService``: one HTTP client, one journal) is opened in the server lifespan, so there is one
per process on stdio and one per app on streamable HTTP, and it is closed on shutdown.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Literal, cast

from mcp.server.mcpserver import MCPServer

from mcp_server import resources
from mcp_server.state import (
    AUTH_TOKEN_ENV,
    MAX_WAIT_ENV,
    AppState,
    check_max_wait,
    max_wait_from_env,
)
from mcp_server.tools import build_tools
from veo_tools import __version__
from veo_tools.errors import ConfigurationError
from veo_tools.settings import Settings

if TYPE_CHECKING:
    from veo_tools.service import VeoService

log = logging.getLogger("mcp_server")

SERVER_NAME = "veo-tools"
_LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
Lifespan = Callable[[MCPServer[AppState]], AbstractAsyncContextManager[AppState]]


def create_server(
    service: VeoService | None = None,
    settings: Settings | None = None,
    *,
    max_wait_s: float | None = None,
    log_level: str = "INFO",
) -> MCPServer[AppState]:
    """An ``MCPServer`` exposing the five tools, two resources and the ``make_video`` prompt.

    ``service``: use this engine (the caller opens and closes it; tests do this). Otherwise one
    is opened from ``settings`` (default: ``Settings.from_env()``) when the server starts.
    ``max_wait_s`` caps every inline wait (default ``VEO_MCP_MAX_WAIT_S`` or 25 s).
    """
    if service is not None:
        settings = service.settings
    elif settings is None:
        settings = Settings.from_env()
    cap = check_max_wait(max_wait_s) if max_wait_s is not None else max_wait_from_env()
    holder = resources.ServerState()
    server: MCPServer[AppState] = MCPServer(
        SERVER_NAME,
        title="Video tools (Veo, Seedance, Wan, HappyHorse, Grok)",
        instructions=resources.instructions(sandbox=settings.sandbox, max_wait_s=cap),
        version=__version__,
        tools=build_tools(cap),
        lifespan=_lifespan(service, settings, cap, holder),
        log_level=_level(log_level),
    )
    resources.register(server, holder)
    return server


def _level(name: str) -> _LogLevel:
    upper = name.upper()
    if upper not in _LEVELS:
        raise ValueError(f"Unknown log level {name!r}; use one of {', '.join(_LEVELS)}.")
    return cast(_LogLevel, upper)


def _lifespan(
    service: VeoService | None, settings: Settings, max_wait_s: float, holder: resources.ServerState
) -> Lifespan:
    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        async with _opened(service, settings, max_wait_s) as state:
            holder.current = state  # for veo://models, which gets no Context
            try:
                yield state
            finally:
                holder.current = None

    return lifespan


@asynccontextmanager
async def _opened(
    service: VeoService | None, settings: Settings, max_wait_s: float
) -> AsyncIterator[AppState]:
    if service is not None:
        yield AppState(service, max_wait_s)
        return
    from veo_tools.service import VeoService  # deferred: the engine's imports are heavy

    try:
        opened = VeoService(settings)
    except ConfigurationError as exc:
        # Keep serving: recommend_channel and veo://models need no key, and every other
        # tool answers with this message, which tells the user how to fix it.
        log.error("veo-mcp: the video engine is not configured: %s", exc.message)
        yield AppState(None, max_wait_s, startup_error=exc.message)
        return
    async with opened:
        log.info("veo-mcp: engine ready (%r)", settings)
        yield AppState(opened, max_wait_s)


# ---- command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veo-mcp",
        description="MCP server that lets assistants make videos through APIYI (Veo, Seedance, "
        "Wan, HappyHorse, Grok Imagine).",
    )
    parser.add_argument(
        "--transport", choices=("stdio", "streamable-http"), default="stdio",
        help="stdio (default: for Claude Desktop, Cursor, VS Code) or streamable-http",
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (8000)")
    parser.add_argument(
        "--sandbox", action="store_true",
        help="use the built-in simulator: no key, no network, no cost (or VEO_TOOLS_SANDBOX=1)",
    )  # fmt: skip
    parser.add_argument(
        "--auth-token", default=None,
        help=f"bearer token HTTP clients must send (or {AUTH_TOKEN_ENV}); required off loopback",
    )  # fmt: skip
    parser.add_argument(
        "--allowed-host", action="append", default=[], metavar="HOST",
        help="extra Host name clients use to reach the HTTP server (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--max-wait", type=float, default=None, metavar="SECONDS",
        help=f"cap on inline waits in one call (default {MAX_WAIT_ENV} or 25)",
    )  # fmt: skip
    parser.add_argument("--log-level", default="INFO", help="stderr log level (INFO)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``veo-mcp``; returns the process exit code (2 for a configuration error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    token = args.auth_token or os.environ.get(AUTH_TOKEN_ENV, "").strip() or None
    if args.transport == "streamable-http":
        from mcp_server.http_app import bind_error

        if problem := bind_error(args.host, token):
            parser.error(problem)
    try:
        settings = Settings.from_env(sandbox=True if args.sandbox else None)
        server = create_server(
            settings=settings, max_wait_s=args.max_wait, log_level=args.log_level
        )
    except (ConfigurationError, ValueError) as exc:
        parser.error(str(exc))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per poll is noise
    try:
        if args.transport == "stdio":
            server.run("stdio")
            return 0
        import anyio

        from mcp_server.http_app import serve_http

        anyio.run(
            lambda: serve_http(
                server,
                host=args.host,
                port=args.port,
                token=token,
                allowed_hosts=args.allowed_host,
            )
        )
    except KeyboardInterrupt:
        # Ctrl-C is how a server is stopped: the normal end, not an error (exit 0).
        sys.stderr.write("veo-mcp: stopped.\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
