"""veo-tools: Google Veo 3.1 video generation through APIYI, for LLM agents."""

from veo_tools.catalog import MODELS, Model, get_model
from veo_tools.errors import VeoError
from veo_tools.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "MODELS",
    "Model",
    "Settings",
    "VeoError",
    "__version__",
    "get_model",
]
