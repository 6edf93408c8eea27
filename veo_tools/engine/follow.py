"""Following a task to its end and saving its MP4.

Status requests follow the catalog-driven `PollingPolicy` (never a busy
loop, always a deadline); between requests the caller gets progress at least every
``HEARTBEAT_S``. A deadline reached is not an error: the caller gets the task's current view.
Downloads stream to a temporary file and are renamed into place only when complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from veo_tools.engine.polling import PollingPolicy
from veo_tools.engine.state import TERMINAL, Engine, ProgressCallback, heartbeat, status_message
from veo_tools.engine.submission import terminal_fields
from veo_tools.engine.task_views import estimated_message, policy_for
from veo_tools.errors import ConfigurationError, DownloadError, TaskNotFoundError, VeoError
from veo_tools.journal.store import TaskRecord, pid_alive
from veo_tools.types import TaskError, TaskView

log = logging.getLogger(__name__)

LOST_REMOTE = (
    "The API does not know this task's remote id any more (expired, or submitted through "
    "another base URL or key). It may have been billed: check the APIYI console."
)
LOST_SIMULATED = (
    "The sandbox does not know this task (the sandbox that ran it is gone). It was simulated: "
    "nothing was billed."
)


async def refresh(eng: Engine, rec: TaskRecord) -> TaskRecord:
    """Ask the API for the task's status once and record any change."""
    if rec.remote_id is None or rec.mode == "stream":
        return eng.get(rec.task_id)
    try:
        remote = await eng.client(rec.channel).get(rec.remote_id)
    except TaskNotFoundError as exc:
        # The API no longer knows the remote id (expired, or another account or base URL):
        # nothing more can be learnt, and it is never resubmitted on our own.
        lost = LOST_SIMULATED if eng.settings.sandbox else LOST_REMOTE
        return eng.interrupt(rec, f"{exc.message} {lost}", kind=exc.kind)
    fields: dict[str, Any] = {"status": remote.status, "progress": remote.progress}
    if remote.video_url:
        fields["video_url"] = remote.video_url
    fields.update(terminal_fields(eng, remote, eng.clock()))
    if (rec.status, rec.progress) == (remote.status, remote.progress) and len(fields) == 2:
        return rec
    return eng.journal.update(rec.task_id, **fields)


async def wait(
    eng: Engine,
    task_id: str,
    *,
    timeout: float,
    download: bool,
    on_progress: ProgressCallback | None,
) -> TaskView:
    rec = eng.get(task_id)
    deadline = eng.clock() + timeout
    policy = policy_for(rec, eng.settings.time_scale)
    trouble: VeoError | None = None
    # When the API last told us the task's state (the create answer counts as the first time).
    checked_at = rec.submitted_at or rec.created_at
    while rec.status not in TERMINAL:
        if rec.mode == "stream" or rec.remote_id is None:
            rec = await _wait_local(eng, rec, deadline, on_progress)
            break
        elapsed = eng.clock() - (rec.submitted_at or rec.created_at)
        delay = policy.next_delay(elapsed)
        last = eng.clock() + delay > deadline
        pause = deadline - eng.clock() if last else delay
        await _idle(eng, rec, pause, policy, on_progress, checked_at)
        try:
            rec, trouble = await refresh(eng, rec), None
            checked_at = eng.clock()
        except VeoError as exc:
            if not exc.retryable:
                raise
            # A status call failing (after the HTTP layer's own retries) loses nothing: the
            # task is in the journal; keep following it until the deadline.
            log.warning("status of %s: %s", rec.task_id, exc.message)
            trouble = exc
        if last:
            break
    await eng.emit(on_progress, rec, status_message(rec))
    if rec.status == "completed" and download:
        return await save_video(eng, rec.task_id)
    view = eng.view(rec)
    if trouble is not None:
        view.error = TaskError(kind=trouble.kind, message=trouble.message, retryable=True)
    return view


async def _idle(
    eng: Engine,
    rec: TaskRecord,
    seconds: float,
    policy: PollingPolicy,
    on_progress: ProgressCallback | None,
    checked_at: float,
) -> None:
    """Sleep ``seconds``, reporting estimated progress at least every HEARTBEAT_S; a label
    that goes past what the API reported says so (the first Official poll comes late)."""
    end = eng.clock() + max(0.0, seconds)
    while (left := end - eng.clock()) > 0:
        now = eng.clock()
        pct = max(
            rec.progress, policy.estimate_progress(now - (rec.submitted_at or rec.created_at))
        )
        message = status_message(rec)
        if pct > rec.progress:
            message = estimated_message(message, checked_ago_s=now - checked_at, percent=pct)
        await eng.emit(on_progress, rec, message, progress=pct)
        await eng.sleep(min(left, heartbeat(eng.settings.time_scale)))


async def _wait_local(
    eng: Engine, rec: TaskRecord, deadline: float, on_progress: ProgressCallback | None
) -> TaskRecord:
    """Wait for a task this process drives itself (a stream), or re-read a foreign one."""
    task = eng.streams.get(rec.task_id)
    if task is None:
        if rec.mode == "stream" and not pid_alive(rec.owner_pid):
            eng.journal.mark_interrupted_streams()
        return eng.get(rec.task_id)
    if on_progress is not None:
        eng.listeners[rec.task_id] = on_progress
    try:
        while not task.done() and eng.clock() < deadline:
            current = eng.get(rec.task_id)
            await eng.emit(on_progress, current, status_message(current))
            left = deadline - eng.clock()
            beat = heartbeat(eng.settings.time_scale)
            await asyncio.wait({task}, timeout=max(0.0, min(left, beat)))
    finally:
        if on_progress is not None and eng.listeners.get(rec.task_id) is on_progress:
            del eng.listeners[rec.task_id]
    return eng.get(rec.task_id)


async def save_video(eng: Engine, task_id: str) -> TaskView:
    """Save a completed task's MP4 as ``<output_dir>/<task_id>.mp4`` (idempotent, atomic)."""
    rec = eng.get(task_id)
    if rec.status != "completed":
        return eng.view(rec)
    if rec.video_path and Path(rec.video_path).is_file():
        return eng.view(rec)
    dest = (eng.settings.output_dir / f"{rec.task_id}.mp4").resolve()
    if dest.is_file():
        return eng.view(eng.journal.update(rec.task_id, video_path=str(dest)))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"Task {rec.task_id} is rendered, but the output directory {dest.parent} cannot be "
            f"created ({exc.strerror}). Set VEO_TOOLS_OUTPUT_DIR to a writable absolute path, "
            f"then call check_status(task_id='{rec.task_id}') again."
        ) from None
    _remove_stale_partials(dest, older_than=eng.settings.read_timeout * 2)
    try:
        url = await _fetch(eng, rec, dest)
    except VeoError as exc:
        if not (isinstance(exc, DownloadError) or exc.retryable):
            raise
        # The video is rendered and paid for: a failed download is reported, never lost.
        view = eng.view(rec)
        view.error = TaskError(kind=exc.kind, message=exc.message, retryable=exc.retryable)
        view.next_step = (
            f"The video is rendered but the download failed ({exc.message}). Call "
            f"check_status(task_id='{rec.task_id}') again to retry the download."
        )
        return view
    rec = eng.journal.update(rec.task_id, video_path=str(dest), video_url=url or rec.video_url)
    return eng.view(rec)


def _remove_stale_partials(dest: Path, *, older_than: float) -> None:
    """Delete temp files a killed download of ``dest`` left (no writer touched them lately)."""
    horizon = time.time() - older_than
    for part in dest.parent.glob(f".{dest.name}.part-*"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < horizon:
                part.unlink()


async def _fetch(eng: Engine, rec: TaskRecord, dest: Path) -> str | None:
    if rec.mode == "stream" or rec.remote_id is None:
        if not rec.video_url:
            raise DownloadError("No video URL was recorded for this task.")
        await eng.http.download_to(rec.video_url, dest, api=eng.http.is_api_url(rec.video_url))
        return rec.video_url
    if rec.channel == "reverse":
        result = await eng.reverse.download(rec.remote_id, dest, video_url=rec.video_url)
    else:
        result = await eng.official.download(rec.remote_id, dest)
    return result.video_url
