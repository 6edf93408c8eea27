"""``veo-tools mcp``: the MCP server (``veo-mcp``) under the package's own command name.

Package runners start the command named like the package (``uvx veo-tools mcp``): that is how
the MCP Registry entry (``server.json``) launches the server. Every option ``veo-tools`` does not
know is passed on to ``veo-mcp`` unchanged (``main`` parses this command with
``parse_known_args``).
"""

from __future__ import annotations

import argparse

from veo_tools.cli.context import Cli, Command


def add_mcp_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--help-server", action="store_true", help="show veo-mcp's options (all are accepted here)"
    )


def run_mcp(cli: Cli, args: argparse.Namespace) -> int:
    from mcp_server.server import main as serve

    forwarded = ["--help"] if args.help_server else list(args.server_args)
    if cli.sandbox and "--sandbox" not in forwarded:
        forwarded.insert(0, "--sandbox")
    try:
        return serve(forwarded)
    except SystemExit as exc:  # veo-mcp's own --help or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else 2


MCP = Command(
    "mcp",
    "run the MCP server (the same as veo-mcp)",
    add_mcp_arguments,
    run_mcp,
    "Run the MCP server over stdio (default) or streamable HTTP; the options after 'mcp' are "
    "veo-mcp's. This is how 'uvx veo-tools mcp' and the MCP Registry entry start the server.",
)
