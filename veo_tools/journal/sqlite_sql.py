"""The SQLite journal's statements, each on a connection already inside a transaction.

:class:`~veo_tools.journal.store.Journal` owns the connection, the lock and the transactions;
the composite steps that several of its methods share (a reservation, the orphan sweep, a whole
batch) live here, as plain functions of the connection.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from veo_tools.errors import InvalidRequestError
from veo_tools.journal import work
from veo_tools.journal.orphans import SETTLE_ORPHAN, orphan_candidates, orphan_settlements
from veo_tools.journal.rules import check_batch_budget, check_budget
from veo_tools.journal.schema import COLUMNS, MAY_BE_PAID, TaskRecord, check_values, record_from_row

SELECT = f"SELECT {', '.join(COLUMNS)} FROM tasks"


def insert(conn: sqlite3.Connection, rec: TaskRecord) -> None:
    values = dataclasses.asdict(rec)
    check_values(values)
    marks = ", ".join("?" for _ in COLUMNS)
    try:
        conn.execute(
            f"INSERT INTO tasks ({', '.join(COLUMNS)}) VALUES ({marks})",
            tuple(values[c] for c in COLUMNS),
        )
    except sqlite3.IntegrityError as exc:
        raise InvalidRequestError(
            f"Task {rec.task_id!r} clashes with a recorded task (same id or idempotency_key), "
            f"or names an unknown batch ({exc})."
        ) from None


def reserve(
    conn: sqlite3.Connection,
    rec: TaskRecord,
    dedupe_since: float | None,
    budget: tuple[float, float] | None,
    link: tuple[str, int] | None,
) -> tuple[TaskRecord, bool]:
    """See :meth:`~veo_tools.journal.store.Journal.reserve` (the caller holds the transaction)."""
    found = find_duplicate(conn, rec, dedupe_since)
    if found is None and budget is not None:
        check_budget(spent(conn, budget[1]), rec, *budget)
    if found is None:
        insert(conn, rec)
    result = found or rec
    if link is not None:
        conn.execute(
            "INSERT OR REPLACE INTO batch_items (batch_id, idx, task_id) VALUES (?, ?, ?)",
            (*link, result.task_id),
        )
    return result, found is not None


def find_duplicate(
    conn: sqlite3.Connection, rec: TaskRecord, dedupe_since: float | None
) -> TaskRecord | None:
    row = None
    if rec.idempotency_key is not None:
        row = conn.execute(f"{SELECT} WHERE idempotency_key = ?", (rec.idempotency_key,)).fetchone()
    if row is None and dedupe_since is not None:
        row = conn.execute(
            f"{SELECT} WHERE fingerprint = ? AND created_at >= ? AND status != 'failed' "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (rec.fingerprint, dedupe_since),
        ).fetchone()
    return None if row is None else record_from_row(row)


def spent(conn: sqlite3.Connection, ts: float) -> float:
    row = conn.execute(
        f"SELECT COALESCE(SUM(price_usd), 0) FROM tasks WHERE created_at >= ? AND {MAY_BE_PAID}",
        (ts,),
    ).fetchone()
    return float(row[0])


def recover(conn: sqlite3.Connection, task_id: str | None) -> int:
    """Settle the live rows (all, or ``task_id``) whose owner is gone; return how many."""
    sql, params = orphan_candidates(task_id, "?")
    settled = orphan_settlements(conn.execute(sql, params).fetchall(), shared=False)
    conn.executemany(SETTLE_ORPHAN, settled)
    return len(settled)


def record_batch(
    conn: sqlite3.Connection,
    batch_id: str,
    items: list[dict[str, Any]],
    *,
    created_at: float,
    status: str,
    tasks: Sequence[tuple[TaskRecord, float | None]],
    budget: tuple[float, float] | None,
) -> None:
    """The batch row and every item's reservation, the budget judged on the whole batch."""
    recover(conn, None)
    before = spent(conn, budget[1]) if budget is not None else 0.0
    conn.execute(
        "INSERT INTO batches (batch_id, created_at, items_json, status) VALUES (?, ?, ?, ?)",
        (batch_id, created_at, json.dumps(items), status),
    )
    for index, (rec, dedupe_since) in enumerate(tasks):
        reserve(conn, rec, dedupe_since, None, (batch_id, index))
    if budget is not None:
        check_batch_budget(before, spent(conn, budget[1]), budget[0])


def work_db(conn: sqlite3.Connection) -> work.Db:
    """The shared-work statements on this connection (run inline: they never suspend, so the
    thread lock held by the transaction is never held across a real await)."""

    async def rows(sql: str, params: tuple[object, ...]) -> list[Any]:
        return conn.execute(sql, params).fetchall()

    async def run(sql: str, params: tuple[object, ...]) -> int:
        return conn.execute(sql, params).rowcount

    return work.Db(rows, run, "sqlite")
