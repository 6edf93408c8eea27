"""The durable task ledger: one SQLite file (WAL) shared by every process on the machine.

A task is written here before the tool call that created it returns, so it survives restarts,
client time-outs and a second process (the MCP server and the CLI may run at once). Duplicate
detection happens inside one ``BEGIN IMMEDIATE`` transaction, so it is atomic across processes.
Rows are never deleted. Every value reaches SQL as a parameter; only column names taken from
:class:`TaskRecord` itself are spliced into statements.

The methods are ``async`` (the :class:`~veo_tools.journal.interface.JournalStore` interface)
but run their statements inline, on the loop: each is one local transaction well under a
millisecond (``bench/journal.py``), less than handing it to a thread would cost.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from veo_tools.journal import sqlite_sql as ops
from veo_tools.journal import work
from veo_tools.journal.interface import WorkClaim
from veo_tools.journal.owner import Owner, pid_alive
from veo_tools.journal.rules import (
    INTERRUPTED_MESSAGE,
    ORPHANED_SUBMIT_MESSAGE,
    batch_not_found,
    not_found,
    update_statement,
)
from veo_tools.journal.schema import (
    COLUMNS,
    BatchRecord,
    RecordStatus,
    TaskMode,
    TaskRecord,
    fingerprint,
    new_task_id,
    owner_fields,
    record_from_row,
)
from veo_tools.journal.sqlite_file import connect

__all__ = [
    "INTERRUPTED_MESSAGE",
    "JOURNAL_FILENAME",
    "ORPHANED_SUBMIT_MESSAGE",
    "BatchRecord",
    "Journal",
    "Owner",
    "RecordStatus",
    "TaskMode",
    "TaskRecord",
    "fingerprint",
    "new_task_id",
    "pid_alive",
]

JOURNAL_FILENAME = "journal.sqlite3"


class Journal:
    """The ledger in one SQLite file. Thread-safe; safe for several processes at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = connect(self.path)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Journal:
        return cls(Path(state_dir) / JOURNAL_FILENAME)

    async def open(self) -> None:
        """Nothing to do: the file is opened (and migrated) by the constructor."""

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    async def aclose(self) -> None:
        self.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Journal:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> builtins.list[TaskRecord]:
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [record_from_row(row) for row in rows]

    # --- tasks ---------------------------------------------------------------------------

    async def insert(self, rec: TaskRecord) -> None:
        with self._transaction() as conn:
            ops.insert(conn, rec)

    async def reserve(
        self,
        rec: TaskRecord,
        *,
        dedupe_since: float | None,
        budget: tuple[float, float] | None = None,
        link: tuple[str, int] | None = None,
    ) -> tuple[TaskRecord, bool]:
        """Return ``(existing, True)`` for a duplicate of ``rec``, else insert it: ``(rec, False)``.

        A duplicate is a row with the same idempotency_key (any age, any status) or, when
        ``dedupe_since`` is given, the newest non-failed row with the same fingerprint created at
        or after it. Pass ``dedupe_since=None`` to skip the fingerprint check (``force_new``, or a
        fresh idempotency key that asks for a new take on purpose). ``budget=(cap_usd, since)``
        raises :class:`BudgetExceededError` instead of inserting when ``rec`` would take the spend
        since ``since`` over the cap; a duplicate costs nothing and is returned regardless.
        ``link=(batch_id, index)`` records, in the same transaction, that the returned task
        serves that batch item, so a crash can never leave a reserved item unaccounted for.
        """
        with self._transaction() as conn:
            # A dead owner's row must be neither a dedupe target still "rendering" nor a cost
            # that only its owner could settle.
            ops.recover(conn, None)
            return ops.reserve(conn, rec, dedupe_since, budget, link)

    async def claim(self, task_id: str, *, owner: Owner) -> bool:
        """Move a ``pending`` task to ``submitting`` for ``owner``; False if another took it."""
        fields = owner_fields(owner)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._transaction() as conn:
            cursor = conn.execute(
                f"UPDATE tasks SET status = 'submitting', {assignments}, updated_at = ? "
                "WHERE task_id = ? AND status = 'pending'",
                (*fields.values(), time.time(), task_id),
            )
            return cursor.rowcount == 1

    async def update(self, task_id: str, **fields: Any) -> TaskRecord:
        """Set ``fields`` (:class:`TaskRecord` field names) and ``updated_at``; return the row.

        A ``status`` that would move the task backwards (see ``STATUS_RANK``) changes nothing:
        the row as it is comes back.
        """
        sql, params = update_statement(task_id, fields, "?")
        with self._transaction() as conn:
            conn.execute(sql, params)
            row = conn.execute(f"{ops.SELECT} WHERE task_id = ?", (task_id,)).fetchone()
            if row is None:
                raise not_found(task_id)
        return record_from_row(row)

    async def get(self, task_id_or_remote_id: str) -> TaskRecord | None:
        """The task with this local id, else the newest with this remote id, else ``None``."""
        found = self._query(f"{ops.SELECT} WHERE task_id = ?", (task_id_or_remote_id,))
        if not found:
            found = self._query(
                f"{ops.SELECT} WHERE remote_id = ? ORDER BY created_at DESC LIMIT 1",
                (task_id_or_remote_id,),
            )
        return found[0] if found else None

    async def list(
        self,
        status: str | tuple[str, ...] | None = None,
        limit: int = 20,
        batch_id: str | None = None,
    ) -> builtins.list[TaskRecord]:
        """The newest tasks first, optionally only those in some statuses or one batch."""
        clauses: builtins.list[str] = []
        params: builtins.list[object] = []
        if status is not None:
            statuses = (status,) if isinstance(status, str) else status
            clauses.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params.extend(statuses)
        if batch_id is not None:
            clauses.append("batch_id = ?")
            params.append(batch_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"{ops.SELECT}{where} ORDER BY created_at DESC, rowid DESC LIMIT ?"
        return self._query(sql, (*params, max(0, limit)))

    async def spent_since(self, ts: float) -> float:
        """Price of every task created at or after ``ts`` that may be paid: not failed, or
        failed and billed all the same (a Grok moderation block), unless the API said it is not
        billed."""
        with self._lock:
            return ops.spent(self._conn, ts)

    async def latest_refusals(self, error_kind: str, *, since: float) -> builtins.list[TaskRecord]:
        """Per model, its latest create at or after ``since`` when that create failed with
        ``error_kind`` (a later create of the same model, whatever its outcome, clears it).

        ``pending`` batch items are not creates yet (nothing was sent) and are ignored.
        """
        sql = (
            f"{ops.SELECT} AS t WHERE t.status = 'failed' AND t.error_kind = ? "
            "AND t.created_at >= ? AND NOT EXISTS (SELECT 1 FROM tasks AS u "
            "WHERE u.model = t.model AND u.status != 'pending' AND (u.created_at > t.created_at "
            "OR (u.created_at = t.created_at AND u.rowid > t.rowid)))"
        )
        return self._query(sql, (error_kind, since))

    async def recover_orphans(self, task_id: str | None = None) -> int:
        """Settle live rows whose owner is gone (all, or just ``task_id``); return how many.

        A stream, or a create request that may have left, whose process died has an unknown
        outcome: it becomes ``interrupted`` (it may be billed, it is never re-sent). Rows a
        live process still drives, and async tasks any process can poll, are left alone.
        """
        with self._transaction() as conn:
            return ops.recover(conn, task_id)

    # --- batches -------------------------------------------------------------------------

    async def create_batch(
        self,
        batch_id: str,
        items: builtins.list[dict[str, Any]],
        *,
        created_at: float,
        status: str = "pending",
        tasks: Sequence[tuple[TaskRecord, float | None]] = (),
        budget: tuple[float, float] | None = None,
    ) -> BatchRecord:
        """Record a batch and reserve its tasks in one transaction: all of it or nothing.

        ``tasks`` holds one ``(record, dedupe_since)`` per item, in item order (see
        :meth:`reserve`); each is linked to its item. ``budget=(cap_usd, since)`` refuses the
        whole batch with :class:`BudgetExceededError` when its new tasks would take the spend
        over the cap, judged inside the transaction, so no other process can spend in between.
        """
        with self._transaction() as conn:
            ops.record_batch(
                conn, batch_id, items, created_at=created_at, status=status, tasks=tasks,
                budget=budget,
            )  # fmt: skip
        return BatchRecord(batch_id, created_at, items, status)

    async def get_batch(self, batch_id: str) -> BatchRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT batch_id, created_at, items_json, status FROM batches WHERE batch_id = ?",
                (batch_id,),
            ).fetchone()
        if row is None:
            return None
        items = cast("builtins.list[dict[str, Any]]", json.loads(row[2]))
        return BatchRecord(row[0], row[1], items, row[3])

    async def update_batch(self, batch_id: str, status: str) -> None:
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE batches SET status = ? WHERE batch_id = ?", (status, batch_id)
            )
            if cursor.rowcount == 0:
                raise batch_not_found(batch_id)

    async def batch_links(self, batch_id: str) -> dict[int, TaskRecord]:
        """Item index -> the task serving it, for every reserved item of the batch."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT b.idx, {', '.join('t.' + c for c in COLUMNS)} FROM batch_items b "
                "JOIN tasks t ON t.task_id = b.task_id WHERE b.batch_id = ? ORDER BY b.idx",
                (batch_id,),
            ).fetchall()
        return {row[0]: record_from_row(row[1:]) for row in rows}

    async def batch_tasks(self, batch_id: str) -> builtins.list[TaskRecord]:
        return self._query(
            f"{ops.SELECT} WHERE batch_id = ? ORDER BY batch_index, created_at", (batch_id,)
        )

    # --- shared workers (journal.work) -----------------------------------------------------

    async def claim_work(
        self,
        worker_id: str,
        caps: Mapping[str, int],
        *,
        now: float,
        lease_s: float,
        owner: Owner,
    ) -> WorkClaim:
        with self._transaction() as conn:
            db = ops.work_db(conn)
            return await work.claim_work(db, worker_id, caps, now=now, lease_s=lease_s, owner=owner)

    async def renew_leases(self, worker_id: str, task_ids: Sequence[str], *, until: float) -> int:
        with self._transaction() as conn:
            return await work.renew_leases(ops.work_db(conn), worker_id, task_ids, until=until)

    async def release_lease(self, worker_id: str, task_id: str, *, now: float) -> None:
        with self._transaction() as conn:
            await work.release_lease(ops.work_db(conn), worker_id, task_id, now=now)
