"""Journal rows to the :class:`TaskView` every tool returns, with a ``next_step`` for agents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from veo_tools.catalog import get_model
from veo_tools.engine.polling import PollingPolicy
from veo_tools.journal.store import TaskRecord
from veo_tools.types import Billing, TaskError, TaskStatus, TaskView
from veo_tools.words import (
    CHECK_STATUS,
    COMMANDS,
    GENERATE_VIDEO,
    USER_ACCEPTS,
    Term,
    Words,
    run,
)

PROMPT_PREVIEW_CHARS = 160


def estimated_message(label: str, *, checked_ago_s: float, percent: int) -> str:
    """A progress label that says what is known and what is guessed: the state the API last
    reported and when, then the estimate (Official reports nothing between its late polls)::

        queued at last check 40 s ago · ~45% (estimated)
    """
    return f"{label} at last check {max(0, round(checked_ago_s))} s ago · ~{percent}% (estimated)"


def policy_for(rec: TaskRecord, time_scale: float) -> PollingPolicy:
    model = get_model(rec.model)
    params = request_params(rec)
    resolution = params.get("resolution")
    lo, hi = model.render_time(resolution if resolution in model.resolutions else None)
    if model.channel == "official" and params.get("images"):
        hi *= 1.3  # image-to-video takes 10-30% longer
    return PollingPolicy(window=(lo, hi), time_scale=time_scale)


def request_params(rec: TaskRecord) -> dict[str, Any]:
    """The normalised request stored with the task (empty if unreadable)."""
    try:
        value = json.loads(rec.request_json)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _seed(rec: TaskRecord) -> int | None:
    seed = request_params(rec).get("seed")
    return seed if isinstance(seed, int) else None


def public_status(rec: TaskRecord) -> TaskStatus:
    if rec.status in ("pending", "submitting"):
        return "queued"
    return cast(TaskStatus, rec.status)


#: The advice for an interrupted task that ran on the sandbox: no money was ever at stake.
SIMULATED_INTERRUPTED = Words(
    "Interrupted: the outcome is unknown, but the task was simulated by the sandbox, so nothing "
    "was billed. Do not resubmit blindly; {status} again, or {again} for another take.",
    status=Term(f"call {CHECK_STATUS}", f"run {COMMANDS[CHECK_STATUS]} TASK_ID"),
    again=Term(f"{GENERATE_VIDEO} with force_new=true", f"{COMMANDS[GENERATE_VIDEO]} --force-new"),
)


def next_step(
    rec: TaskRecord,
    eta: float | None,
    unavailable_step: Words | None = None,
    *,
    simulated: bool = False,
) -> Words:
    """What to do now, for an agent (tool calls) or a person (commands)."""
    status = public_status(rec)
    if status == "interrupted" and simulated:
        return SIMULATED_INTERRUPTED
    tid = rec.task_id
    if status == "completed":
        if rec.video_path:
            return Words(
                "Done: the video is at {path}. {show}.",
                path=rec.video_path,
                show=Term("Show or send it to the user", "Open it with any video player"),
            )
        return Words(
            "Rendered: {save} to save the MP4.",
            save=Term(
                f"call {CHECK_STATUS}(task_id='{tid}') with download=true",
                f"run veo-tools download {tid}",
            ),
        )
    if status == "failed":
        if rec.error_kind == "model_unavailable" and unavailable_step:
            gone = f"{rec.model} is unavailable now (retired or down; not billed)."
            return Words("{gone} {step}", gone=gone, step=unavailable_step)
        if rec.error_kind == "content_policy" and rec.billed:
            return Words(
                "Blocked by content moderation, and billed (this model bills blocks): rephrase "
                "the prompt, avoiding the flagged content, before {again} again.",
                again=Term(f"calling {GENERATE_VIDEO}", f"running {COMMANDS[GENERATE_VIDEO]}"),
            )
        if rec.error_kind == "content_policy":
            return Words(
                "Blocked by content moderation (not billed): rephrase the prompt, avoiding the "
                "flagged content, and {again} again.",
                again=run(GENERATE_VIDEO),
            )
        if rec.error_retryable:
            return Words(
                "Failed upstream (not billed): {again} again, same arguments.",
                again=run(GENERATE_VIDEO),
            )
        return Words(
            "Failed (not billed): read {error}, fix the request, then {again}.",
            error=Term("error.message", "the error"),
            again=Term(GENERATE_VIDEO, f"run {COMMANDS[GENERATE_VIDEO]} again"),
        )
    if status == "interrupted":
        return Words(
            "Interrupted: the outcome is unknown and it may have been billed. Do not resubmit "
            "blindly; check the APIYI console, or {again} if {accepts} paying again.",
            again=run(GENERATE_VIDEO, force_new=True),
            accepts=USER_ACCEPTS,
        )
    if rec.status == "pending":
        return Words(
            "Waiting for a free slot in batch {batch}: {follow} to follow the batch.",
            batch=rec.batch_id,
            follow=run(CHECK_STATUS, task_id=rec.batch_id),
        )
    wait = f" in about {max(1, round(eta))} s" if eta else " in a few seconds"
    return Words(
        "Still rendering: {follow}{wait}.",
        follow=run(CHECK_STATUS, task_id=tid, wait_seconds=...),
        wait=wait,
    )


def task_view(
    rec: TaskRecord,
    *,
    now: float,
    time_scale: float,
    deduplicated: bool = False,
    unavailable_step: Words | None = None,
    simulated: bool = False,
) -> TaskView:
    """``simulated``: the task ran on the sandbox, so an unknown outcome never means money."""
    end = rec.completed_at if rec.completed_at else now
    elapsed = max(0.0, end - (rec.submitted_at or rec.created_at))
    status = public_status(rec)
    eta = policy_for(rec, time_scale).eta(elapsed) if status in ("queued", "in_progress") else None
    error = None
    if rec.error_kind:
        error = TaskError(
            kind=rec.error_kind, message=rec.error_message or "", retryable=rec.error_retryable
        )
    billed, billing = bill(rec, status, simulated=simulated)
    prompt = rec.prompt
    if len(prompt) > PROMPT_PREVIEW_CHARS:
        prompt = prompt[: PROMPT_PREVIEW_CHARS - 1] + "…"
    advice = next_step(rec, eta, unavailable_step, simulated=simulated)
    view = TaskView(
        task_id=rec.task_id,
        channel=rec.channel,
        model=rec.model,
        status=status,
        progress=100 if status == "completed" else max(0, min(100, rec.progress)),
        price_usd=rec.price_usd,
        billed=billed,
        billing=billing,
        video_path=rec.video_path,
        video_url=rec.video_url,
        error=error,
        next_step=advice.render("agent"),
        deduplicated=deduplicated,
        created_at=datetime.fromtimestamp(rec.created_at, UTC).isoformat(timespec="seconds"),
        elapsed_s=round(elapsed, 2),
        eta_s=round(eta, 1) if eta is not None else None,
        prompt=prompt,
        seed=_seed(rec),
        batch_id=rec.batch_id,
    )
    view.advise(advice)
    return view


def bill(rec: TaskRecord, status: str, *, simulated: bool) -> tuple[bool | None, Billing]:
    """Whether the task is paid, told honestly: ``pending`` until it ends (only a finished task
    is charged), then billed or not (the API's word where it gave one: a Grok moderation block
    is billed, a failed task is not), and ``unknown`` for an interrupted task whose outcome
    nobody knows (its error says why); a simulated task is never billed."""
    if status in ("queued", "in_progress"):
        return None, "pending"
    if status == "interrupted":
        return (False, "not_billed") if simulated else (None, "unknown")
    billed = rec.billed if rec.billed is not None else status == "completed"
    return billed, "billed" if billed else "not_billed"
