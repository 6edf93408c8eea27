"""LangChain front-end: the five Veo tools and a toolkit that shares one engine between them.

``VeoToolkit(sandbox=True).get_tools()`` gives an agent the tools; see ``docs/langchain.md``.
Importing this package never imports the MCP SDK.
"""

from __future__ import annotations

from veo_tools.langchain.progress import PROGRESS_EVENT
from veo_tools.langchain.runner import ServiceRunner
from veo_tools.langchain.scripted import ScriptedVeoChatModel
from veo_tools.langchain.toolkit import VeoToolkit
from veo_tools.langchain.tools import (
    CheckStatusTool,
    GenerateBatchTool,
    GenerateVideoTool,
    ListTasksTool,
    RecommendChannelTool,
    VeoTool,
)

__all__ = [
    "PROGRESS_EVENT",
    "CheckStatusTool",
    "GenerateBatchTool",
    "GenerateVideoTool",
    "ListTasksTool",
    "RecommendChannelTool",
    "ScriptedVeoChatModel",
    "ServiceRunner",
    "VeoTool",
    "VeoToolkit",
]
