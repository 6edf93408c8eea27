"""Streamable HTTP on a loopback port: tools work, the token is enforced, rebinding is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_support import TOOL_NAMES, structured, text_of

from mcp_server import create_server
from mcp_server.http_app import bind_error, build_http_app, is_loopback, security_settings
from mcp_server.server import main
from veo_tools.service import VeoService

TOKEN = "test-token-0123456789abcdef"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}
JSON_HEADERS = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def serving(service: VeoService, token: str | None = None) -> AsyncIterator[str]:
    """Serve a fresh server's HTTP app on 127.0.0.1 (a free port); yields the /mcp URL."""
    app = build_http_app(create_server(service=service), host="127.0.0.1", token=token)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def authorized_client(url: str, token: str) -> AsyncIterator[Client]:
    """An SDK client that sends the bearer token (the transport leaves our httpx2 client open)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def test_http_lists_tools_and_answers_recommend_channel(service: VeoService) -> None:
    async with serving(service) as url, Client(url) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("recommend_channel", {"priority": "budget"})
        rec = await structured(client, "recommend_channel", result)
    assert names == set(TOOL_NAMES)
    assert rec["channel"] == "reverse" and rec["model"] in text_of(result)


async def test_http_with_a_token_rejects_requests_without_it(service: VeoService) -> None:
    async with serving(service, token=TOKEN) as url, httpx.AsyncClient() as http:
        missing = await http.post(url, json=INITIALIZE, headers=JSON_HEADERS)
        wrong = await http.post(
            url, json=INITIALIZE, headers={**JSON_HEADERS, "Authorization": "Bearer nope"}
        )
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert TOKEN not in response.text


async def test_http_with_a_token_serves_clients_that_send_it(service: VeoService) -> None:
    async with (
        serving(service, token=TOKEN) as url,
        authorized_client(url, TOKEN) as client,
    ):
        result = await client.call_tool("recommend_channel", {})
    assert not result.is_error


async def test_http_keeps_dns_rebinding_protection_on(service: VeoService) -> None:
    async with serving(service, token=TOKEN) as url, httpx.AsyncClient() as http:
        headers = {**JSON_HEADERS, "Authorization": f"Bearer {TOKEN}"}
        rebound = await http.post(
            url, json=INITIALIZE, headers={**headers, "Host": "attacker.example"}
        )
        foreign = await http.post(
            url, json=INITIALIZE, headers={**headers, "Origin": "http://attacker.example"}
        )
        honest = await http.post(url, json=INITIALIZE, headers=headers)
    assert rebound.status_code == 421
    assert foreign.status_code == 403
    assert honest.status_code == 200


def test_non_loopback_bind_without_token_is_refused_before_binding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--transport", "streamable-http", "--host", "0.0.0.0", "--sandbox"])
    assert exited.value.code == 2
    assert "VEO_MCP_AUTH_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "token", "allowed"),
    [
        ("127.0.0.1", None, True),
        ("localhost", None, True),
        ("::1", None, True),
        ("0.0.0.0", None, False),
        ("192.168.1.20", None, False),
        ("0.0.0.0", TOKEN, True),
    ],
)
def test_bind_policy_requires_a_token_off_loopback(
    host: str, token: str | None, allowed: bool
) -> None:
    assert (bind_error(host, token) is None) is allowed
    assert is_loopback(host) is (host in ("127.0.0.1", "localhost", "::1"))


@pytest.mark.parametrize(
    ("host", "extra", "accepted"),
    [
        ("127.0.0.1", [], ["127.0.0.1:8000", "localhost:8000"]),
        ("192.168.1.20", [], ["192.168.1.20:8000", "localhost:8000"]),
        ("0.0.0.0", ["veo.lan"], ["veo.lan:8000", "veo.lan"]),
        ("::", ["fd00::5"], ["[fd00::5]:8000"]),
    ],
)
def test_rebinding_protection_allows_loopback_the_bind_host_and_named_hosts(
    host: str, extra: list[str], accepted: list[str]
) -> None:
    settings = security_settings(host, extra)
    assert settings.enable_dns_rebinding_protection
    hosts = settings.allowed_hosts
    for name in accepted:
        assert name in hosts or f"{name.rsplit(':', 1)[0]}:*" in hosts, name
    assert "attacker.example:*" not in hosts and "0.0.0.0:*" not in hosts
