"""A batch worker: one of many processes, on any host, sharing the batches of one journal.

``veo-tools batch FILE --enqueue`` records a batch for workers; each ``veo-tools worker`` loops:
claim work from the journal (:meth:`JournalStore.claim_work`: pending items within every
channel's cap across all workers, and the items of workers whose lease expired), send what it
claimed as ``pending`` (exactly once: the claim moved it to ``submitting`` under the worker's
lease), follow every claimed item to its end and save its MP4, renewing its leases meanwhile.
A worker that dies stops renewing; when its leases expire another worker follows its items on,
and an item it may have been sending becomes ``interrupted`` (never sent twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from veo_tools.engine import failover, follow, submission
from veo_tools.engine.batches import CAPS_KEY
from veo_tools.engine.state import Engine
from veo_tools.engine.task_views import policy_for
from veo_tools.errors import InvalidRequestError, VeoError
from veo_tools.journal.schema import TaskRecord
from veo_tools.types import GenerateVideoInput

log = logging.getLogger(__name__)

#: Seconds a claim stays a worker's without renewal (renewed every third of it).
DEFAULT_LEASE_S = 30.0


@dataclass
class WorkerReport:
    """What one worker did before it stopped."""

    worker_id: str
    sent: int = 0
    followed: int = 0
    interrupted: int = 0


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    """Claims, sends and follows shared batch items until stopped (or idle, if asked)."""

    def __init__(
        self,
        eng: Engine,
        caps: Mapping[str, int],
        *,
        lease_s: float = DEFAULT_LEASE_S,
        poll_s: float = 1.0,
        worker_id: str | None = None,
        dedupe_window: float = 900.0,
    ) -> None:
        self._eng = eng
        self._dedupe_window = dedupe_window
        self._caps = dict(caps)
        self._lease_s = lease_s
        self._poll_s = poll_s
        self.report = WorkerReport(worker_id or new_worker_id())
        self._active: dict[str, asyncio.Task[None]] = {}

    async def run(self, *, exit_when_idle: bool = False) -> WorkerReport:
        renewer = asyncio.create_task(self._renew_forever())
        try:
            while True:
                claim = await self._eng.journal.claim_work(
                    self.report.worker_id,
                    self._caps,
                    now=self._eng.clock(),
                    lease_s=self._lease_s,
                    owner=self._eng.owner,
                )
                self.report.interrupted += claim.interrupted
                for rec in claim.tasks:
                    self._active[rec.task_id] = asyncio.create_task(self._item(rec))
                idle = not claim.tasks and not claim.waiting and not self._active
                if exit_when_idle and idle:
                    return self.report
                await self._next_round()
        finally:
            renewer.cancel()
            for task in self._active.values():
                task.cancel()
            await asyncio.gather(renewer, *self._active.values(), return_exceptions=True)

    async def _next_round(self) -> None:
        """Wait until an item ends or ``poll_s`` passes, whichever comes first."""
        if self._active:
            await asyncio.wait(
                set(self._active.values()),
                timeout=self._poll_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
        else:
            await self._eng.sleep(self._poll_s)

    async def _item(self, rec: TaskRecord) -> None:
        eng, claimed = self._eng, rec.task_id
        try:
            if rec.status == "submitting":
                self.report.sent += 1
                try:
                    inp = await self._input(rec)
                    submission.prepare(eng, inp)
                except VeoError as exc:  # nothing was sent: the item simply failed
                    await eng.record_failure(rec, exc)
                    raise
                # As in a local batch, an unpinned item refused as unavailable fails over; the
                # substitute is linked to the item and followed here.
                batch = (rec.batch_id or "", rec.batch_index or 0)
                rec = await failover.start_item(
                    eng, inp, rec, batch=batch, dedupe_window=self._dedupe_window
                )
            else:
                self.report.followed += 1
            hi = policy_for(rec, eng.settings.time_scale).window[1]
            timeout = max(3 * hi, hi + 600) * eng.settings.time_scale
            await follow.wait(eng, rec.task_id, timeout=timeout, download=True, on_progress=None)
        except VeoError as exc:
            # Recorded on the task by the engine (failed or interrupted); the worker goes on.
            log.info("batch item %s: %s", rec.task_id, exc.message)
        finally:
            del self._active[claimed]
            await eng.journal.release_lease(self.report.worker_id, claimed, now=eng.clock())

    async def _input(self, rec: TaskRecord) -> GenerateVideoInput:
        batch = await self._eng.journal.get_batch(rec.batch_id or "")
        if batch is None or rec.batch_index is None:
            raise InvalidRequestError(f"Task {rec.task_id} names no recorded batch item.")
        item = batch.items[rec.batch_index]
        return GenerateVideoInput.model_validate({k: v for k, v in item.items() if k != CAPS_KEY})

    async def _renew_forever(self) -> None:
        while True:
            await self._eng.sleep(self._lease_s / 3)
            if self._active:
                with contextlib.suppress(Exception):  # a missed renewal is retried next time
                    await self._eng.journal.renew_leases(
                        self.report.worker_id,
                        list(self._active),
                        until=self._eng.clock() + self._lease_s,
                    )
