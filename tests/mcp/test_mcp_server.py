"""``create_server`` options, the engine's lifespan, and ``main()``'s configuration errors."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp_support import client_in_own_task, slower, structured, text_of

from mcp_server import create_server
from mcp_server.server import main
from mcp_server.state import DEFAULT_MAX_WAIT_S, max_wait_from_env
from veo_tools.service import VeoService
from veo_tools.settings import Settings


async def test_long_render_returns_at_the_cap_with_task_id_and_next_step(
    sandbox_settings: Settings,
) -> None:
    async with (
        VeoService(slower(sandbox_settings, 0.05)) as service,  # a render takes 3-4.5 s
        client_in_own_task(Client(create_server(service=service, max_wait_s=0.3))) as client,
    ):
        args = {"prompt": "a long pan across mountains", "wait_seconds": 60}
        result = await client.call_tool("generate_video", args)
        view = await structured(client, "generate_video", result)
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert view["status"] in ("queued", "in_progress")
    assert view["task_id"] in text_of(result) and "check_status" in view["next_step"]
    assert "waited at most 0.3 s" in text_of(result)
    assert view["elapsed_s"] < 60 * 0.05
    assert "capped at 0.3 s" in (tools["check_status"].description or "")


async def test_server_opens_one_engine_in_its_lifespan_and_closes_it(
    sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[VeoService] = []
    closed: list[VeoService] = []
    original_init, original_close = VeoService.__init__, VeoService.aclose

    def tracking_init(self: VeoService, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        opened.append(self)

    async def tracking_close(self: VeoService) -> None:
        closed.append(self)
        await original_close(self)

    monkeypatch.setattr(VeoService, "__init__", tracking_init)
    monkeypatch.setattr(VeoService, "aclose", tracking_close)
    server = create_server(settings=sandbox_settings)
    assert opened == []  # nothing heavy happens before the server starts
    async with client_in_own_task(Client(server)) as client:
        for _ in range(3):
            assert not (await client.call_tool("list_tasks", {})).is_error
        assert len(opened) == 1 and closed == []
    assert closed == opened


async def test_given_service_is_used_and_left_open(service: VeoService) -> None:
    async with client_in_own_task(Client(create_server(service=service))) as client:
        await client.call_tool("generate_video", {"prompt": "a moth"})
    assert len((await service.list_tasks()).tasks) == 1  # still usable: the caller closes it


def test_max_wait_comes_from_the_environment_or_defaults_to_25_s() -> None:
    assert max_wait_from_env({}) == DEFAULT_MAX_WAIT_S == 25
    assert max_wait_from_env({"VEO_MCP_MAX_WAIT_S": "40"}) == 40
    with pytest.raises(ValueError, match="VEO_MCP_MAX_WAIT_S"):
        max_wait_from_env({"VEO_MCP_MAX_WAIT_S": "soon"})


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--max-wait", "-1"], {}, "between 0 and 3600"),
        ([], {"VEO_MCP_MAX_WAIT_S": "soon"}, "VEO_MCP_MAX_WAIT_S"),
        ([], {"VEO_TOOLS_TIME_SCALE": "fast"}, "VEO_TOOLS_TIME_SCALE"),
        (["--log-level", "chatty"], {}, "log level"),
        (["--transport", "carrier-pigeon"], {}, "invalid choice"),
    ],
)
def test_main_reports_bad_configuration_with_exit_code_2(
    argv: list[str],
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(["--sandbox", *argv])
    assert exited.value.code == 2
    assert expected in capsys.readouterr().err
