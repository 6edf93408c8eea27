"""What every request of one server shares: the engine and the inline-wait cap."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp.server.mcpserver.exceptions import ToolError

if TYPE_CHECKING:
    from veo_tools.service import VeoService

#: Inline waits stop here so a call returns well inside the common 30-60 s client time-outs.
DEFAULT_MAX_WAIT_S = 25.0
MAX_WAIT_ENV = "VEO_MCP_MAX_WAIT_S"
AUTH_TOKEN_ENV = "VEO_MCP_AUTH_TOKEN"


@dataclass(frozen=True)
class AppState:
    """The lifespan context: one ``VeoService`` per server (per process on stdio, per app on HTTP).

    ``service`` is ``None`` when the engine could not start (typically: no API key); tools that
    need it then fail with ``startup_error``, which tells the user how to fix the configuration.
    """

    service: VeoService | None
    max_wait_s: float = DEFAULT_MAX_WAIT_S
    startup_error: str | None = None

    def require_service(self) -> VeoService:
        if self.service is None:
            raise ToolError(self.startup_error or "The video engine is not running.")
        return self.service

    def cap_wait(self, requested: float) -> float:
        return max(0.0, min(requested, self.max_wait_s))


def max_wait_from_env(env: Mapping[str, str] | None = None) -> float:
    """``VEO_MCP_MAX_WAIT_S`` as seconds, or the default; a bad value is a clear error."""
    env = os.environ if env is None else env
    raw = env.get(MAX_WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_WAIT_S
    try:
        return check_max_wait(float(raw))
    except ValueError:
        raise ValueError(f"{MAX_WAIT_ENV}={raw!r} is not a number of seconds (e.g. 25).") from None


def check_max_wait(seconds: float) -> float:
    if not 0 <= seconds <= 3600:
        raise ValueError(f"The inline wait cap must be between 0 and 3600 s (got {seconds:g}).")
    return seconds
