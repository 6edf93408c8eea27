"""Tool input and result models, defined once and shared by every front-end.

The field names are a contract: the LangChain tools and the MCP server publish these schemas as
they are, and the descriptions are what the model reads.

By job: :mod:`~veo_tools.types.vocabulary` (the shared choices and limits),
:mod:`~veo_tools.types.inputs` (tool arguments), :mod:`~veo_tools.types.results` (what the tools
answer), :mod:`~veo_tools.types.schema` (compact published schemas),
:mod:`~veo_tools.types.coercion` (numbers spelt as text) and :mod:`~veo_tools.types.explain`
(validation errors as one line). Import the names from here.
"""

from veo_tools.types.coercion import numbers_from_strings
from veo_tools.types.explain import (
    ECHO_LIMIT,
    MESSAGE_LIMIT,
    ErrorStyle,
    explain_validation_error,
    short,
)
from veo_tools.types.inputs import (
    AspectRatio,
    BatchItemInput,
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    PromptText,
    RecommendChannelInput,
    Resolution,
    WaitSeconds,
)
from veo_tools.types.results import (
    Alternative,
    AvailabilityNote,
    BatchItemView,
    BatchPlan,
    BatchPlanItem,
    BatchView,
    ModelInfo,
    ModelsView,
    ProgressEvent,
    Recommendation,
    TaskError,
    TaskList,
    TaskView,
)
from veo_tools.types.schema import compact_schema
from veo_tools.types.vocabulary import (
    MAX_PROMPT_CHARS,
    MAX_WAIT_SECONDS,
    RESULT_BYTES,
    SCENARIO_DESCRIPTIONS,
    SUMMARY_ITEMS,
    Billing,
    ChannelChoice,
    ModeChoice,
    Priority,
    Scenario,
    TaskStatus,
)

__all__ = [
    "ECHO_LIMIT",
    "MAX_PROMPT_CHARS",
    "MAX_WAIT_SECONDS",
    "MESSAGE_LIMIT",
    "RESULT_BYTES",
    "SCENARIO_DESCRIPTIONS",
    "SUMMARY_ITEMS",
    "Alternative",
    "AspectRatio",
    "AvailabilityNote",
    "BatchItemInput",
    "BatchItemView",
    "BatchPlan",
    "BatchPlanItem",
    "BatchView",
    "Billing",
    "ChannelChoice",
    "CheckStatusInput",
    "ErrorStyle",
    "GenerateBatchInput",
    "GenerateVideoInput",
    "ListTasksInput",
    "ModeChoice",
    "ModelInfo",
    "ModelsView",
    "Priority",
    "ProgressEvent",
    "PromptText",
    "RecommendChannelInput",
    "Recommendation",
    "Resolution",
    "Scenario",
    "TaskError",
    "TaskList",
    "TaskStatus",
    "TaskView",
    "WaitSeconds",
    "compact_schema",
    "explain_validation_error",
    "numbers_from_strings",
    "short",
]
