"""Serving the sandbox over real HTTP with uvicorn, on loopback unless told otherwise."""

from __future__ import annotations

import uvicorn

from veo_tools.errors import ConfigurationError
from veo_tools.sandbox.app import create_app
from veo_tools.sandbox.config import SandboxConfig
from veo_tools.transport.addresses import is_loopback


def make_server(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: SandboxConfig | None = None,
    *,
    allow_non_loopback: bool = False,
    log_level: str = "info",
) -> uvicorn.Server:
    """A uvicorn server for a fresh sandbox app; ``port=0`` picks a free port.

    Call ``.run()`` to serve (blocking), set ``.should_exit = True`` to stop it.
    """
    if not is_loopback(host) and not allow_non_loopback:
        raise ConfigurationError(
            f"Refusing to serve the sandbox on {host!r}: it accepts any key and is meant for "
            "this machine only. Use 127.0.0.1, or pass allow_non_loopback=True on purpose."
        )
    app = create_app(config)
    uv_config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off")
    return uvicorn.Server(uv_config)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: SandboxConfig | None = None,
    *,
    allow_non_loopback: bool = False,
    log_level: str = "info",
) -> None:
    """Serve the sandbox until interrupted (Ctrl-C)."""
    make_server(
        host, port, config, allow_non_loopback=allow_non_loopback, log_level=log_level
    ).run()
