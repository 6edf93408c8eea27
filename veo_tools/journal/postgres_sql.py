"""The PostgreSQL journal's statements, each on a connection already inside a transaction.

:class:`~veo_tools.journal.postgres.PostgresJournal` owns the pool, the migrations and the
transactions; the composite steps that several of its methods share (the advisory locks, a
reservation, the orphan sweep, a whole batch) live here, as coroutines of the connection.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from veo_tools.errors import ConfigurationError, InvalidRequestError
from veo_tools.journal import work
from veo_tools.journal.orphans import SETTLE_ORPHAN, orphan_candidates, orphan_settlements
from veo_tools.journal.rules import check_batch_budget, check_budget
from veo_tools.journal.schema import (
    COLUMNS,
    MAY_BE_PAID,
    MIGRATIONS,
    TaskRecord,
    check_values,
    record_from_row,
    statements_for,
)

try:
    import psycopg
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None  # type: ignore[assignment]

SELECT = f"SELECT {', '.join(COLUMNS)} FROM tasks"
#: Advisory lock classes (the first key of ``pg_advisory_xact_lock(int, int)``).
LOCK_MIGRATE, LOCK_KEY, LOCK_FINGERPRINT, LOCK_BUDGET = 0x7E00, 0x7E01, 0x7E02, 0x7E03


def param(value: object) -> object:
    return int(value) if isinstance(value, bool) else value


async def migrate(conn: psycopg.AsyncConnection[tuple[Any, ...]], url: str) -> None:
    """Bring the schema to this version, once, under the migration lock (two replicas starting
    at once apply each step once). ``url``: the journal's address without its password."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_MIGRATE,))
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = await (await conn.execute("SELECT version FROM schema_version")).fetchone()
    version = 0 if row is None else int(row[0])
    if version > len(MIGRATIONS):
        raise ConfigurationError(
            f"The journal at {url} has schema version {version}, newer than this "
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


async def lock(conn: psycopg.AsyncConnection[tuple[Any, ...]], kind: int, key: str) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (kind, key))


async def insert(conn: psycopg.AsyncConnection[tuple[Any, ...]], rec: TaskRecord) -> bool:
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
                tuple(param(values[c]) for c in COLUMNS),
            )
    except psycopg.IntegrityError as exc:
        raise InvalidRequestError(
            f"Task {rec.task_id!r} clashes with a recorded task (same id or idempotency_key), "
            f"or names an unknown batch ({exc.diag.message_primary})."
        ) from None
    return bool(cursor.rowcount == 1)


async def lock_requests(
    conn: psycopg.AsyncConnection[tuple[Any, ...]],
    tasks: Sequence[tuple[TaskRecord, float | None]],
) -> None:
    """The key, then the fingerprint locks of ``tasks`` (each kind sorted: no deadlock)."""
    keys = {r.idempotency_key for r, _ in tasks if r.idempotency_key is not None}
    prints = {r.fingerprint for r, since in tasks if since is not None}
    for kind, names in ((LOCK_KEY, keys), (LOCK_FINGERPRINT, prints)):
        for name in sorted(names):
            await lock(conn, kind, name)


async def reserve(
    conn: psycopg.AsyncConnection[tuple[Any, ...]],
    rec: TaskRecord,
    dedupe_since: float | None,
    budget: tuple[float, float] | None,
    link: tuple[str, int] | None,
) -> tuple[TaskRecord, bool]:
    found = await find_duplicate(conn, rec, dedupe_since)
    if found is None and budget is not None:
        check_budget(await spent(conn, budget[1]), rec, *budget)
    if found is None and not await insert(conn, rec):
        found = await find_duplicate(conn, rec, None)
    result = found or rec
    if link is not None:
        await conn.execute(
            "INSERT INTO batch_items (batch_id, idx, task_id) VALUES (%s, %s, %s) "
            "ON CONFLICT (batch_id, idx) DO UPDATE SET task_id = excluded.task_id",
            (*link, result.task_id),
        )
    return result, found is not None


async def find_duplicate(
    conn: psycopg.AsyncConnection[tuple[Any, ...]],
    rec: TaskRecord,
    dedupe_since: float | None,
) -> TaskRecord | None:
    row = None
    if rec.idempotency_key is not None:
        row = await one(
            conn,
            f"{SELECT} WHERE idempotency_key = %s",
            (rec.idempotency_key,),
        )
    if row is None and dedupe_since is not None:
        row = await one(
            conn,
            f"{SELECT} WHERE fingerprint = %s AND created_at >= %s "
            "AND status != 'failed' ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (rec.fingerprint, dedupe_since),
        )
    return None if row is None else record_from_row(row)


async def spent(conn: psycopg.AsyncConnection[tuple[Any, ...]], ts: float) -> float:
    row = await one(
        conn,
        f"SELECT COALESCE(SUM(price_usd), 0) FROM tasks WHERE created_at >= %s AND {MAY_BE_PAID}",
        (ts,),
    )
    return float(row[0]) if row else 0.0


async def recover(conn: psycopg.AsyncConnection[tuple[Any, ...]], task_id: str | None) -> int:
    sql, params = orphan_candidates(task_id, "%s")
    settled = orphan_settlements(await all_rows(conn, sql, params), shared=True)
    if not settled:
        return 0
    async with conn.cursor() as cursor:
        await cursor.executemany(SETTLE_ORPHAN.replace("?", "%s"), settled)
    return len(settled)


async def record_batch(
    conn: psycopg.AsyncConnection[tuple[Any, ...]],
    batch_id: str,
    items: list[dict[str, Any]],
    *,
    created_at: float,
    status: str,
    tasks: Sequence[tuple[TaskRecord, float | None]],
    budget: tuple[float, float] | None,
) -> None:
    """The batch row and every item's reservation, under the locks every reserve takes (keys,
    then fingerprints, then the budget), the budget judged on the whole batch."""
    await recover(conn, None)
    await lock_requests(conn, tasks)
    if budget is not None:
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_BUDGET,))
    before = await spent(conn, budget[1]) if budget is not None else 0.0
    await conn.execute(
        "INSERT INTO batches (batch_id, created_at, items_json, status) VALUES (%s, %s, %s, %s)",
        (batch_id, created_at, json.dumps(items), status),
    )
    for index, (rec, dedupe_since) in enumerate(tasks):
        await reserve(conn, rec, dedupe_since, None, (batch_id, index))
    if budget is not None:
        check_batch_budget(before, await spent(conn, budget[1]), budget[0])


async def one(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], sql: str, params: Sequence[object] = ()
) -> tuple[Any, ...] | None:
    return await (await conn.execute(sql, params)).fetchone()


async def all_rows(
    conn: psycopg.AsyncConnection[tuple[Any, ...]], sql: str, params: Sequence[object] = ()
) -> list[tuple[Any, ...]]:
    return await (await conn.execute(sql, params)).fetchall()


def work_db(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> work.Db:
    """The shared-work statements on this transaction's connection."""

    async def rows(sql: str, params: tuple[object, ...]) -> list[Any]:
        return await all_rows(conn, sql, params)

    async def run(sql: str, params: tuple[object, ...]) -> int:
        return (await conn.execute(sql, params)).rowcount

    return work.Db(rows, run, "postgres")
