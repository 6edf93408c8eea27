"""Batch items shared by workers: claims, leases and take-overs, the same SQL in both stores.

A worker claims work in one transaction of the store (SQLite: ``BEGIN IMMEDIATE``, which
serialises writers; PostgreSQL: a transaction-scoped advisory lock per channel, plus
``FOR UPDATE SKIP LOCKED`` so a claim never waits on rows another transaction holds):

1. Leases that expired on items whose worker died are taken over: an item still
   ``submitting`` may have had its create sent, so it becomes ``interrupted`` and is never sent
   again, and so does a stream (it died with its worker); an async ``queued``/``in_progress``
   item (or a completed one not yet saved) is leased to the caller, who follows and downloads
   it (following twice is harmless; a lease given up is taken over this way). The lease is
   the heartbeat across hosts, but an item that would be interrupted is left to its owner
   (see :mod:`veo_tools.journal.owner`) while that owner visibly still runs on this machine:
   a worker late renewing is not a dead one.
2. For each channel, the items in flight under any worker's lease are counted and at most
   ``cap - in_flight`` ``pending`` items are moved to ``submitting`` and leased to the caller.
   Count and claim share the lock, so the cap holds across every worker.

Every statement here is written with ``?`` placeholders; :class:`Db` adapts them.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from veo_tools.journal.interface import (
    LEASE_ORPHAN_MESSAGE,
    LEASE_ORPHAN_STREAM_MESSAGE,
    WORKERS_BATCH,
    WorkClaim,
)
from veo_tools.journal.owner import Owner, owner_on_this_machine
from veo_tools.journal.schema import COLUMNS, Dialect, TaskRecord, owner_fields, record_from_row

_T_COLUMNS = ", ".join(f"t.{c}" for c in COLUMNS)
IN_FLIGHT = "('submitting', 'queued', 'in_progress')"
#: Advisory lock class for claims (PostgreSQL); the object id is the channel's hash.
LOCK_CLAIM = 0x7E0C


class _Rows(Protocol):
    async def __call__(self, sql: str, params: tuple[object, ...], /) -> builtins.list[Any]: ...


class _Run(Protocol):
    async def __call__(self, sql: str, params: tuple[object, ...], /) -> int: ...


class Db:
    """One open transaction (its store's ``rows`` and ``run``), with the dialect's placeholder
    and locking clauses."""

    def __init__(self, rows: _Rows, run: _Run, dialect: Dialect) -> None:
        self._rows = rows
        self._run = run
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    async def rows(self, sql: str, params: Sequence[object] = ()) -> builtins.list[Any]:
        return await self._rows(self._sql(sql), tuple(params))

    async def run(self, sql: str, params: Sequence[object] = ()) -> int:
        return await self._run(self._sql(sql), tuple(params))

    def skip_locked(self, table: str) -> str:
        return f" FOR UPDATE OF {table} SKIP LOCKED" if self.dialect == "postgres" else ""

    async def lock(self, key: str) -> None:
        if self.dialect == "postgres":
            await self.rows("SELECT pg_advisory_xact_lock(?, hashtext(?))", (LOCK_CLAIM, key))


async def claim_work(
    db: Db,
    worker_id: str,
    caps: Mapping[str, int],
    *,
    now: float,
    lease_s: float,
    owner: Owner,
) -> WorkClaim:
    """Take over expired leases, then claim pending items within every channel's cap."""
    until = now + lease_s
    tasks, interrupted = await _take_over(db, worker_id, now=now, until=until)
    owned = owner_fields(owner)
    assignments = ", ".join(f"{name} = ?" for name in owned)
    for channel, cap in sorted(caps.items()):
        await db.lock(channel)
        (in_flight,) = (
            await db.rows(
                "SELECT COUNT(*) FROM tasks t JOIN leases l ON l.task_id = t.task_id "
                f"WHERE t.channel = ? AND t.status IN {IN_FLIGHT}",
                (channel,),
            )
        )[0]
        free = int(cap) - int(in_flight)
        if free <= 0:
            continue
        rows = await db.rows(
            f"SELECT {_T_COLUMNS} FROM tasks t JOIN batches b ON b.batch_id = t.batch_id "
            "WHERE t.status = 'pending' AND t.channel = ? AND b.status = ? "
            f"ORDER BY t.created_at, t.batch_index LIMIT ?{db.skip_locked('t')}",
            (channel, WORKERS_BATCH, free),
        )
        for row in rows:
            rec = record_from_row(tuple(row))
            await db.run(
                f"UPDATE tasks SET status = 'submitting', {assignments}, updated_at = ? "
                "WHERE task_id = ? AND status = 'pending'",
                (*owned.values(), now, rec.task_id),
            )
            await _lease(db, rec.task_id, worker_id, until)
            rec = replace(rec, status="submitting", updated_at=now, **owned)
            tasks.append(rec)
    return WorkClaim(
        tasks=tasks, interrupted=interrupted, waiting=(await _waiting(db, worker_id, now))
    )


async def _take_over(
    db: Db, worker_id: str, *, now: float, until: float
) -> tuple[builtins.list[TaskRecord], int]:
    rows = await db.rows(
        f"SELECT {_T_COLUMNS} FROM leases l JOIN tasks t ON t.task_id = l.task_id "
        f"WHERE l.expires_at < ? AND (t.status IN {IN_FLIGHT} "
        "OR (t.status = 'completed' AND t.video_path IS NULL)) "
        f"ORDER BY t.created_at{db.skip_locked('l')}",
        (now,),
    )
    taken: builtins.list[TaskRecord] = []
    interrupted = 0
    me = Owner.current()
    for row in rows:
        rec = record_from_row(tuple(row))
        stream = rec.mode == "stream" and rec.status in ("queued", "in_progress")
        if rec.status == "submitting" or stream:
            if owner_on_this_machine(rec.owner, me):
                continue  # late renewing, not dead: it still drives the item
            kind = "interrupted" if stream else "submit_outcome_unknown"
            message = LEASE_ORPHAN_STREAM_MESSAGE if stream else LEASE_ORPHAN_MESSAGE
            interrupted += await db.run(
                "UPDATE tasks SET status = 'interrupted', error_kind = ?, error_message = ?, "
                "error_retryable = 0, updated_at = ?, completed_at = ? "
                "WHERE task_id = ? AND status = ?",
                (kind, message, now, now, rec.task_id, rec.status),
            )
            continue
        await _lease(db, rec.task_id, worker_id, until)
        taken.append(rec)
    return taken, interrupted


async def _lease(db: Db, task_id: str, worker_id: str, until: float) -> None:
    await db.run(
        "INSERT INTO leases (task_id, worker_id, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (task_id) DO UPDATE SET worker_id = excluded.worker_id, "
        "expires_at = excluded.expires_at",
        (task_id, worker_id, until),
    )


async def _waiting(db: Db, worker_id: str, now: float) -> int:
    pending = await db.rows(
        "SELECT COUNT(*) FROM tasks t JOIN batches b ON b.batch_id = t.batch_id "
        "WHERE t.status = 'pending' AND b.status = ?",
        (WORKERS_BATCH,),
    )
    leased = await db.rows(
        "SELECT COUNT(*) FROM leases l JOIN tasks t ON t.task_id = l.task_id "
        f"WHERE l.worker_id != ? AND l.expires_at >= ? AND (t.status IN {IN_FLIGHT} "
        "OR (t.status = 'completed' AND t.video_path IS NULL))",
        (worker_id, now),
    )
    return int(pending[0][0]) + int(leased[0][0])


async def renew_leases(db: Db, worker_id: str, task_ids: Sequence[str], *, until: float) -> int:
    """Extend the caller's leases on ``task_ids``; a lease taken over by another is left."""
    renewed = 0
    for task_id in task_ids:
        renewed += await db.run(
            "UPDATE leases SET expires_at = ? WHERE task_id = ? AND worker_id = ?",
            (until, task_id, worker_id),
        )
    return renewed


async def release_lease(db: Db, worker_id: str, task_id: str, *, now: float) -> None:
    """Give a lease up (its expiry moves to ``now``): the item is free to be taken over."""
    await db.run(
        "UPDATE leases SET expires_at = ? WHERE task_id = ? AND worker_id = ?",
        (now, task_id, worker_id),
    )
