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

Every call is one short transaction on a pooled connection (``psycopg_pool.ConnectionPool``).
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from veo_tools.errors import ConfigurationError, InvalidRequestError, TaskNotFoundError
from veo_tools.journal import work
from veo_tools.journal.interface import WorkClaim
from veo_tools.journal.owner import Owner
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
from veo_tools.journal.store import (
    SETTLE_ORPHAN,
    _check_batch_budget,
    _check_budget,
    _not_found,
    orphan_candidates,
    orphan_settlements,
    update_statement,
)

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
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
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = ConnectionPool(
            url, min_size=1, max_size=max_connections, open=False, name="veo-tools-journal"
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
            self._migrate()
        except PoolTimeout:
            self._pool.close()
            raise ConfigurationError(
                f"Cannot connect to the PostgreSQL journal at {self.url} within "
                f"{connect_timeout:g} s. Check VEO_TOOLS_JOURNAL_URL (host, port, database, "
                "user, password) and that the server accepts connections from this host."
            ) from None
        except BaseException:
            self._pool.close()
            raise

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresJournal({self.url!r})"

    # --- setup ---------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_MIGRATE,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            version = 0 if row is None else int(row[0])
            if version > len(MIGRATIONS):
                raise ConfigurationError(
                    f"The journal at {self.url} has schema version {version}, newer than this "
                    f"veo-tools understands ({len(MIGRATIONS)}). Upgrade veo-tools on this host "
                    "(every replica and worker must run the same or a newer version)."
                )
            for step in MIGRATIONS[version:]:
                for statement in statements_for(step, "postgres"):
                    conn.execute(statement)
            if row is None:
                conn.execute("INSERT INTO schema_version VALUES (%s)", (len(MIGRATIONS),))
            else:
                conn.execute("UPDATE schema_version SET version = %s", (len(MIGRATIONS),))

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> builtins.list[TaskRecord]:
        with self._transaction() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [record_from_row(row) for row in rows]

    def _lock(self, conn: psycopg.Connection[tuple[Any, ...]], kind: int, key: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (kind, key))

    # --- tasks ---------------------------------------------------------------------------

    def insert(self, rec: TaskRecord) -> None:
        with self._transaction() as conn:
            self._insert(conn, rec)

    def _insert(self, conn: psycopg.Connection[tuple[Any, ...]], rec: TaskRecord) -> bool:
        """Insert ``rec``; False when a row with its idempotency key already exists."""
        values = dataclasses.asdict(rec)
        check_values(values)
        marks = ", ".join("%s" for _ in COLUMNS)
        try:
            with conn.transaction():  # a savepoint: a clash leaves the outer transaction usable
                cursor = conn.execute(
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

    def reserve(
        self,
        rec: TaskRecord,
        *,
        dedupe_since: float | None,
        budget: tuple[float, float] | None = None,
        link: tuple[str, int] | None = None,
    ) -> tuple[TaskRecord, bool]:
        """As :meth:`veo_tools.journal.store.Journal.reserve`, atomic across hosts."""
        with self._transaction() as conn:
            self._recover(conn, None)
            self._lock_requests(conn, [(rec, dedupe_since)])
            if budget is not None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_BUDGET,))
            return self._reserve(conn, rec, dedupe_since, budget, link)

    def _lock_requests(
        self,
        conn: psycopg.Connection[tuple[Any, ...]],
        tasks: Sequence[tuple[TaskRecord, float | None]],
    ) -> None:
        """The key, then the fingerprint locks of ``tasks`` (each kind sorted: no deadlock)."""
        keys = {r.idempotency_key for r, _ in tasks if r.idempotency_key is not None}
        prints = {r.fingerprint for r, since in tasks if since is not None}
        for kind, names in ((LOCK_KEY, keys), (LOCK_FINGERPRINT, prints)):
            for name in sorted(names):
                self._lock(conn, kind, name)

    def _reserve(
        self,
        conn: psycopg.Connection[tuple[Any, ...]],
        rec: TaskRecord,
        dedupe_since: float | None,
        budget: tuple[float, float] | None,
        link: tuple[str, int] | None,
    ) -> tuple[TaskRecord, bool]:
        found = self._find_duplicate(conn, rec, dedupe_since)
        if found is None and budget is not None:
            _check_budget(self._spent(conn, budget[1]), rec, *budget)
        if found is None and not self._insert(conn, rec):
            found = self._find_duplicate(conn, rec, None)
        result = found or rec
        if link is not None:
            conn.execute(
                "INSERT INTO batch_items (batch_id, idx, task_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (batch_id, idx) DO UPDATE SET task_id = excluded.task_id",
                (*link, result.task_id),
            )
        return result, found is not None

    def claim(self, task_id: str, *, owner: Owner) -> bool:
        """Move a ``pending`` task to ``submitting`` for ``owner``; False if another took it."""
        fields = owner_fields(owner)
        assignments = ", ".join(f"{name} = %s" for name in fields)
        with self._transaction() as conn:
            cursor = conn.execute(
                f"UPDATE tasks SET status = 'submitting', {assignments}, updated_at = %s "
                "WHERE task_id = %s AND status = 'pending'",
                (*fields.values(), time.time(), task_id),
            )
            return cursor.rowcount == 1

    def _find_duplicate(
        self,
        conn: psycopg.Connection[tuple[Any, ...]],
        rec: TaskRecord,
        dedupe_since: float | None,
    ) -> TaskRecord | None:
        row = None
        if rec.idempotency_key is not None:
            row = conn.execute(
                f"{_SELECT} WHERE idempotency_key = %s",
                (rec.idempotency_key,),
            ).fetchone()
        if row is None and dedupe_since is not None:
            row = conn.execute(
                f"{_SELECT} WHERE fingerprint = %s AND created_at >= %s "
                "AND status != 'failed' ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (rec.fingerprint, dedupe_since),
            ).fetchone()
        return None if row is None else record_from_row(row)

    def update(self, task_id: str, **fields: Any) -> TaskRecord:
        """As :meth:`veo_tools.journal.store.Journal.update` (never moves a status back)."""
        sql, params = update_statement(task_id, fields, "%s")
        with self._transaction() as conn:
            conn.execute(sql, tuple(_param(p) for p in params))
            row = conn.execute(f"{_SELECT} WHERE task_id = %s", (task_id,)).fetchone()
        if row is None:
            raise _not_found(task_id)
        return record_from_row(row)

    def get(self, task_id_or_remote_id: str) -> TaskRecord | None:
        found = self._query(f"{_SELECT} WHERE task_id = %s", (task_id_or_remote_id,))
        if not found:
            found = self._query(
                f"{_SELECT} WHERE remote_id = %s ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (task_id_or_remote_id,),
            )
        return found[0] if found else None

    def list(
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
        return self._query(sql, (*params, max(0, limit)))

    def spent_since(self, ts: float) -> float:
        with self._transaction() as conn:
            return self._spent(conn, ts)

    @staticmethod
    def _spent(conn: psycopg.Connection[tuple[Any, ...]], ts: float) -> float:
        row = conn.execute(
            "SELECT COALESCE(SUM(price_usd), 0) FROM tasks "
            f"WHERE created_at >= %s AND {MAY_BE_PAID}",
            (ts,),
        ).fetchone()
        return float(row[0]) if row else 0.0

    def latest_refusals(self, error_kind: str, *, since: float) -> builtins.list[TaskRecord]:
        """As :meth:`veo_tools.journal.store.Journal.latest_refusals` (ties broken by ``rowid``,
        the insertion order this store keeps in a ``BIGSERIAL``)."""
        sql = (
            f"{_SELECT} AS t WHERE t.status = 'failed' AND t.error_kind = %s "
            "AND t.created_at >= %s AND NOT EXISTS (SELECT 1 FROM tasks AS u "
            "WHERE u.model = t.model AND u.status != 'pending' AND (u.created_at > t.created_at "
            "OR (u.created_at = t.created_at AND u.rowid > t.rowid)))"
        )
        return self._query(sql, (error_kind, since))

    def recover_orphans(self, task_id: str | None = None) -> int:
        """As :meth:`veo_tools.journal.store.Journal.recover_orphans`, with the owner rule of a
        journal shared by several machines."""
        with self._transaction() as conn:
            return self._recover(conn, task_id)

    @staticmethod
    def _recover(conn: psycopg.Connection[tuple[Any, ...]], task_id: str | None) -> int:
        sql, params = orphan_candidates(task_id, "%s")
        settled = orphan_settlements(conn.execute(sql, params).fetchall(), shared=True)
        if not settled:
            return 0
        with conn.cursor() as cursor:
            cursor.executemany(SETTLE_ORPHAN.replace("?", "%s"), settled)
        return len(settled)

    # --- batches -------------------------------------------------------------------------

    def create_batch(
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
        with self._transaction() as conn:
            self._recover(conn, None)
            self._lock_requests(conn, tasks)
            if budget is not None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_BUDGET,))
            before = self._spent(conn, budget[1]) if budget is not None else 0.0
            conn.execute(
                "INSERT INTO batches (batch_id, created_at, items_json, status) "
                "VALUES (%s, %s, %s, %s)",
                (batch_id, created_at, json.dumps(items), status),
            )
            for index, (rec, dedupe_since) in enumerate(tasks):
                self._reserve(conn, rec, dedupe_since, None, (batch_id, index))
            if budget is not None:
                _check_batch_budget(before, self._spent(conn, budget[1]), budget[0])
        return BatchRecord(batch_id, created_at, items, status)

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT batch_id, created_at, items_json, status FROM batches WHERE batch_id = %s",
                (batch_id,),
            ).fetchone()
        if row is None:
            return None
        items = cast("builtins.list[dict[str, Any]]", json.loads(row[2]))
        return BatchRecord(row[0], row[1], items, row[3])

    def update_batch(self, batch_id: str, status: str) -> None:
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE batches SET status = %s WHERE batch_id = %s", (status, batch_id)
            )
            if cursor.rowcount == 0:
                raise TaskNotFoundError(f"No batch {batch_id!r} in the journal.")

    def batch_links(self, batch_id: str) -> dict[int, TaskRecord]:
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT b.idx, {', '.join('t.' + c for c in COLUMNS)} FROM batch_items b "
                "JOIN tasks t ON t.task_id = b.task_id WHERE b.batch_id = %s ORDER BY b.idx",
                (batch_id,),
            ).fetchall()
        return {row[0]: record_from_row(row[1:]) for row in rows}

    def batch_tasks(self, batch_id: str) -> builtins.list[TaskRecord]:
        return self._query(
            f"{_SELECT} WHERE batch_id = %s ORDER BY batch_index, created_at", (batch_id,)
        )

    # --- shared workers (journal.work) -----------------------------------------------------

    def claim_work(
        self,
        worker_id: str,
        caps: Mapping[str, int],
        *,
        now: float,
        lease_s: float,
        owner: Owner,
    ) -> WorkClaim:
        with self._transaction() as conn:
            db = work.Db(conn, "postgres")
            return work.claim_work(db, worker_id, caps, now=now, lease_s=lease_s, owner=owner)

    def renew_leases(self, worker_id: str, task_ids: Sequence[str], *, until: float) -> int:
        with self._transaction() as conn:
            return work.renew_leases(work.Db(conn, "postgres"), worker_id, task_ids, until=until)

    def release_lease(self, worker_id: str, task_id: str, *, now: float) -> None:
        with self._transaction() as conn:
            work.release_lease(work.Db(conn, "postgres"), worker_id, task_id, now=now)
