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
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from veo_tools.errors import ConfigurationError, InvalidRequestError
from veo_tools.journal import work
from veo_tools.journal.interface import WorkClaim
from veo_tools.journal.orphans import SETTLE_ORPHAN, orphan_candidates, orphan_settlements
from veo_tools.journal.owner import Owner
from veo_tools.journal.rules import (
    batch_not_found,
    check_batch_budget,
    check_budget,
    not_found,
    update_statement,
)
from veo_tools.journal.schema import (
    COLUMNS,
    MAY_BE_PAID,
    MIGRATIONS,
    BatchRecord,
    TaskRecord,
    check_values,
    owner_fields,
    record_from_row,
    statements_for,
)

try:
    import psycopg
    from psycopg_pool import AsyncConnectionPool, PoolTimeout
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None  # type: ignore[assignment]

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM tasks"
#: Advisory lock classes (the first key of ``pg_advisory_xact_lock(int, int)``).
LOCK_MIGRATE, LOCK_KEY, LOCK_FINGERPRINT, LOCK_BUDGET = 0x7E00, 0x7E01, 0x7E02, 0x7E03


def _param(value: object) -> object:
    return int(value) if isinstance(value, bool) else value


def safe_url(url: str) -> str:
    """The URL without its password, for messages and ``repr``."""
    parts = urlsplit(url)
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{host}{port}{parts.path}"


class PostgresJournal:
    """The ledger in one PostgreSQL database. Thread-safe; shared by processes and hosts."""

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

    async def open(self) -> None:
        """Open the pool in the running loop and migrate the schema (once; idempotent)."""
        async with self._opening:
            if self._pool is not None:
                return
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
                await self._migrate(pool)
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

    async def aclose(self) -> None:
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

    # --- setup ---------------------------------------------------------------------------

    async def _migrate(self, pool: AsyncConnectionPool[Any]) -> None:
        async with pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_MIGRATE,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            row = await (await conn.execute("SELECT version FROM schema_version")).fetchone()
            version = 0 if row is None else int(row[0])
            if version > len(MIGRATIONS):
                raise ConfigurationError(
                    f"The journal at {self.url} has schema version {version}, newer than this "
                    f"veo-tools understands ({len(MIGRATIONS)}). Upgrade veo-tools on this host "
                    "(every replica and worker must run the same or a newer version)."
                )
            for step in MIGRATIONS[version:]:
                for statement in statements_for(step, "postgres"):
                    await conn.execute(statement)
            if row is None:
                await conn.execute("INSERT INTO schema_version VALUES (%s)", (len(MIGRATIONS),))
            else:
                await conn.execute("UPDATE schema_version SET version = %s", (len(MIGRATIONS),))

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[psycopg.AsyncConnection[tuple[Any, ...]]]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        async with self._pool.connection() as conn, conn.transaction():
            yield conn

    async def _query(self, sql: str, params: tuple[object, ...] = ()) -> builtins.list[TaskRecord]:
        async with self._transaction() as conn:
            rows = await (await conn.execute(sql, params)).fetchall()
        return [record_from_row(row) for row in rows]

    @staticmethod
    async def _lock(conn: psycopg.AsyncConnection[tuple[Any, ...]], kind: int, key: str) -> None:
        await conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (kind, key))

    # --- tasks ---------------------------------------------------------------------------

    async def insert(self, rec: TaskRecord) -> None:
        async with self._transaction() as conn:
            await self._insert(conn, rec)

    async def _insert(
        self, conn: psycopg.AsyncConnection[tuple[Any, ...]], rec: TaskRecord
    ) -> bool:
        """Insert ``rec``; False when a row with its idempotency key already exists."""
        values = dataclasses.asdict(rec)
        check_values(values)
        marks = ", ".join("%s" for _ in COLUMNS)
        try:
            # A savepoint: a clash leaves the outer transaction usable.
            async with conn.transaction():
                cursor = await conn.execute(
                    f"INSERT INTO tasks ({', '.join(COLUMNS)}) VALUES ({marks}) "
                    "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING",
                    tuple(_param(values[c]) for c in COLUMNS),
                )
        except psycopg.IntegrityError as exc:
            raise InvalidRequestError(
                f"Task {rec.task_id!r} clashes with a recorded task (same id or idempotency_key), "
                f"or names an unknown batch ({exc.diag.message_primary})."
            ) from None
        return bool(cursor.rowcount == 1)

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
            await self._recover(conn, None)
            await self._lock_requests(conn, [(rec, dedupe_since)])
            if budget is not None:
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_BUDGET,))
            return await self._reserve(conn, rec, dedupe_since, budget, link)

    async def _lock_requests(
        self,
        conn: psycopg.AsyncConnection[tuple[Any, ...]],
        tasks: Sequence[tuple[TaskRecord, float | None]],
    ) -> None:
        """The key, then the fingerprint locks of ``tasks`` (each kind sorted: no deadlock)."""
        keys = {r.idempotency_key for r, _ in tasks if r.idempotency_key is not None}
        prints = {r.fingerprint for r, since in tasks if since is not None}
        for kind, names in ((LOCK_KEY, keys), (LOCK_FINGERPRINT, prints)):
            for name in sorted(names):
                await self._lock(conn, kind, name)

    async def _reserve(
        self,
        conn: psycopg.AsyncConnection[tuple[Any, ...]],
        rec: TaskRecord,
        dedupe_since: float | None,
        budget: tuple[float, float] | None,
        link: tuple[str, int] | None,
    ) -> tuple[TaskRecord, bool]:
        found = await self._find_duplicate(conn, rec, dedupe_since)
        if found is None and budget is not None:
            check_budget(await self._spent(conn, budget[1]), rec, *budget)
        if found is None and not await self._insert(conn, rec):
            found = await self._find_duplicate(conn, rec, None)
        result = found or rec
        if link is not None:
            await conn.execute(
                "INSERT INTO batch_items (batch_id, idx, task_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (batch_id, idx) DO UPDATE SET task_id = excluded.task_id",
                (*link, result.task_id),
            )
        return result, found is not None

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

    async def _find_duplicate(
        self,
        conn: psycopg.AsyncConnection[tuple[Any, ...]],
        rec: TaskRecord,
        dedupe_since: float | None,
    ) -> TaskRecord | None:
        row = None
        if rec.idempotency_key is not None:
            row = await _one(
                conn,
                f"{_SELECT} WHERE idempotency_key = %s",
                (rec.idempotency_key,),
            )
        if row is None and dedupe_since is not None:
            row = await _one(
                conn,
                f"{_SELECT} WHERE fingerprint = %s AND created_at >= %s "
                "AND status != 'failed' ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (rec.fingerprint, dedupe_since),
            )
        return None if row is None else record_from_row(row)

    async def update(self, task_id: str, **fields: Any) -> TaskRecord:
        """As :meth:`veo_tools.journal.store.Journal.update` (never moves a status back)."""
        sql, params = update_statement(task_id, fields, "%s")
        async with self._transaction() as conn:
            await conn.execute(sql, tuple(_param(p) for p in params))
            row = await _one(conn, f"{_SELECT} WHERE task_id = %s", (task_id,))
        if row is None:
            raise not_found(task_id)
        return record_from_row(row)

    async def get(self, task_id_or_remote_id: str) -> TaskRecord | None:
        found = await self._query(f"{_SELECT} WHERE task_id = %s", (task_id_or_remote_id,))
        if not found:
            found = await self._query(
                f"{_SELECT} WHERE remote_id = %s ORDER BY created_at DESC, rowid DESC LIMIT 1",
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
        sql = f"{_SELECT}{where} ORDER BY created_at DESC, rowid DESC LIMIT %s"
        return await self._query(sql, (*params, max(0, limit)))

    async def spent_since(self, ts: float) -> float:
        async with self._transaction() as conn:
            return await self._spent(conn, ts)

    @staticmethod
    async def _spent(conn: psycopg.AsyncConnection[tuple[Any, ...]], ts: float) -> float:
        row = await _one(
            conn,
            "SELECT COALESCE(SUM(price_usd), 0) FROM tasks "
            f"WHERE created_at >= %s AND {MAY_BE_PAID}",
            (ts,),
        )
        return float(row[0]) if row else 0.0

    async def latest_refusals(self, error_kind: str, *, since: float) -> builtins.list[TaskRecord]:
        """As :meth:`veo_tools.journal.store.Journal.latest_refusals` (ties broken by ``rowid``,
        the insertion order this store keeps in a ``BIGSERIAL``)."""
        sql = (
            f"{_SELECT} AS t WHERE t.status = 'failed' AND t.error_kind = %s "
            "AND t.created_at >= %s AND NOT EXISTS (SELECT 1 FROM tasks AS u "
            "WHERE u.model = t.model AND u.status != 'pending' AND (u.created_at > t.created_at "
            "OR (u.created_at = t.created_at AND u.rowid > t.rowid)))"
        )
        return await self._query(sql, (error_kind, since))

    async def recover_orphans(self, task_id: str | None = None) -> int:
        """As :meth:`veo_tools.journal.store.Journal.recover_orphans`, with the owner rule of a
        journal shared by several machines."""
        async with self._transaction() as conn:
            return await self._recover(conn, task_id)

    @staticmethod
    async def _recover(conn: psycopg.AsyncConnection[tuple[Any, ...]], task_id: str | None) -> int:
        sql, params = orphan_candidates(task_id, "%s")
        settled = orphan_settlements(await _all(conn, sql, params), shared=True)
        if not settled:
            return 0
        async with conn.cursor() as cursor:
            await cursor.executemany(SETTLE_ORPHAN.replace("?", "%s"), settled)
        return len(settled)

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
            await self._recover(conn, None)
            await self._lock_requests(conn, tasks)
            if budget is not None:
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_BUDGET,))
            before = await self._spent(conn, budget[1]) if budget is not None else 0.0
            await conn.execute(
                "INSERT INTO batches (batch_id, created_at, items_json, status) "
                "VALUES (%s, %s, %s, %s)",
                (batch_id, created_at, json.dumps(items), status),
            )
            for index, (rec, dedupe_since) in enumerate(tasks):
                await self._reserve(conn, rec, dedupe_since, None, (batch_id, index))
            if budget is not None:
                check_batch_budget(before, await self._spent(conn, budget[1]), budget[0])
        return BatchRecord(batch_id, created_at, items, status)

    async def get_batch(self, batch_id: str) -> BatchRecord | None:
        async with self._transaction() as conn:
            row = await _one(
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
            rows = await _all(
                conn,
                f"SELECT b.idx, {', '.join('t.' + c for c in COLUMNS)} FROM batch_items b "
                "JOIN tasks t ON t.task_id = b.task_id WHERE b.batch_id = %s ORDER BY b.idx",
                (batch_id,),
            )
        return {row[0]: record_from_row(row[1:]) for row in rows}

    async def batch_tasks(self, batch_id: str) -> builtins.list[TaskRecord]:
        return await self._query(
            f"{_SELECT} WHERE batch_id = %s ORDER BY batch_index, created_at", (batch_id,)
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
            db = _work_db(conn)
            return await work.claim_work(db, worker_id, caps, now=now, lease_s=lease_s, owner=owner)

    async def renew_leases(self, worker_id: str, task_ids: Sequence[str], *, until: float) -> int:
        async with self._transaction() as conn:
            return await work.renew_leases(_work_db(conn), worker_id, task_ids, until=until)

    async def release_lease(self, worker_id: str, task_id: str, *, now: float) -> None:
        async with self._transaction() as conn:
            await work.release_lease(_work_db(conn), worker_id, task_id, now=now)


async def _one(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], sql: str, params: Sequence[object] = ()
) -> tuple[Any, ...] | None:
    return await (await conn.execute(sql, params)).fetchone()


async def _all(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], sql: str, params: Sequence[object] = ()
) -> builtins.list[tuple[Any, ...]]:
    return await (await conn.execute(sql, params)).fetchall()


def _work_db(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> work.Db:
    """The shared-work statements on this transaction's connection."""

    async def rows(sql: str, params: tuple[object, ...]) -> builtins.list[Any]:
        return await _all(conn, sql, params)

    async def run(sql: str, params: tuple[object, ...]) -> int:
        return (await conn.execute(sql, params)).rowcount

    return work.Db(rows, run, "postgres")
