"""The journal as the engine uses it: one small interface, two stores behind it.

:class:`~veo_tools.journal.store.Journal` keeps the ledger in one SQLite file (the embedded
default, one machine); :class:`~veo_tools.journal.postgres.PostgresJournal` keeps it in
PostgreSQL, shared by MCP replicas and batch workers on several hosts
(``VEO_TOOLS_JOURNAL_URL``). Both pass the same test suite (``tests/journal/test_store.py``),
which is the contract: a new method goes into :class:`JournalStore`, into both stores, and into
that suite.

The interface is asynchronous: every call is one short transaction, awaited by the engine, so a
PostgreSQL round trip (``psycopg_pool.AsyncConnectionPool``) never blocks the event loop of a
replica serving many clients. A store is opened inside the loop that uses it (:meth:`open`,
which :class:`~veo_tools.service.VeoService` awaits on entry; a store not opened explicitly
opens on its first call) and closed with :meth:`aclose`. The SQLite store runs its sub-millisecond
statements inline (see ``bench/RESULTS.md``, "Journal").
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from veo_tools.journal.owner import Owner
from veo_tools.journal.schema import BatchRecord, TaskRecord
from veo_tools.words import GENERATE_VIDEO, Words, run, stored

#: Batch status meaning "recorded for shared workers" (``veo-tools batch FILE --enqueue``).
WORKERS_BATCH = "workers"

LEASE_ORPHAN_MESSAGE = (
    "The worker submitting this batch item stopped (its lease expired) before the answer "
    "arrived: the task may exist and be billed, so it is not sent again."
)
LEASE_ORPHAN_STREAM_MESSAGE = stored(
    Words(
        "The worker streaming this batch item stopped (its lease expired), so its video cannot "
        "be recovered. It may or may not have been billed; it is not sent again. If you still "
        "need the video, {again}.",
        again=run(GENERATE_VIDEO, force_new=True),
    )
).render("agent")


@dataclass(frozen=True)
class WorkClaim:
    """What one :meth:`JournalStore.claim_work` call handed to a worker.

    ``tasks``: leased to the worker; a ``submitting`` one was ``pending`` until this claim and
    must now be sent (exactly once: nobody else can claim it), any other is followed to its end
    and downloaded (taken over from a worker whose lease expired). ``interrupted``: items whose
    create may have left when their worker died, now ``interrupted`` (never re-sent).
    ``waiting``: items that are neither claimable now nor ended (over a cap, or leased by a live
    worker): a worker that exits when idle keeps polling while this is not 0.
    """

    tasks: list[TaskRecord] = field(default_factory=list)
    interrupted: int = 0
    waiting: int = 0


class JournalStore(Protocol):
    """The durable ledger: tasks, batches and the leases of shared batch workers."""

    async def open(self) -> None:
        """Connect (and migrate) inside the running loop; idempotent."""
        ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> JournalStore: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    # --- tasks
    async def insert(self, rec: TaskRecord) -> None: ...

    async def reserve(
        self,
        rec: TaskRecord,
        *,
        dedupe_since: float | None,
        budget: tuple[float, float] | None = None,
        link: tuple[str, int] | None = None,
    ) -> tuple[TaskRecord, bool]: ...

    async def claim(self, task_id: str, *, owner: Owner) -> bool: ...

    async def update(self, task_id: str, **fields: Any) -> TaskRecord: ...

    async def get(self, task_id_or_remote_id: str) -> TaskRecord | None: ...

    async def list(
        self,
        status: str | tuple[str, ...] | None = None,
        limit: int = 20,
        batch_id: str | None = None,
    ) -> builtins.list[TaskRecord]: ...

    async def spent_since(self, ts: float) -> float: ...

    async def latest_refusals(
        self, error_kind: str, *, since: float
    ) -> builtins.list[TaskRecord]: ...

    async def recover_orphans(self, task_id: str | None = None) -> int: ...

    # --- batches
    async def create_batch(
        self,
        batch_id: str,
        items: builtins.list[dict[str, Any]],
        *,
        created_at: float,
        status: str = "pending",
        tasks: Sequence[tuple[TaskRecord, float | None]] = (),
        budget: tuple[float, float] | None = None,
    ) -> BatchRecord: ...

    async def get_batch(self, batch_id: str) -> BatchRecord | None: ...

    async def update_batch(self, batch_id: str, status: str) -> None: ...

    async def batch_links(self, batch_id: str) -> dict[int, TaskRecord]: ...

    async def batch_tasks(self, batch_id: str) -> builtins.list[TaskRecord]: ...

    # --- shared workers
    async def claim_work(
        self,
        worker_id: str,
        caps: Mapping[str, int],
        *,
        now: float,
        lease_s: float,
        owner: Owner,
    ) -> WorkClaim: ...

    async def renew_leases(
        self, worker_id: str, task_ids: Sequence[str], *, until: float
    ) -> int: ...

    async def release_lease(self, worker_id: str, task_id: str, *, now: float) -> None: ...
