"""MCP server exposing the veo-tools engine (see server.py)."""
