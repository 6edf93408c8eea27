"""veo-tools: Google Veo 3.1 video generation through APIYI, for LLM agents.

Heavy front-ends load on first use: ``from veo_tools import VeoToolkit`` imports LangChain, and
nothing here imports the MCP SDK, so the MCP server never pays for LangChain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from veo_tools.catalog import MODELS, Model, get_model
from veo_tools.errors import (
    APIError,
    AuthenticationError,
    BudgetExceededError,
    ConfigurationError,
    DownloadError,
    InsufficientBalanceError,
    InvalidRequestError,
    ModelUnavailableError,
    RateLimitError,
    ServerError,
    SubmitOutcomeUnknownError,
    TaskFailedError,
    TaskNotFoundError,
    TransportError,
    VeoError,
)
from veo_tools.recommend import recommend_channel
from veo_tools.settings import Settings
from veo_tools.types import (
    BatchItemInput,
    BatchPlan,
    BatchView,
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    ModelInfo,
    ModelsView,
    Recommendation,
    RecommendChannelInput,
    TaskList,
    TaskView,
)

if TYPE_CHECKING:
    from veo_tools.langchain import VeoToolkit
    from veo_tools.service import VeoService

__version__ = "0.1.0"

__all__ = [
    "MODELS",
    "APIError",
    "AuthenticationError",
    "BatchItemInput",
    "BatchPlan",
    "BatchView",
    "BudgetExceededError",
    "CheckStatusInput",
    "ConfigurationError",
    "DownloadError",
    "GenerateBatchInput",
    "GenerateVideoInput",
    "InsufficientBalanceError",
    "InvalidRequestError",
    "ListTasksInput",
    "Model",
    "ModelInfo",
    "ModelUnavailableError",
    "ModelsView",
    "RateLimitError",
    "RecommendChannelInput",
    "Recommendation",
    "ServerError",
    "Settings",
    "SubmitOutcomeUnknownError",
    "TaskFailedError",
    "TaskList",
    "TaskNotFoundError",
    "TaskView",
    "TransportError",
    "VeoError",
    "VeoService",
    "VeoToolkit",
    "__version__",
    "get_model",
    "recommend_channel",
]

_LAZY = {"VeoService": "veo_tools.service", "VeoToolkit": "veo_tools.langchain"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'veo_tools' has no attribute {name!r}")
