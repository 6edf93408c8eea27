"""Getting a task started: plan, record in the journal first, then send (async or streamed).

The order is the point: a task is written to the journal (``submitting``) before its create
request leaves, so a time-out, a crash or a cancelled call can never lose a paid task, and a
create whose answer never came is never re-sent blindly.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from veo_tools import images as images_mod
from veo_tools.catalog import MODELS
from veo_tools.channels.base import ImagePayload, RemoteTask, VideoRequest
from veo_tools.engine import availability
from veo_tools.engine.planning import Plan, plan_request
from veo_tools.engine.state import Engine
from veo_tools.errors import (
    DownloadError,
    ModelUnavailableError,
    SubmitOutcomeUnknownError,
    VeoError,
    task_failure_kind,
)
from veo_tools.journal.schema import RecordStatus, owner_fields
from veo_tools.journal.store import TaskRecord, fingerprint, new_task_id
from veo_tools.pricing import tokens_price
from veo_tools.transport.deadline import deadline_after, detached_context
from veo_tools.types import GenerateVideoInput
from veo_tools.words import COMMANDS, GENERATE_VIDEO, Term, Words

DAY_S = 24 * 3600

log = logging.getLogger(__name__)


def prepare(eng: Engine, inp: GenerateVideoInput) -> tuple[Plan, VideoRequest, dict[str, object]]:
    """Plan, load the images, and build the wire request and the journal parameters."""
    plan = plan_request(inp)
    payloads = load_images(eng, inp, plan)
    params = plan.params(inp, [p.digest for p in payloads])
    return plan, video_request(plan, inp, payloads), params


def load_images(eng: Engine, inp: GenerateVideoInput, plan: Plan) -> tuple[ImagePayload, ...]:
    return images_mod.load_images(
        inp.images, input_dirs=eng.settings.input_dirs, allow_urls=plan.mode == "stream"
    )


async def reserve(
    eng: Engine,
    inp: GenerateVideoInput,
    plan: Plan,
    params: dict[str, object],
    *,
    status: RecordStatus,
    dedupe_window: float,
    batch: tuple[str, int] | None = None,
) -> tuple[TaskRecord, bool]:
    """Record the task, or return the duplicate it matches (guards applied atomically).

    ``batch=(batch_id, index)``: the task serves that batch item (a failover substitute), linked
    in the same transaction.
    """
    rec = record(eng, inp, plan, params, status=status, batch=batch)
    budget = eng.settings.budget_usd
    return await eng.journal.reserve(
        rec,
        dedupe_since=dedupe_since(inp, rec.created_at, dedupe_window),
        budget=(budget, rec.created_at - DAY_S) if budget is not None else None,
        link=batch,
    )


def record(
    eng: Engine,
    inp: GenerateVideoInput,
    plan: Plan,
    params: dict[str, object],
    *,
    status: RecordStatus,
    batch: tuple[str, int] | None = None,
) -> TaskRecord:
    """The journal row for ``inp``, owned by this process (not written yet)."""
    now = eng.clock()
    stored = {
        **params,
        # Paths and URLs are kept so a re-render can reuse the frames; data URLs are not.
        "image_refs": [r for r in inp.images if not r.startswith("data:")],
        "data_images": sum(r.startswith("data:") for r in inp.images),
    }
    return TaskRecord(
        task_id=new_task_id(),
        channel=plan.model.channel,
        model=plan.model.id,
        mode=plan.mode,
        prompt=inp.prompt,
        request_json=json.dumps(stored, sort_keys=True),
        fingerprint=fingerprint(params),
        idempotency_key=inp.idempotency_key,
        price_usd=plan.price_usd,
        status=status,
        batch_id=batch[0] if batch else None,
        batch_index=batch[1] if batch else None,
        created_at=now,
        updated_at=now,
        **owner_fields(eng.owner),
    )


def dedupe_since(inp: GenerateVideoInput, now: float, window: float) -> float | None:
    """Since when an identical request is a duplicate; None when a new take is asked for."""
    # A caller-chosen idempotency key replaces fingerprint matching: a new key is a new take.
    fresh = inp.force_new or inp.idempotency_key is not None
    return None if fresh else now - window


async def start(
    eng: Engine, rec: TaskRecord, request: VideoRequest, *, within: float | None = None
) -> TaskRecord:
    """Send a recorded task: submit it (async), or drive its stream in the background.

    ``within`` bounds the submission (retries included, see :func:`submit`); a stream runs on
    in the background, free of the caller's deadline.
    """
    if rec.mode == "stream":
        eng.streams[rec.task_id] = asyncio.create_task(
            run_stream(eng, rec, request), context=detached_context()
        )
        return rec
    return await submit(eng, rec, request, within=within)


async def submit(
    eng: Engine, rec: TaskRecord, request: VideoRequest, *, within: float | None = None
) -> TaskRecord:
    """Send the create request. With ``within`` seconds, no retry is waited for or sent past
    that time: a 429 whose ``Retry-After`` is longer comes back at once as the
    :class:`RateLimitError` saying when to try again (the row is failed: nothing was created)."""
    eng.submitting.add(rec.task_id)
    try:
        with deadline_after(within):
            remote = await eng.client(rec.channel).submit(request)
    except SubmitOutcomeUnknownError as exc:
        await eng.interrupt(rec, exc.message, kind=exc.kind)
        raise SubmitOutcomeUnknownError(
            Words(
                "{said} The attempt is recorded as task_id '{task_id}'; {again} with the same "
                "arguments returns it instead of paying twice.",
                said=exc.words,
                task_id=rec.task_id,
                again=Term(
                    f"calling {GENERATE_VIDEO} again", f"running {COMMANDS[GENERATE_VIDEO]} again"
                ),
            ),
            task_id=rec.task_id,
        ) from exc
    except VeoError as exc:
        await eng.record_failure(rec, exc)
        # A refusal of the model says what is available instead (nothing was created or paid).
        told = await availability.explained(eng, rec.model, exc)
        if told is exc:
            raise
        raise told from exc
    except asyncio.CancelledError:
        await eng.interrupt(
            rec,
            "Cancelled while the create request was in flight: the task may exist and be billed. "
            "It is not re-sent automatically.",
            kind="submit_outcome_unknown",
        )
        raise
    except Exception as exc:
        raise await unexpected(eng, rec, exc) from None
    finally:
        eng.submitting.discard(rec.task_id)
    now = eng.clock()
    fields: dict[str, Any] = {
        "remote_id": remote.remote_id,
        "status": remote.status,
        "progress": remote.progress,
        "submitted_at": now,
    }
    # A create may be answered with a task that has already ended (terminal fields then set the
    # progress to 100 and the bill): they win over the running values above.
    fields.update(terminal_fields(eng, remote, now, channel=rec.channel, model=rec.model))
    return await eng.journal.update(rec.task_id, **fields)


async def unexpected(eng: Engine, rec: TaskRecord, exc: Exception) -> SubmitOutcomeUnknownError:
    """A fault no layer below knew how to name (a bug, or a library's surprise): whether the
    request left is unknown, so the task is ``interrupted`` and never re-sent."""
    # The text of a foreign exception may quote a header, hence the key: redact before logging.
    log.error(
        "task %s: unexpected %s: %s", rec.task_id, type(exc).__name__, eng.http.redact(str(exc))
    )
    message = (
        f"The create request failed in an unexpected way ({type(exc).__name__}), so whether it "
        "reached APIYI is unknown: the task may exist and may be billed, and it is not sent "
        "again. Check the APIYI console task log (https://api.apiyi.com/log) and "
        f"`veo-tools tasks`. The attempt is recorded as task_id '{rec.task_id}'."
    )
    await eng.interrupt(rec, message, kind="submit_outcome_unknown")
    return SubmitOutcomeUnknownError(message, task_id=rec.task_id)


async def run_stream(eng: Engine, rec: TaskRecord, request: VideoRequest) -> None:
    """Drive one streamed generation to its end, keeping the journal up to date.

    Progress goes to whoever waits on the task at that moment (``eng.listeners``), never to a
    caller that has already returned.
    """
    await eng.journal.update(rec.task_id, status="in_progress", submitted_at=eng.clock())
    try:
        async for event in eng.reverse.stream(request):
            if event.kind == "result":
                await eng.journal.update(
                    rec.task_id,
                    status="completed",
                    progress=100,
                    video_url=eng.http.redact(event.video_url) if event.video_url else None,
                    remote_id=event.completion_id,
                    completed_at=eng.clock(),
                )
                continue
            fields: dict[str, Any] = {}
            if event.progress is not None:
                fields["progress"] = event.progress
            current = await eng.journal.update(rec.task_id, **fields)
            listener = eng.listeners.get(rec.task_id)
            await eng.emit(listener, current, eng.http.redact(event.text.strip()) or "rendering")
    except asyncio.CancelledError:
        await eng.interrupt(rec, "The stream was cancelled before the video URL arrived.")
        raise
    except (SubmitOutcomeUnknownError, DownloadError) as exc:
        # Cut mid-way: the render may go on upstream (and be billed); its URL is lost to us.
        await eng.interrupt(rec, exc.message, kind=exc.kind)
    except VeoError as exc:
        # Refused (auth, balance, bad request, no channel), never connected (a plain
        # TransportError: a cut after sending is SubmitOutcomeUnknown), or failed: nothing made.
        await eng.record_failure(rec, exc)
        if isinstance(exc, ModelUnavailableError):
            await availability.live_list(eng)  # so the task's next step names what is up
    except Exception as exc:
        await unexpected(eng, rec, exc)  # the stream task ends here; its row says what happened
    else:
        if (await eng.get(rec.task_id)).status != "completed":
            await eng.interrupt(rec, "The stream ended without a video URL.")


def video_request(
    plan: Plan, inp: GenerateVideoInput, payloads: tuple[ImagePayload, ...]
) -> VideoRequest:
    return VideoRequest(
        model=plan.model.id,
        prompt=inp.prompt,
        seconds=plan.seconds,
        resolution=plan.resolution,
        aspect_ratio=plan.aspect_ratio,
        images=payloads,
        negative_prompt=inp.negative_prompt,
        seed=inp.seed,
        image_role=inp.image_use,
        audio=inp.audio,
    )


#: APIYI: an Official task's ``failed`` "may not include a detailed error field; usually content
#: review or parameter errors". Parameters are checked against the catalog before sending.
OFFICIAL_SILENT_FAILURE = (
    "The task failed and the API gave no reason. Most likely a content-policy block (inferred, "
    "not stated by the API: APIYI documents that a silent Official failure is usually content "
    "review or a parameter error, and the parameters were checked before sending). Not billed: "
    "rephrase the prompt (or change the image) and submit again."
)


def terminal_fields(
    eng: Engine,
    remote: RemoteTask,
    now: float,
    *,
    channel: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """Journal fields for a task the API reports finished (none while it runs)."""
    settled = _settled(remote, model)
    if remote.status == "completed":
        return {"completed_at": now, "progress": 100, **settled}
    if remote.status != "failed":
        return {}
    if not (remote.error or "").strip() and channel == "official":
        return {
            "completed_at": now,
            "error_kind": "content_policy",
            "error_message": OFFICIAL_SILENT_FAILURE,
            "error_retryable": False,
        }
    kind = task_failure_kind(remote.error)
    # The server's own words, which may echo the key back.
    said = eng.http.redact(remote.error or "")
    if kind == availability.UNAVAILABLE:
        message = availability.failed_task_message(said)
    else:
        message = said or (
            "The task failed without a reason (usually content review or upstream capacity)."
        )
    return {
        "completed_at": now,
        "error_kind": kind,
        "error_message": message,
        "error_retryable": kind != "content_policy",
        **settled,
    }


def _settled(remote: RemoteTask, model_id: str | None) -> dict[str, Any]:
    """What the API said about the bill of a finished task: billed or not against the usual
    rule, and the price of the tokens it reports (Seedance), which replaces the estimate."""
    fields: dict[str, Any] = {}
    if remote.billed is not None:
        fields["billed"] = remote.billed
    if remote.tokens is not None and remote.status == "completed":
        model = MODELS.get(model_id or "")
        if model is not None and model.price_rule == "tokens":
            fields["price_usd"] = round(tokens_price(model, remote.tokens), 6)
    return fields
