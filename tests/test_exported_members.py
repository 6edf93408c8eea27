import subprocess
import sys

import veo_tools


def test_every_public_name_resolves() -> None:
    # The order of __all__ is kept by ruff (RUF022); here every name must be importable.
    for name in veo_tools.__all__:
        assert getattr(veo_tools, name) is not None, name


def test_the_public_surface_is_pinned() -> None:
    assert set(veo_tools.__all__) == {
        "MODELS", "APIError", "AuthenticationError", "BatchItemInput", "BatchPlan", "BatchView",
        "BudgetExceededError", "CheckStatusInput", "ConfigurationError", "DownloadError",
        "GenerateBatchInput", "GenerateVideoInput", "InsufficientBalanceError",
        "InvalidRequestError", "ListTasksInput", "Model", "ModelInfo", "ModelUnavailableError",
        "ModelsView",
        "RateLimitError", "RecommendChannelInput", "Recommendation", "ServerError", "Settings",
        "SubmitOutcomeUnknownError", "TaskFailedError", "TaskList", "TaskNotFoundError",
        "TaskView", "TransportError", "VeoError", "VeoService", "VeoToolkit", "__version__",
        "get_model", "recommend_channel",
    }  # fmt: skip


def test_importing_the_package_loads_neither_langchain_nor_mcp() -> None:
    code = (
        "import sys, veo_tools, veo_tools.service; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'langchain_core', 'mcp'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
