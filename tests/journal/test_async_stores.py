"""The journal is async: a PostgreSQL round trip leaves the event loop free, and the store's pool
lives in the loop that opened it and dies with the service that owns it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from veo_tools.errors import ConfigurationError
from veo_tools.journal.postgres import PostgresJournal
from veo_tools.journal.postgres_sql import LOCK_BUDGET
from veo_tools.journal.store import JOURNAL_FILENAME, Journal, TaskRecord, new_task_id
from veo_tools.service import VeoService
from veo_tools.settings import Settings


def record() -> TaskRecord:
    return TaskRecord(
        task_id=new_task_id(),
        channel="reverse",
        model="veo-3.1-fast",
        mode="async",
        prompt="a cat surfing",
        request_json="{}",
        fingerprint=new_task_id(),
        price_usd=0.15,
    )


async def _waiting_on_advisory_locks(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> int:
    cursor = await conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def test_a_reserve_waiting_on_another_replicas_budget_lock_leaves_the_event_loop_free(
    postgres_url: str,
) -> None:
    async with (
        PostgresJournal(postgres_url) as journal,
        await psycopg.AsyncConnection.connect(postgres_url) as other,
        await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as watcher,
    ):
        async with other.transaction():  # another replica judging the budget right now
            await other.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_BUDGET,))
            rec = record()
            reserve = asyncio.create_task(
                journal.reserve(rec, dedupe_since=None, budget=(10.0, 0.0))
            )
            # This loop keeps running other work (here: watching the server) while the reserve
            # waits on the lock; a blocking call would hold the loop until the lock came free.
            for _ in range(400):
                if await _waiting_on_advisory_locks(watcher) == 1:
                    break
                await asyncio.sleep(0.01)
            assert await _waiting_on_advisory_locks(watcher) == 1
            assert not reserve.done()
        got, duplicate = await asyncio.wait_for(reserve, timeout=10)
        assert (got.task_id, duplicate) == (rec.task_id, False)
        assert await journal.get(rec.task_id) == rec


def test_a_postgresql_journal_made_outside_any_loop_opens_in_the_loop_that_first_uses_it(
    postgres_url: str,
) -> None:
    journal = PostgresJournal(postgres_url)  # as a service made before its loop runs
    rec = record()

    async def use() -> TaskRecord | None:
        await journal.insert(rec)  # no explicit open: the first call opens the pool here
        found = await journal.get(rec.task_id)
        await journal.aclose()
        return found

    assert asyncio.run(use()) == rec


async def test_a_services_postgresql_journal_closes_with_the_service_and_stays_closed(
    postgres_url: str, sandbox_settings: Settings
) -> None:
    journal = PostgresJournal(postgres_url)
    async with VeoService(sandbox_settings, journal=journal) as svc:
        assert (await svc.list_tasks()).tasks == []
    with pytest.raises(ConfigurationError, match="closed"):
        await journal.get("veo_0000000000000000")


def test_the_sqlite_store_runs_its_statements_inline_without_ever_suspending(
    tmp_path: Path,
) -> None:
    """What ``bench/journal.py`` measured and chose: each call completes on its first step."""
    with Journal(tmp_path / JOURNAL_FILENAME) as journal:
        rec = record()
        for call in (journal.insert(rec), journal.get(rec.task_id), journal.list()):
            with pytest.raises(StopIteration):
                call.send(None)
