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
import re
import stat
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from veo_tools.engine import availability
from veo_tools.engine.polling import PollingPolicy
from veo_tools.engine.state import TERMINAL, Engine, ProgressCallback, heartbeat, status_message
from veo_tools.engine.submission import terminal_fields
from veo_tools.engine.task_views import estimated_message, policy_for
from veo_tools.errors import (
    ConfigurationError,
    DownloadError,
    ModelUnavailableError,
    TaskNotFoundError,
    VeoError,
    looks_like_retired,
)
from veo_tools.journal.store import TaskRecord
from veo_tools.transport.deadline import deadline_after
from veo_tools.transport.mp4 import is_whole_mp4
from veo_tools.types import TaskError, TaskView
from veo_tools.words import CHECK_STATUS, COMMANDS, Term, Words, run

log = logging.getLogger(__name__)

#: Beyond a call's wait: time for the status request (or download) under way when it ends. A
#: call that does not wait (``wait_seconds=0``) is bounded by this alone.
ANSWER_GRACE_S = 10.0

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
        return await eng.get(rec.task_id)
    try:
        remote = await eng.client(rec.channel).get(rec.remote_id)
    except TaskNotFoundError as exc:
        # The API no longer knows the remote id (expired, or another account or base URL):
        # nothing more can be learnt, and it is never resubmitted on our own.
        lost = LOST_SIMULATED if eng.settings.sandbox else LOST_REMOTE
        return await eng.interrupt(rec, f"{exc.message} {lost}", kind=exc.kind)
    except ModelUnavailableError as exc:
        if not looks_like_retired(exc.message):
            raise  # an outage may pass: keep following the task
        # The upstream says the model is gone: this task can never finish, and is not billed.
        rec = await eng.journal.update(
            rec.task_id,
            status="failed",
            error_kind=exc.kind,
            error_message=availability.failed_task_message(eng.http.redact(exc.message)),
            error_retryable=True,
            completed_at=eng.clock(),
        )
        await availability.live_list(eng)  # so the task's next step names what is up
        return rec
    fields: dict[str, Any] = {"status": remote.status, "progress": remote.progress}
    if remote.video_url:
        # Stored and shown without a key the API may have put in it (restored when fetched).
        fields["video_url"] = eng.http.redact(remote.video_url)
    fields.update(terminal_fields(eng, remote, eng.clock(), channel=rec.channel, model=rec.model))
    if (rec.status, rec.progress) == (remote.status, remote.progress) and len(fields) == 2:
        return rec
    rec = await eng.journal.update(rec.task_id, **fields)
    if rec.error_kind == availability.UNAVAILABLE:
        await availability.live_list(eng)  # so the task's next step names what is up
    return rec


async def settle_orphan(eng: Engine, rec: TaskRecord) -> TaskRecord:
    """The row as it stands, after marking it ``interrupted`` if its owner is gone (a stream
    or a create request whose process died: see ``Journal.recover_orphans``)."""
    if rec.status in TERMINAL or rec.task_id in eng.submitting or rec.task_id in eng.streams:
        return rec
    await eng.journal.recover_orphans(rec.task_id)
    return await eng.get(rec.task_id)


def bounded(wait_s: float) -> AbstractContextManager[None]:
    """The deadline of a call that waits ``wait_s`` seconds: the wait, plus ANSWER_GRACE_S for
    the status request and download under way when it ends."""
    return deadline_after(max(0.0, wait_s) + ANSWER_GRACE_S)


async def check(eng: Engine, task_id: str, *, download: bool) -> TaskView:
    """Ask the API once (within ANSWER_GRACE_S) and download a finished video. A status call
    that fails in a way worth retrying returns the journal's view with the error attached."""
    rec = await eng.get(task_id)
    trouble: VeoError | None = None
    with bounded(0):
        if rec.status not in TERMINAL:
            try:
                rec = await refresh(eng, rec)
            except VeoError as exc:
                if not exc.retryable:
                    raise
                trouble = exc
        if rec.status == "completed" and download:
            return await save_video(eng, rec.task_id)
    return _with_trouble(await eng.view(rec), trouble)


def _with_trouble(view: TaskView, trouble: VeoError | None) -> TaskView:
    if trouble is not None:
        view.error = TaskError(kind=trouble.kind, message=trouble.message, retryable=True)
    return view


async def wait(
    eng: Engine,
    task_id: str,
    *,
    timeout: float,
    download: bool,
    on_progress: ProgressCallback | None,
) -> TaskView:
    with bounded(timeout):
        return await _wait(
            eng, task_id, timeout=timeout, download=download, on_progress=on_progress
        )


async def _wait(
    eng: Engine,
    task_id: str,
    *,
    timeout: float,
    download: bool,
    on_progress: ProgressCallback | None,
) -> TaskView:
    rec = await eng.get(task_id)
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
    return _with_trouble(await eng.view(rec), trouble)


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
        return await settle_orphan(eng, rec)
    if on_progress is not None:
        eng.listeners[rec.task_id] = on_progress
    try:
        while not task.done() and eng.clock() < deadline:
            current = await eng.get(rec.task_id)
            await eng.emit(on_progress, current, status_message(current))
            left = deadline - eng.clock()
            beat = heartbeat(eng.settings.time_scale)
            await asyncio.wait({task}, timeout=max(0.0, min(left, beat)))
    finally:
        if on_progress is not None and eng.listeners.get(rec.task_id) is on_progress:
            del eng.listeners[rec.task_id]
    return await eng.get(rec.task_id)


async def save_video(eng: Engine, task_id: str) -> TaskView:
    """Save a completed task's MP4 as ``<output_dir>/<task_id>.mp4`` (idempotent, atomic)."""
    rec = await eng.get(task_id)
    if rec.status != "completed":
        return await eng.view(rec)
    # A file is trusted only if it is a whole MP4: one cut short by an older version (or a
    # crash) is fetched again and replaced atomically.
    if rec.video_path and is_whole_mp4(Path(rec.video_path)):
        return await eng.view(rec)
    dest = (eng.settings.output_dir / f"{rec.task_id}.mp4").resolve()
    if is_whole_mp4(dest):
        return await eng.view(await eng.journal.update(rec.task_id, video_path=str(dest)))
    if dest.is_file() or rec.video_path:
        log.warning("the saved video of %s is missing or incomplete; fetching it again", task_id)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            Words(
                "Task {task_id} is rendered, but the output directory {where} cannot be created "
                "({why}). Set VEO_TOOLS_OUTPUT_DIR to a writable absolute path, then {again} "
                "again.",
                task_id=rec.task_id,
                where=dest.parent,
                why=exc.strerror,
                again=run(CHECK_STATUS, task_id=rec.task_id),
            )
        ) from None
    _remove_stale_partials(dest, older_than=eng.settings.read_timeout * 2)
    try:
        url = await _fetch(eng, rec, dest)
    except VeoError as exc:
        if not (isinstance(exc, DownloadError) or exc.retryable):
            raise
        # The video is rendered and paid for: a failed download is reported, never lost.
        view = await eng.view(rec)
        view.error = TaskError(kind=exc.kind, message=exc.message, retryable=exc.retryable)
        view.advise(
            Words(
                "The video is rendered but the download failed ({said}). {again} again to retry "
                "the download.",
                said=exc.words,
                again=Term(
                    f"Call {CHECK_STATUS}(task_id='{rec.task_id}')",
                    f"Run {COMMANDS[CHECK_STATUS]} {rec.task_id}",
                ),
            )
        )
        return view
    url = eng.http.redact(url) if url else rec.video_url
    rec = await eng.journal.update(rec.task_id, video_path=str(dest), video_url=url)
    return await eng.view(rec)


def _remove_stale_partials(dest: Path, *, older_than: float) -> None:
    """Delete temp files a killed download of ``dest`` left (no writer touched them lately)."""
    horizon = time.time() - older_than
    for part in dest.parent.glob(f".{dest.name}.part-*"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < horizon:
                part.unlink()


#: Our own download temp files (``downloads.temp_path_for``): ``.<task_id>.mp4.part-<hex>``.
_PARTIAL = re.compile(r"\.veo_[0-9a-f]{16}\.mp4\.part-[0-9a-f]+")
#: A temp file untouched this long belongs to a download that was killed.
STALE_PARTIAL_S = 3600.0


def sweep_stale_partials(output_dir: Path, *, older_than: float = STALE_PARTIAL_S) -> int:
    """Delete our download temp files in ``output_dir`` that no writer touched for
    ``older_than`` seconds (a killed download); other files are never touched. How many."""
    horizon, removed = time.time() - older_than, 0
    try:
        entries = list(output_dir.iterdir())
    except OSError:
        return 0  # no output directory yet (or unreadable): nothing to sweep
    for part in entries:
        if not _PARTIAL.fullmatch(part.name):
            continue
        with contextlib.suppress(OSError):
            info = part.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_mtime < horizon:
                part.unlink()
                removed += 1
    return removed


async def _fetch(eng: Engine, rec: TaskRecord, dest: Path) -> str | None:
    if rec.mode == "stream" or rec.remote_id is None:
        if not rec.video_url:
            raise DownloadError("No video URL was recorded for this task.")
        await eng.http.download_to(rec.video_url, dest, api=eng.http.is_api_url(rec.video_url))
        return rec.video_url
    if rec.channel in ("official", "grok"):  # bytes from /content, with the key
        client = eng.official if rec.channel == "official" else eng.grok
        return (await client.download(rec.remote_id, dest)).video_url
    # A result URL, fetched without the key unless it is on the API's own origin.
    if rec.channel == "seedance":
        result = await eng.seedance.download(rec.remote_id, dest, video_url=rec.video_url)
    elif rec.channel == "wan":
        result = await eng.wan.download(rec.remote_id, dest, video_url=rec.video_url)
    else:
        result = await eng.reverse.download(rec.remote_id, dest, video_url=rec.video_url)
    return result.video_url
