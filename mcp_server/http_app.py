"""Streamable HTTP: the app, its bearer-token guard and the bind policy.

Over HTTP the server spends the owner's money for whoever can reach it, so: it binds loopback by
default, refuses any other address unless a bearer token is configured, answers 401 to a request
without ``Authorization: Bearer <token>``, and keeps the SDK's DNS-rebinding protection (Host and
Origin checks) on for every bind address.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mcp.server.transport_security import TransportSecuritySettings

from veo_tools.transport.addresses import is_loopback

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
_WILDCARDS = {"0.0.0.0", "::", ""}


def bind_error(host: str, token: str | None) -> str | None:
    """Why ``host`` may not be bound (``None`` when it may)."""
    if is_loopback(host) or token:
        return None
    return (
        f"Refusing to serve on {host!r} without a bearer token: anyone who can reach it could "
        "spend your APIYI balance. Set VEO_MCP_AUTH_TOKEN (or pass --auth-token) to a long "
        "random secret, or bind 127.0.0.1."
    )


def security_settings(host: str, allowed_hosts: Iterable[str] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection on, allowing loopback names, the bind host and ``allowed_hosts``."""
    hosts = list(LOOPBACK_HOSTS)
    origins = list(LOOPBACK_ORIGINS)
    extra = list(allowed_hosts)
    if host not in _WILDCARDS and not is_loopback(host):
        extra.append(host)
    for name in extra:
        bare = f"[{name}]" if ":" in name and not name.startswith("[") else name
        hosts += [bare, f"{bare}:*"]
        origins += [f"http://{bare}:*", f"https://{bare}:*", f"http://{bare}", f"https://{bare}"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class BearerTokenMiddleware:
    """Answer 401 to any HTTP request that lacks ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            await _unauthorized(send)
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                return hmac.compare_digest(value, self._expected)
        return False


async def _unauthorized(send: Send) -> None:
    body = json.dumps(
        {"error": "unauthorized", "message": "Send Authorization: Bearer <VEO_MCP_AUTH_TOKEN>."}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="veo-mcp"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def build_http_app(
    server: MCPServer[Any],
    *,
    host: str,
    token: str | None,
    allowed_hosts: Iterable[str] = (),
) -> ASGIApp:
    """The streamable HTTP ASGI app (endpoint ``/mcp``), token-guarded when a token is set."""
    app: ASGIApp = server.streamable_http_app(
        host=host, transport_security=security_settings(host, allowed_hosts)
    )
    if token:
        app = BearerTokenMiddleware(app, token)
    elif not is_loopback(host):  # pragma: no cover - bind_error() stops this earlier
        raise ValueError(bind_error(host, token))
    return app


async def serve_http(
    server: MCPServer[Any],
    *,
    host: str,
    port: int,
    token: str | None,
    allowed_hosts: Iterable[str] = (),
) -> None:
    import uvicorn

    allowed_hosts = list(allowed_hosts)
    if host in _WILDCARDS and not allowed_hosts:
        log.warning(
            "veo-mcp: bound to %s but only loopback Host names are accepted (DNS-rebinding "
            "protection); add --allowed-host NAME for each name remote clients use",
            host,
        )
    app = build_http_app(server, host=host, token=token, allowed_hosts=allowed_hosts)
    log.info(
        "veo-mcp: streamable HTTP on http://%s:%d/mcp (token %s)",
        host,
        port,
        "required" if token else "off",
    )
    config = uvicorn.Config(app, host=host, port=port, log_level="info", ws="none")
    await uvicorn.Server(config).serve()
