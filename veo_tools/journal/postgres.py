"""The ledger in PostgreSQL, shared by MCP replicas and batch workers on several hosts.

Selected with ``VEO_TOOLS_JOURNAL_URL=postgresql://…`` (extra ``veo-tools[postgres]``). Same
interface and test suite as the SQLite :class:`~veo_tools.journal.store.Journal`; what differs is
how each guarantee is made to hold across processes and hosts:

- migrations run in one transaction under an advisory lock, so two replicas starting at once
  apply each step once;
- ``reserve`` takes transaction-scoped advisory locks on the idempotency key, then on the
  fingerprint, then on the budget (always in that order, so two reserves never deadlock): the
  duplicate look-up, the budget sum and the insert see every committed reservation and no other
  reserve of the same request or budget can interleave. The unique index on
  ``idempotency_key`` backs this up (``ON CONFLICT DO NOTHING`` returns the winner);
- ``create_batch`` takes the same locks for all its items (keys, then fingerprints, each
  sorted, then the budget) and records the batch and every item in one transaction;
- ``update`` carries the status rank in its ``WHERE`` clause (never backwards);
- orphans are judged by the owner rule of a journal shared by machines
  (:func:`~veo_tools.journal.owner.owner_alive` with ``shared=True``) and settled with an
  update guarded by the status and ``updated_at`` they were judged on;
- shared batch work is :mod:`veo_tools.journal.work` with ``FOR UPDATE SKIP LOCKED``.

Every call is one short transaction on a pooled connection
(``psycopg_pool.AsyncConnectionPool``), awaited: a round trip never blocks the event loop. The
pool is opened inside the running loop, by :meth:`PostgresJournal.open` (``VeoService`` awaits
it on entry) or by the first call, and closed by :meth:`PostgresJournal.aclose`.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from veo_tools.errors import ConfigurationError
from veo_tools.journal import postgres_sql as ops
from veo_tools.journal import work
from veo_tools.journal.interface import WorkClaim
from veo_tools.journal.owner import Owner
from veo_tools.journal.rules import (
    batch_not_found,
    not_found,
    update_statement,
)
from veo_tools.journal.schema import (
    COLUMNS,
    BatchRecord,
    TaskRecord,
    owner_fields,
    record_from_row,
)

try:
    import psycopg
    from psycopg_pool import AsyncConnectionPool, PoolTimeout
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None  # type: ignore[assignment]


def safe_url(url: str) -> str:
    """The URL without its password, for messages and ``repr``."""
    parts = urlsplit(url)
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{host}{port}{parts.path}"


class PostgresJournal:
    """The ledger in one PostgreSQL database, shared by processes and hosts. Its pool belongs to
    the event loop that opened it (like the service that owns it)."""

    def __init__(self, url: str, *, max_connections: int = 4, connect_timeout: float = 10.0):
        if psycopg is None:
            raise ConfigurationError(
                "VEO_TOOLS_JOURNAL_URL names a PostgreSQL journal, but psycopg is not installed. "
                "Install the extra:  pip install 'veo-tools[postgres]'  (or unset the variable "
                "to use the local SQLite journal)."
            )
        self.url = safe_url(url)
        self._conninfo = url
        self._max_connections = max_connections
        self._connect_timeout = connect_timeout
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]] | None = None
        self._opening = asyncio.Lock()
        self._closed = False

    async def open(self) -> None:
        """Open the pool in the running loop and migrate the schema (once; idempotent)."""
        await self._ready()

    async def _ready(self) -> AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]]:
        """The open pool: opened here on first use, refused once the journal is closed."""
        async with self._opening:
            if self._closed:
                raise ConfigurationError(
                    f"The PostgreSQL journal at {self.url} is closed (the service that owned it "
                    "was closed): open a new service to use the journal again."
                )
            if self._pool is not None:
                return self._pool
            pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]]
            pool = AsyncConnectionPool(
                self._conninfo,
                min_size=1,
                max_size=self._max_connections,
                open=False,
                name="veo-tools-journal",
            )
            try:
                await pool.open(wait=True, timeout=self._connect_timeout)
                async with pool.connection() as conn, conn.transaction():
                    await ops.migrate(conn, self.url)
            except PoolTimeout:
                await pool.close()
                raise ConfigurationError(
                    f"Cannot connect to the PostgreSQL journal at {self.url} within "
                    f"{self._connect_timeout:g} s. Check VEO_TOOLS_JOURNAL_URL (host, port, "
                    "database, user, password) and that the server accepts connections from "
                    "this host."
                ) from None
            except BaseException:
                await pool.close()
                raise
            self._pool = pool
            return pool

    async def aclose(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def __aenter__(self) -> PostgresJournal:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"PostgresJournal({self.url!r})"

    # --- transactions ----------------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[psycopg.AsyncConnection[tuple[Any, ...]]]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        pool = self._pool or await self._ready()
        async with pool.connection() as conn, conn.transaction():
            yield conn

    async def _query(self, sql: str, params: tuple[object, ...] = ()) -> builtins.list[TaskRecord]:
        async with self._transaction() as conn:
            rows = await (await conn.execute(sql, params)).fetchall()
        return [record_from_row(row) for row in rows]

    # --- tasks ---------------------------------------------------------------------------

    async def insert(self, rec: TaskRecord) -> None:
        async with self._transaction() as conn:
            await ops.insert(conn, rec)

    async def reserve(
        self,
        rec: TaskRecord,
        *,
        dedupe_since: float | None,
        budget: tuple[float, float] | None = None,
        link: tuple[str, int] | None = None,
    ) -> tuple[TaskRecord, bool]:
        """As :meth:`veo_tools.journal.store.Journal.reserve`, atomic across hosts."""
        async with self._transaction() as conn:
            await ops.recover(conn, None)
            await ops.lock_requests(conn, [(rec, dedupe_since)])
            if budget is not None:
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (ops.LOCK_BUDGET,))
            return await ops.reserve(conn, rec, dedupe_since, budget, link)

    async def claim(self, task_id: str, *, owner: Owner) -> bool:
        """Move a ``pending`` task to ``submitting`` for ``owner``; False if another took it."""
        fields = owner_fields(owner)
        assignments = ", ".join(f"{name} = %s" for name in fields)
        async with self._transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE tasks SET status = 'submitting', {assignments}, updated_at = %s "
                "WHERE task_id = %s AND status = 'pending'",
                (*fields.values(), time.time(), task_id),
            )
            return cursor.rowcount == 1

    async def update(self, task_id: str, **fields: Any) -> TaskRecord:
        """As :meth:`veo_tools.journal.store.Journal.update` (never moves a status back)."""
        sql, params = update_statement(task_id, fields, "%s")
        async with self._transaction() as conn:
            await conn.execute(sql, tuple(ops.param(p) for p in params))
            row = await ops.one(conn, f"{ops.SELECT} WHERE task_id = %s", (task_id,))
        if row is None:
            raise not_found(task_id)
        return record_from_row(row)

    async def get(self, task_id_or_remote_id: str) -> TaskRecord | None:
        found = await self._query(f"{ops.SELECT} WHERE task_id = %s", (task_id_or_remote_id,))
        if not found:
            found = await self._query(
                f"{ops.SELECT} WHERE remote_id = %s ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (task_id_or_remote_id,),
            )
        return found[0] if found else None

    async def list(
        self,
        status: str | tuple[str, ...] | None = None,
        limit: int = 20,
        batch_id: str | None = None,
    ) -> builtins.list[TaskRecord]:
        clauses: builtins.list[str] = []
        params: builtins.list[object] = []
        if status is not None:
            clauses.append("status = ANY(%s)")
            params.append([status] if isinstance(status, str) else builtins.list(status))
        if batch_id is not None:
            clauses.append("batch_id = %s")
            params.append(batch_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"{ops.SELECT}{where} ORDER BY created_at DESC, rowid DESC LIMIT %s"
        return await self._query(sql, (*params, max(0, limit)))

    async def spent_since(self, ts: float) -> float:
        async with self._transaction() as conn:
            return await ops.spent(conn, ts)

    async def latest_refusals(self, error_kind: str, *, since: float) -> builtins.list[TaskRecord]:
        """As :meth:`veo_tools.journal.store.Journal.latest_refusals` (ties broken by ``rowid``,
        the insertion order this store keeps in a ``BIGSERIAL``)."""
        sql = (
            f"{ops.SELECT} AS t WHERE t.status = 'failed' AND t.error_kind = %s "
            "AND t.created_at >= %s AND NOT EXISTS (SELECT 1 FROM tasks AS u "
            "WHERE u.model = t.model AND u.status != 'pending' AND (u.created_at > t.created_at "
            "OR (u.created_at = t.created_at AND u.rowid > t.rowid)))"
        )
        return await self._query(sql, (error_kind, since))

    async def recover_orphans(self, task_id: str | None = None) -> int:
        """As :meth:`veo_tools.journal.store.Journal.recover_orphans`, with the owner rule of a
        journal shared by several machines."""
        async with self._transaction() as conn:
            return await ops.recover(conn, task_id)

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
        """As :meth:`veo_tools.journal.store.Journal.create_batch`: all of it or nothing, the
        budget judged under the lock every reserve takes, so no replica spends in between."""
        async with self._transaction() as conn:
            await ops.record_batch(
                conn, batch_id, items, created_at=created_at, status=status, tasks=tasks,
                budget=budget,
            )  # fmt: skip
        return BatchRecord(batch_id, created_at, items, status)

    async def get_batch(self, batch_id: str) -> BatchRecord | None:
        async with self._transaction() as conn:
            row = await ops.one(
                conn,
                "SELECT batch_id, created_at, items_json, status FROM batches WHERE batch_id = %s",
                (batch_id,),
            )
        if row is None:
            return None
        items = cast("builtins.list[dict[str, Any]]", json.loads(row[2]))
        return BatchRecord(row[0], row[1], items, row[3])

    async def update_batch(self, batch_id: str, status: str) -> None:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE batches SET status = %s WHERE batch_id = %s", (status, batch_id)
            )
            if cursor.rowcount == 0:
                raise batch_not_found(batch_id)

    async def batch_links(self, batch_id: str) -> dict[int, TaskRecord]:
        async with self._transaction() as conn:
            rows = await ops.all_rows(
                conn,
                f"SELECT b.idx, {', '.join('t.' + c for c in COLUMNS)} FROM batch_items b "
                "JOIN tasks t ON t.task_id = b.task_id WHERE b.batch_id = %s ORDER BY b.idx",
                (batch_id,),
            )
        return {row[0]: record_from_row(row[1:]) for row in rows}

    async def batch_tasks(self, batch_id: str) -> builtins.list[TaskRecord]:
        return await self._query(
            f"{ops.SELECT} WHERE batch_id = %s ORDER BY batch_index, created_at", (batch_id,)
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
        async with self._transaction() as conn:
            db = ops.work_db(conn)
            return await work.claim_work(db, worker_id, caps, now=now, lease_s=lease_s, owner=owner)

    async def renew_leases(self, worker_id: str, task_ids: Sequence[str], *, until: float) -> int:
        async with self._transaction() as conn:
            return await work.renew_leases(ops.work_db(conn), worker_id, task_ids, until=until)

    async def release_lease(self, worker_id: str, task_id: str, *, now: float) -> None:
        async with self._transaction() as conn:
            await work.release_lease(ops.work_db(conn), worker_id, task_id, now=now)
