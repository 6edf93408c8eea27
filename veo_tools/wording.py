"""Every word an agent reads about the tools, in one place: names, titles, descriptions,
argument descriptions and the error texts the front-ends add.

Prices, model ids and limits come from the catalog, so the text follows the data. The MCP
server, the LangChain tools and the CLI all read this module; the only front-end-specific text is
the MCP server's inline wait cap (:func:`descriptions` with ``wait_cap_s``). The texts are short
on purpose: an agent pays for them on every turn (``bench/schema_size.py`` measures them,
``tests/test_schema_budget.py`` pins the budget).
"""

from __future__ import annotations

from veo_tools.catalog import Catalog, current, shipped_catalog
from veo_tools.money import usd
from veo_tools.words import (
    CHECK_STATUS,
    GENERATE_BATCH,
    GENERATE_VIDEO,
    LIST_TASKS,
    RECOMMEND_CHANNEL,
    TOOL_NAMES,
)

__all__ = [
    "CHECK_STATUS",
    "GENERATE_BATCH",
    "GENERATE_VIDEO",
    "LIST_TASKS",
    "RECOMMEND_CHANNEL",
    "TOOL_NAMES",
]

#: An identical request within this many minutes returns the earlier task.
DEDUPE_WINDOW_MIN = 15

TITLES = {
    GENERATE_VIDEO: "Generate a video",
    GENERATE_BATCH: "Generate a batch of videos",
    CHECK_STATUS: "Check a video task or batch",
    RECOMMEND_CHANNEL: "Recommend a channel and model",
    LIST_TASKS: "List video tasks",
}


def prices(catalog: Catalog | None = None) -> str:
    """The range of per-video prices at the defaults, from ``catalog`` (default: the current
    one): ``"$0.15-1.37 per video"``."""
    table = catalog or current()
    values = [m.price_usd for m in table.all()]
    low, high = usd(min(values)), usd(max(values)).lstrip("$")
    return f"{low}-{high} per video at the defaults"


def descriptions(
    wait_cap_s: float | None = None, *, catalog: Catalog | None = None
) -> dict[str, str]:
    """Tool name -> description. ``wait_cap_s``: the front-end caps inline waits (MCP).
    ``catalog``: where prices come from (default: the current catalog, with the user's
    override; text built at import time passes the shipped one, as no environment is read then).
    """
    cap = (
        f" Inline waits are capped at {wait_cap_s:g} s here; the job runs on."
        if wait_cap_s is not None
        else ""
    )
    return {
        GENERATE_VIDEO: (
            "Start a video (Veo, Seedance, Wan, HappyHorse or Grok via APIYI). Use it once you "
            f"know what to make. Priced per model ({prices(catalog)}); an identical request within "
            f"{DEDUPE_WINDOW_MIN} min returns that task (deduplicated=true). Returns task_id, "
            "status, price_usd, next_step and, once done, video_path. Follow it with "
            f"check_status (or set wait_seconds).{cap}"
        ),
        GENERATE_BATCH: (
            "Use it for many videos (a prompt matrix, seed exploration): checked and priced as "
            "a whole before anything is paid. Returns at once: batch_id, estimated_cost_usd, item "
            "task_ids; follow with check_status(task_id=batch_id). resume_batch_id resumes a "
            f"stopped batch, sending nothing twice. {prices(catalog)}."
        ),
        CHECK_STATUS: (
            "Use it to follow a task or batch until it ends; downloads the finished MP4 "
            "(video_path). Returns the task, or batch counts. Read-only: never starts, "
            f"resumes or pays. Then follow next_step.{cap}"
        ),
        RECOMMEND_CHANNEL: (
            "Choose channel and model among those up now. Use it before paying when the request "
            "has constraints. Returns model, availability, price, cost for count, reasons, "
            "warnings, alternatives and ready-to-use generate_video_args. Free."
        ),
        LIST_TASKS: (
            "Recorded video tasks, newest first. Use it to find a task_id again after a time-out "
            "or restart. Returns tasks and the 24 h spend. Free."
        ),
    }


#: Argument descriptions, by ``tool.argument`` (the input models in ``types`` read them).
ARGS = {
    "prompt": ("Subject, action, camera, light, sound. Required unless from_task_id."),
    "from_task_id": "Re-render this task (a draft) with its prompt and frames.",
    "channel": "Veo: official, reverse (live progress); seedance, wan, grok; or auto.",
    "model": (
        f"Exact model id (overrides channel/priority), e.g. "
        f"'{shipped_catalog().pick('seedance', fast=True).id}'."
    ),
    "priority": "What matters when channel is 'auto' (iteration: cheap drafts).",
    "seconds": "Default: the model's (Veo 8).",
    "resolution": "Default 720p.",
    "aspect_ratio": "Default 16:9.",
    "images": "Local path, data: or https URL (<= 10 MB); Wan/HappyHorse: https only.",
    "image_use": "frames (first, last) or references; default: the model's.",
    "audio": "false: silent, where the model allows.",
    "mode": "'stream': Reverse only (live progress).",
    "negative_prompt": "What to avoid.",
    "seed": "Similar style, not exact.",
    "wait_seconds": "Seconds to wait inline (0: return at once), then follow with check_status.",
    "force_new": "Pay for a new take even if an identical request ran recently.",
    "idempotency_key": "Your key: the same key never creates a second task.",
    "seeds": "One video per seed.",
    "variants": "This many videos with seeds picked for you.",
    "items": (
        "The videos: generate_video's arguments each (not wait_seconds), plus seeds/variants."
    ),
    "concurrency": "Tasks in flight per channel (default 10; kept on resume).",
    "resume_batch_id": "Resume this stopped batch instead (no items).",
    "task_id": "A task_id (generate_video, list_tasks) or a batch_id (generate_batch).",
    "download": "Save the MP4 once completed.",
    "frame_to_video": "Animate from a start (and end) frame.",
    "reference_images": "Reference images you will send.",
    "streaming_progress": "A UI must show live progress.",
    "need_resolution": "Needed resolution.",
    "need_seconds": "Needed clip length.",
    "need_aspect_ratio": "Needed aspect ratio.",
    "need_audio": "Needs sound (true) or silence (false).",
    "count": "Videos wanted, for the cost estimate.",
    "scenario": "A known business scenario.",
    "status": "Only this status.",
    "limit": "How many recent tasks.",
}


def inline_cap_note(requested: float, granted: float) -> str | None:
    """Said in a result when the MCP server cut a requested wait to its cap."""
    if requested > granted:
        return f"waited at most {granted:g} s (this server's inline cap)"
    return None


def internal_error(tool: str, exc: BaseException) -> str:
    """An unexpected failure, told without its (possibly sensitive) details."""
    return (
        f"{tool} hit an internal error ({type(exc).__name__}); the details are in the log. Any "
        "task created before the error is kept: call list_tasks before retrying."
    )


def local_file_error(exc: OSError) -> str:
    return (
        f"A local file operation failed ({type(exc).__name__}: {exc.strerror or exc}). Check "
        "that VEO_TOOLS_OUTPUT_DIR and VEO_TOOLS_STATE_DIR point at writable directories."
    )
