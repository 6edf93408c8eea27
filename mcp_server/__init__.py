"""``veo-mcp``: the veo-tools engine as an MCP server (see ``mcp_server.server``).

Importing this package loads the MCP SDK and the light parts of ``veo_tools`` only: never
LangChain, and the engine's HTTP/journal stack only when a server starts.
"""

from mcp_server.server import create_server, main

__all__ = ["create_server", "main"]
