"""``veo-tools mcp`` is ``veo-mcp`` under the package's command name (``uvx veo-tools mcp``)."""

from __future__ import annotations

from cli_support import Run


def test_veo_tools_mcp_passes_its_options_to_veo_mcp(run: Run) -> None:
    shown = run("mcp", "--help-server")
    assert shown.code == 0 and shown.out.startswith("usage: veo-mcp")
    refused = run("mcp", "--transport", "carrier-pigeon")
    assert refused.code == 2 and "veo-mcp: error: argument --transport" in refused.err


def test_other_commands_still_refuse_unknown_options(run: Run) -> None:
    result = run("tasks", "--transport", "stdio")
    assert result.code == 2 and "unrecognized arguments: --transport stdio" in result.err
