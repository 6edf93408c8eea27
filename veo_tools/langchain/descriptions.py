"""What the model reads about each tool: when to use it, what it costs, what comes back."""

from __future__ import annotations

from veo_tools.catalog import shipped_catalog
from veo_tools.service import DEDUPE_WINDOW_S

_CATALOG = shipped_catalog()  # built at import time: the shipped table, no override
_PRICES = (
    f"Official {_CATALOG.prices_text('official')}, Reverse {_CATALOG.prices_text('reverse')} "
    "per video"
)

GENERATE_DESCRIPTION = (
    "Start rendering a short video (4-8 s, with generated audio) with Google Veo 3.1 through "
    "APIYI. Use it once you know what to make; call recommend_channel first when unsure which "
    f"channel or model fits. Costs money: {_PRICES}. Failed tasks are not billed, and an "
    f"identical request within {DEDUPE_WINDOW_S // 60} minutes returns the earlier task "
    "instead of paying twice. To deliver the final version of an earlier draft (say a cheap "
    "Reverse fast take), pass its task_id as from_task_id: the prompt and frames are reused "
    "on Official standard unless you choose another channel or model. Returns the task as "
    "JSON: task_id, status, progress, price_usd, video_path once saved, error, notes (e.g. "
    "what a re-render could not carry over) and next_step saying what to do. With "
    "wait_seconds > 0 it waits inline; otherwise follow the task_id with check_status."
)
GENERATE_BATCH_DESCRIPTION = (
    "Start many videos at once: a list of generate_video arguments (seeds or variants on an "
    "item make one video per seed). Use it for several videos (a matrix of prompts, seed "
    "exploration) instead of many generate_video calls. The whole batch is validated, priced "
    "and checked against the budget before anything is submitted, so a bad item or an "
    "over-budget batch costs nothing. Returns at once, without waiting for any video, as "
    "JSON: batch_id, status, counts, estimated_cost_usd and items with each task_id. "
    "Then follow it with check_status(task_id=batch_id). "
    f"Costs money per video: {_PRICES}."
)
CHECK_STATUS_DESCRIPTION = (
    "Follow a video task started by generate_video (or found with list_tasks), or a whole "
    "batch started by generate_batch. Use it until the status is completed or failed; set "
    "wait_seconds to wait inline. Returns, for a task_id, the task as JSON: status, progress, "
    "eta_s, error and next_step, and once completed it downloads the MP4 and returns its "
    "video_path. Returns, for a batch_id (it starts with 'batch_'), a batch summary instead: "
    "status (running, completed or incomplete), counts by status, estimated_cost_usd, "
    "spent_usd, failed items with their error, items with task_id and video_path, and "
    "next_step. Free: it never starts a new video."
)

RECOMMEND_DESCRIPTION = (
    "Choose the channel and model before paying for a video. Use it first when the request "
    "has constraints (frame-to-video, reference images, live progress, budget or quality, "
    "resolution, length, aspect ratio, batch size, business scenario). Returns JSON with the "
    "recommended channel, model, mode, price_usd, estimated_cost_usd for the batch, "
    "render_time_s, reasons, alternatives, conflicts and ready-to-use generate_video_args. "
    f"Free and instant. Prices: {_PRICES}."
)
LIST_TASKS_DESCRIPTION = (
    "List the video tasks recorded on this machine, newest first, optionally only one status. "
    "Use it to find a task_id to resume with check_status, to avoid making a video twice, or "
    "to check spending. Returns JSON: tasks (each with task_id, status, prompt, video_path, "
    "next_step...), spent_24h_usd and budget_usd. Free."
)
