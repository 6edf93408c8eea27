from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from veo_tools.errors import (
    BudgetExceededError,
    ConfigurationError,
    InvalidRequestError,
    TaskNotFoundError,
)
from veo_tools.journal.interface import WORKERS_BATCH, JournalStore
from veo_tools.journal.owner import UNPROBED_SILENCE_S, Owner, owner_alive
from veo_tools.journal.postgres import PostgresJournal
from veo_tools.journal.schema import MIGRATIONS, owner_fields, statements_for
from veo_tools.journal.store import (
    INTERRUPTED_MESSAGE,
    JOURNAL_FILENAME,
    ORPHANED_SUBMIT_MESSAGE,
    Journal,
    TaskRecord,
    fingerprint,
    new_task_id,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0


@pytest.fixture(params=["sqlite", "postgres"])
async def journal(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """Every store behind the journal interface: this suite is the contract both keep."""
    if request.param == "postgres":
        store: JournalStore = PostgresJournal(request.getfixturevalue("postgres_url"))
    else:
        store = Journal(tmp_path / "state" / JOURNAL_FILENAME)
    async with store as j:
        yield j


def record(**overrides: Any) -> TaskRecord:
    values: dict[str, Any] = {
        "task_id": new_task_id(),
        "channel": "reverse",
        "model": "veo-3.1-fast",
        "mode": "async",
        "prompt": "a cat surfing",
        "request_json": "{}",
        "fingerprint": "fp-1",
        "price_usd": 0.15,
        "created_at": T0,
    }
    values.update(overrides)
    return TaskRecord(**values)


def test_new_task_ids_are_veo_prefixed_16_hex_digits_and_unique() -> None:
    ids = {new_task_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"veo_[0-9a-f]{16}", i) for i in ids)


def test_fingerprint_is_canonical_json_hash_independent_of_key_order() -> None:
    a = fingerprint({"model": "m", "prompt": "p", "images": ["d1"]})
    b = fingerprint({"images": ["d1"], "prompt": "p", "model": "m"})
    assert a == b and re.fullmatch(r"[0-9a-f]{64}", a)
    assert a != fingerprint({"model": "m", "prompt": "p", "images": ["d2"]})


def test_journal_creates_parent_dirs_and_is_in_wal_mode(tmp_path: Path) -> None:
    with Journal.in_state_dir(tmp_path / "a" / "b") as j:
        assert j.path == tmp_path / "a" / "b" / JOURNAL_FILENAME
    with sqlite3.connect(tmp_path / "a" / "b" / JOURNAL_FILENAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_inserted_task_reads_back_by_local_id_and_by_remote_id(journal: JournalStore) -> None:
    rec = record(remote_id="video_abc", error_retryable=True, batch_index=None)
    await journal.insert(rec)
    assert await journal.get(rec.task_id) == rec
    assert await journal.get("video_abc") == rec
    assert await journal.get("unknown") is None


def test_new_record_updated_at_defaults_to_created_at() -> None:
    assert record().updated_at == T0


async def test_update_sets_fields_and_updated_at_and_returns_the_row(journal: JournalStore) -> None:
    rec = record()
    await journal.insert(rec)
    updated = await journal.update(
        rec.task_id, status="completed", progress=100, video_url="https://v"
    )
    assert (updated.status, updated.progress, updated.video_url) == ("completed", 100, "https://v")
    assert updated.updated_at > T0
    assert await journal.get(rec.task_id) == updated


async def test_update_refuses_unknown_fields_and_bad_status(journal: JournalStore) -> None:
    rec = record()
    await journal.insert(rec)
    with pytest.raises(TypeError, match="nonsense"):
        await journal.update(rec.task_id, nonsense=1)
    with pytest.raises(ValueError, match="status must be one of"):
        await journal.update(rec.task_id, status="done")


async def test_update_of_unknown_task_raises_task_not_found(journal: JournalStore) -> None:
    with pytest.raises(TaskNotFoundError, match="list_tasks"):
        await journal.update("veo_0000000000000000", status="failed")


async def test_insert_of_same_task_id_twice_is_refused(journal: JournalStore) -> None:
    rec = record()
    await journal.insert(rec)
    with pytest.raises(InvalidRequestError, match="clashes"):
        await journal.insert(rec)


async def test_list_returns_newest_first_with_status_batch_and_limit_filters(
    journal: JournalStore,
) -> None:
    await journal.create_batch("b1", [{"prompt": "x"}], created_at=T0)
    recs = [
        record(created_at=T0 + i, status="failed" if i % 2 else "queued", batch_id="b1")
        for i in range(5)
    ]
    recs.append(record(created_at=T0 + 10))
    for rec in recs:
        await journal.insert(rec)
    assert [r.task_id for r in await journal.list()] == [r.task_id for r in reversed(recs)]
    assert [r.created_at for r in await journal.list(status="failed")] == [T0 + 3, T0 + 1]
    assert len(await journal.list(batch_id="b1")) == 5
    assert len(await journal.list(limit=2)) == 2


async def test_spent_since_counts_every_task_that_may_be_paid_but_not_failed(
    journal: JournalStore,
) -> None:
    for status in ("submitting", "queued", "in_progress", "completed", "interrupted", "failed"):
        await journal.insert(record(status=status, price_usd=1.0, created_at=T0 + 100))
    await journal.insert(record(status="completed", price_usd=50.0, created_at=T0))
    assert await journal.spent_since(T0 + 1) == pytest.approx(5.0)
    assert await journal.spent_since(T0) == pytest.approx(55.0)
    assert await journal.spent_since(T0 + 1000) == 0.0


async def test_spent_since_follows_what_the_api_said_about_the_bill(journal: JournalStore) -> None:
    # A Grok moderation block is failed and billed; a task the API says it did not bill is not.
    blocked = record(status="failed", error_kind="content_policy", billed=True, price_usd=0.56)
    await journal.insert(blocked)
    await journal.insert(
        record(status="completed", billed=False, price_usd=2.0, fingerprint="fp-2")
    )
    await journal.insert(record(status="failed", billed=False, price_usd=4.0, fingerprint="fp-3"))
    assert await journal.spent_since(T0) == pytest.approx(0.56)
    assert (await journal.get(blocked.task_id)).billed is True  # type: ignore[union-attr]


async def test_the_bill_the_api_reported_is_kept_and_budgets_count_it(
    journal: JournalStore,
) -> None:
    rec = record(status="in_progress", price_usd=0.8)
    await journal.insert(rec)
    assert (await journal.get(rec.task_id)).billed is None  # type: ignore[union-attr]
    await journal.update(rec.task_id, status="failed", error_kind="content_policy", billed=True)
    assert (await journal.get(rec.task_id)).billed is True  # type: ignore[union-attr]
    with pytest.raises(BudgetExceededError):
        await journal.reserve(
            record(price_usd=0.5, fingerprint="fp-9"), dedupe_since=None, budget=(1.0, T0 - 1)
        )


# --- reserve --------------------------------------------------------------------------------


async def test_reserve_returns_recent_task_with_same_fingerprint(journal: JournalStore) -> None:
    first, dup = await journal.reserve(record(), dedupe_since=T0 - 900)
    assert dup is False
    again, dup = await journal.reserve(record(created_at=T0 + 60), dedupe_since=T0 + 60 - 900)
    assert dup is True and again.task_id == first.task_id
    assert len(await journal.list()) == 1


async def test_reserve_returns_newest_of_several_matching_tasks(journal: JournalStore) -> None:
    await journal.insert(record(created_at=T0))
    newest = record(created_at=T0 + 5)
    await journal.insert(newest)
    found, dup = await journal.reserve(record(created_at=T0 + 6), dedupe_since=T0 - 1)
    assert dup and found.task_id == newest.task_id


async def test_reserve_inserts_when_matching_task_is_older_than_window(
    journal: JournalStore,
) -> None:
    await journal.insert(record(created_at=T0))
    _, dup = await journal.reserve(record(created_at=T0 + 1000), dedupe_since=T0 + 100)
    assert dup is False and len(await journal.list()) == 2


async def test_reserve_does_not_deduplicate_failed_tasks(journal: JournalStore) -> None:
    await journal.insert(record(status="failed"))
    fresh = record(created_at=T0 + 1)
    got, dup = await journal.reserve(fresh, dedupe_since=T0 - 900)
    assert dup is False and got.task_id == fresh.task_id


async def test_reserve_without_window_inserts_even_when_fingerprint_matches(
    journal: JournalStore,
) -> None:
    await journal.insert(record())
    _, dup = await journal.reserve(record(created_at=T0 + 1), dedupe_since=None)
    assert dup is False and len(await journal.list()) == 2


async def test_reserve_finds_same_idempotency_key_at_any_age_and_status(
    journal: JournalStore,
) -> None:
    old = record(idempotency_key="take-1", status="failed", fingerprint="other", created_at=0.0)
    await journal.insert(old)
    got, dup = await journal.reserve(record(idempotency_key="take-1"), dedupe_since=None)
    assert dup is True and got.task_id == old.task_id
    _, dup = await journal.reserve(
        record(idempotency_key="take-2", fingerprint="x"), dedupe_since=None
    )
    assert dup is False


async def test_reserve_refuses_a_task_that_would_exceed_the_budget(journal: JournalStore) -> None:
    await journal.insert(record(price_usd=0.9, fingerprint="a"))
    with pytest.raises(BudgetExceededError, match="VEO_TOOLS_BUDGET_USD") as info:
        await journal.reserve(
            record(price_usd=0.3, fingerprint="b"), dedupe_since=None, budget=(1.0, T0 - 86400)
        )
    assert "Nothing was submitted" in info.value.message
    assert len(await journal.list()) == 1
    _, dup = await journal.reserve(
        record(price_usd=0.1, fingerprint="c"), dedupe_since=None, budget=(1.0, T0 - 86400)
    )
    assert dup is False


async def test_reserve_returns_duplicate_even_when_budget_is_spent(journal: JournalStore) -> None:
    await journal.insert(record(price_usd=5.0))
    _, dup = await journal.reserve(record(price_usd=5.0), dedupe_since=T0 - 1, budget=(1.0, T0 - 1))
    assert dup is True


# --- schema and concurrency -----------------------------------------------------------------


async def test_reopening_keeps_data_and_runs_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILENAME
    rec = record()
    with Journal(path) as j:
        await j.insert(rec)
    with Journal(path) as j:
        assert await j.get(rec.task_id) == rec
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_journal_from_a_newer_version_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILENAME
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(ConfigurationError, match="VEO_TOOLS_STATE_DIR"):
        Journal(path)


WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from veo_tools.journal.postgres import PostgresJournal
    from veo_tools.journal.store import Journal, TaskRecord, new_task_id

    where, tag, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])

    async def main():
        store = PostgresJournal(where) if where.startswith("postgresql:") else Journal(Path(where))
        async with store as j:
            while not go.exists():
                await asyncio.sleep(0.002)
            dups = 0
            for i in range(n):
                for key in (f"{tag}-{i}", f"shared-{i}"):
                    rec = TaskRecord(
                        task_id=new_task_id(), channel="reverse", model="m", mode="async",
                        prompt="p", request_json="{}", fingerprint=key, price_usd=0.15,
                        idempotency_key=key,
                    )
                    dups += (await j.reserve(rec, dedupe_since=time.time() - 900))[1]
        return dups

    print(asyncio.run(main()))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
async def test_two_processes_reserving_at_once_lose_nothing_and_never_duplicate(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    go, n = tmp_path / "go", 150
    where = (
        request.getfixturevalue("postgres_url")
        if store == "postgres"
        else str(tmp_path / JOURNAL_FILENAME)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, where, tag, str(n), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("a", "b")
    ]
    go.touch()
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all(err == "" for _, err in outputs)
    assert sum(int(out) for out, _ in outputs) == n
    reader = PostgresJournal(where) if store == "postgres" else Journal(Path(where))
    async with reader as j:
        rows = await j.list(limit=10 * n)
    keys = sorted(r.idempotency_key or "" for r in rows)
    expected = sorted([f"a-{i}" for i in range(n)] + [f"b-{i}" for i in range(n)])
    assert keys == sorted(expected + [f"shared-{i}" for i in range(n)])


async def test_tasks_sharing_one_journal_do_not_interfere(journal: JournalStore) -> None:
    async def work() -> None:
        for _ in range(50):
            mine = record(fingerprint=new_task_id(), **owner_fields(Owner.current()))
            rec = (await journal.reserve(mine, dedupe_since=None))[0]
            await journal.update(rec.task_id, status="queued")

    await asyncio.gather(*(work() for _ in range(4)))
    assert len(await journal.list(status="queued", limit=1000)) == 200


# --- interrupted streams --------------------------------------------------------------------


@pytest.mark.slow
async def test_streams_owned_by_dead_processes_are_marked_interrupted(
    journal: JournalStore,
) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = child.pid
    orphan = record(mode="stream", status="in_progress", owner_pid=dead)
    submitting = record(mode="stream", status="submitting", owner_pid=dead)
    ours = record(mode="stream", status="in_progress", owner_pid=os.getpid())
    finished = record(mode="stream", status="completed", owner_pid=dead)
    polled = record(mode="async", status="in_progress", owner_pid=dead)
    for rec in (orphan, submitting, ours, finished, polled):
        await journal.insert(rec)

    assert await journal.recover_orphans() == 2

    for rec in (orphan, submitting):
        got = await journal.get(rec.task_id)
        assert got is not None
        assert (got.status, got.error_kind, got.error_retryable) == (
            "interrupted",
            "interrupted",
            False,
        )
        assert got.error_message == INTERRUPTED_MESSAGE
    for rec in (ours, finished, polled):
        assert await journal.get(rec.task_id) == rec
    assert await journal.recover_orphans() == 0


def test_interrupted_message_explains_billing_and_force_new() -> None:
    assert "may or may not have been billed" in INTERRUPTED_MESSAGE
    assert "force_new=true" in INTERRUPTED_MESSAGE


# --- hostile ids and batches ----------------------------------------------------------------


@pytest.mark.parametrize(
    "task_id", ["x' OR 1=1 --", "'; DROP TABLE tasks; --", '" OR ""="', "%", "*"]
)
async def test_sql_looking_ids_are_simply_not_found_and_tables_stay_intact(
    journal: JournalStore, task_id: str
) -> None:
    rec = record(remote_id="video_1")
    await journal.insert(rec)
    assert await journal.get(task_id) is None
    with pytest.raises(TaskNotFoundError):
        await journal.update(task_id, status="failed")
    assert await journal.list(batch_id=task_id) == []
    assert await journal.get_batch(task_id) is None
    assert await journal.list() == [rec]


async def test_batches_round_trip_and_their_tasks_come_back_in_index_order(
    journal: JournalStore,
) -> None:
    items: list[dict[str, Any]] = [{"prompt": "a", "seconds": 8}, {"prompt": "b"}]
    await journal.create_batch("batch_1", items, created_at=T0)
    for index in (1, 0):
        await journal.insert(record(batch_id="batch_1", batch_index=index, created_at=T0 + index))
    await journal.update_batch("batch_1", "completed")
    batch = await journal.get_batch("batch_1")
    assert batch is not None
    assert (batch.items, batch.status, batch.created_at) == (items, "completed", T0)
    assert [t.batch_index for t in await journal.batch_tasks("batch_1")] == [0, 1]
    with pytest.raises(TaskNotFoundError):
        await journal.update_batch("nope", "completed")


async def test_task_naming_an_unknown_batch_is_refused(journal: JournalStore) -> None:
    with pytest.raises(InvalidRequestError, match="unknown batch"):
        await journal.insert(record(batch_id="missing"))


def test_module_never_deletes_rows() -> None:
    source = (REPO_ROOT / "veo_tools" / "journal" / "store.py").read_text()
    assert not re.search(r"\bDELETE\s+FROM\b", source, re.IGNORECASE)


def _refused(model: str, at: float, kind: str = "model_unavailable", **more: Any) -> TaskRecord:
    fields = {"status": "failed", "error_kind": kind, "error_message": f"{model} refused"}
    return record(model=model, created_at=at, **{**fields, **more})


async def test_latest_refusals_gives_each_models_latest_create_when_it_was_refused(
    journal: Any,
) -> None:
    await journal.insert(record(model="a", created_at=T0, status="completed"))
    await journal.insert(_refused("a", T0 + 1))  # latest of a: refused
    await journal.insert(_refused("b", T0 + 1))
    await journal.insert(record(model="b", created_at=T0 + 2, status="queued"))  # a later create
    await journal.insert(_refused("c", T0 + 1, kind="upstream"))  # another failure kind
    await journal.insert(_refused("d", T0 + 3))
    await journal.insert(record(model="d", created_at=T0 + 4, status="pending"))  # not sent yet
    await journal.insert(_refused("e", T0 - 100))  # before `since`
    rows = await journal.latest_refusals("model_unavailable", since=T0 - 10)
    assert sorted((r.model, r.error_message) for r in rows) == [
        ("a", "a refused"),
        ("d", "d refused"),
    ]


async def test_latest_refusals_breaks_a_tie_on_creation_time_by_insertion_order(
    journal: Any,
) -> None:
    await journal.insert(_refused("a", T0))
    await journal.insert(record(model="a", created_at=T0, status="completed"))
    assert await journal.latest_refusals("model_unavailable", since=T0 - 1) == []
    await journal.insert(_refused("a", T0))
    assert len(await journal.latest_refusals("model_unavailable", since=T0 - 1)) == 1


# --- owners beyond the PID ------------------------------------------------------------------

ME = Owner.current()
#: A process that is gone: pid 1 of this kernel, started at another moment (a reused PID).
GONE = Owner(1, ME.boot, -1, ME.host)


def _owned(owner: Owner, **overrides: Any) -> TaskRecord:
    return record(**{"status": "submitting", **owner_fields(owner), **overrides})


def test_this_process_is_recorded_with_boot_id_start_time_and_host() -> None:
    assert ME.pid == os.getpid() and ME.host
    if sys.platform == "linux":
        assert ME.boot and ME.start is not None


@pytest.mark.parametrize(
    ("label", "owner"),
    [
        ("pid 1 on another boot", Owner(1, "another-boot", 1, ME.host)),
        ("this pid, reused by a later process", Owner(os.getpid(), ME.boot, -1, ME.host)),
        ("a reused pid 1", Owner(1, ME.boot, -1, ME.host)),
    ],
)
async def test_a_submitting_row_whose_owner_is_gone_though_its_pid_lives_is_interrupted(
    journal: Journal, label: str, owner: Owner
) -> None:
    if sys.platform != "linux":
        pytest.skip("boot ids and start times are read from /proc")
    rec = _owned(owner)
    await journal.insert(rec)
    assert await journal.recover_orphans() == 1, label
    got = await journal.get(rec.task_id)
    assert got is not None
    assert (got.status, got.error_kind) == ("interrupted", "submit_outcome_unknown")
    assert got.error_message == ORPHANED_SUBMIT_MESSAGE


@pytest.mark.slow
async def test_a_stream_of_a_live_pid_with_another_start_time_is_interrupted(
    journal: Journal,
) -> None:
    if sys.platform != "linux":
        pytest.skip("start times are read from /proc")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        reused = Owner(child.pid, ME.boot, -1, ME.host)  # the PID lives, but not our owner
        live = Owner(child.pid, ME.boot, _start_of(child.pid), ME.host)
        orphan = _owned(reused, mode="stream", status="in_progress")
        running = _owned(live, mode="stream", status="in_progress")
        for rec in (orphan, running):
            await journal.insert(rec)
        assert await journal.recover_orphans() == 1
        assert (await journal.get(orphan.task_id)).status == "interrupted"  # type: ignore[union-attr]
        assert (await journal.get(orphan.task_id)).error_message == INTERRUPTED_MESSAGE  # type: ignore[union-attr]
        assert await journal.get(running.task_id) == running
    finally:
        child.kill()
        child.wait()


def _start_of(pid: int) -> int:
    from veo_tools.journal.owner import process_start

    start = process_start(pid)
    assert start is not None
    return start


async def test_rows_of_this_live_process_are_left_alone(journal: Journal) -> None:
    mine = _owned(ME)
    stream = _owned(ME, mode="stream", status="in_progress")
    for rec in (mine, stream):
        await journal.insert(rec)
    assert await journal.recover_orphans() == 0
    assert await journal.list(status="submitting") == [mine]


def test_a_row_from_another_container_is_kept_until_it_has_been_silent_an_hour() -> None:
    other = Owner(1, ME.boot, 5, "another-container")
    assert owner_alive(other, silent_for=60, me=ME)
    assert not owner_alive(other, silent_for=UNPROBED_SILENCE_S + 1, me=ME)
    assert not owner_alive(Owner(1, "rebooted", 5, "another-container"), me=ME)


def test_a_row_with_only_a_pid_keeps_the_old_rule() -> None:
    assert owner_alive(Owner(os.getpid()), me=ME)
    assert not owner_alive(Owner(None), me=ME)
    assert not owner_alive(Owner(2**22 + 12345), me=ME)  # above pid_max: no such process


async def test_submitting_rows_of_dead_owners_stop_counting_as_rendering_when_reserving(
    journal: Journal,
) -> None:
    dead = _owned(Owner(1, "another-boot", 1, ME.host), fingerprint="fp-same")
    await journal.insert(dead)
    twin = record(fingerprint="fp-same", created_at=T0 + 1)
    found, duplicate = await journal.reserve(twin, dedupe_since=T0 - 1)
    # Deduplicated to the settled row, which now says what happened instead of "submitting".
    assert duplicate and found.task_id == dead.task_id and found.status == "interrupted"


async def test_a_version_2_journal_gains_owner_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILENAME
    conn = sqlite3.connect(path)
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO tasks (task_id, channel, model, mode, prompt, request_json, fingerprint, "
        "price_usd, status, owner_pid, created_at, updated_at) VALUES ('veo_0000000000000001', "
        "'reverse', 'veo-3.1-fast', 'stream', 'p', '{}', 'fp', 0.15, 'in_progress', ?, ?, ?)",
        (os.getpid(), T0, T0),
    )
    conn.commit()
    conn.close()
    with Journal(path) as journal:
        (old,) = await journal.list()
        assert old.owner == Owner(os.getpid())  # pid only: the old rule, and it lives
        assert await journal.recover_orphans() == 0
        await journal.insert(_owned(ME))
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS) == 5


# --- batches: all or nothing ----------------------------------------------------------------


async def test_a_batch_over_budget_records_neither_the_batch_nor_any_item(journal: Journal) -> None:
    await journal.insert(record(price_usd=0.9, status="completed"))
    tasks = [(record(fingerprint=f"fp-{i}", created_at=T0 + i), None) for i in range(3)]
    with pytest.raises(BudgetExceededError, match=r"batch costs \$0.45") as exc:
        await journal.create_batch(
            "batch_x", [{}] * 3, created_at=T0, tasks=tasks, budget=(1.0, T0)
        )
    assert "Nothing was submitted or recorded" in exc.value.message
    assert await journal.get_batch("batch_x") is None
    assert len(await journal.list()) == 1 and await journal.batch_links("batch_x") == {}


async def test_a_batch_within_budget_is_recorded_with_every_item_linked(journal: Journal) -> None:
    tasks = [(record(fingerprint=f"fp-{i}", created_at=T0 + i), None) for i in range(3)]
    await journal.create_batch("batch_y", [{}] * 3, created_at=T0, tasks=tasks, budget=(1.0, T0))
    links = await journal.batch_links("batch_y")
    assert sorted(links) == [0, 1, 2]
    assert [links[i].task_id for i in range(3)] == [rec.task_id for rec, _ in tasks]


# --- a damaged journal ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"not a database at all" * 100, b"SQLite format 3\0" + b"x" * 4000]
)
def test_a_damaged_journal_is_a_configuration_error_that_says_how_to_move_it_aside(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "state dir" / JOURNAL_FILENAME
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(ConfigurationError) as exc:
        Journal(path)
    message = exc.value.message
    assert str(path) in message and f"mv '{path}' '{path}.broken'" in message
    assert path.read_bytes() == content  # left as it was, for inspection


# --- statuses never move back ---------------------------------------------------------------


async def test_a_stale_status_update_never_moves_a_task_backwards(journal: JournalStore) -> None:
    rec = record(status="in_progress", progress=50)
    await journal.insert(rec)
    stale = await journal.update(rec.task_id, status="queued", progress=10)
    assert (stale.status, stale.progress) == ("in_progress", 50)
    assert (await journal.update(rec.task_id, status="in_progress", progress=60)).progress == 60
    done = await journal.update(rec.task_id, status="completed", progress=100)
    assert done.status == "completed"
    assert (await journal.update(rec.task_id, status="failed")).status == "completed"
    assert (await journal.update(rec.task_id, video_path="/v.mp4")).video_path == "/v.mp4"


# --- shared batch workers: claims and leases ------------------------------------------------


async def _enqueued(journal: JournalStore, n: int, channel: str = "reverse") -> list[TaskRecord]:
    await journal.create_batch("batch_w", [{"prompt": f"p{i}"} for i in range(n)], created_at=T0)
    await journal.update_batch("batch_w", WORKERS_BATCH)
    recs = [
        record(status="pending", channel=channel, batch_id="batch_w", batch_index=i)
        for i in range(n)
    ]
    for i, rec in enumerate(recs):
        await journal.reserve(rec, dedupe_since=None, link=("batch_w", i))
    return recs


async def test_each_enqueued_item_is_claimed_by_one_worker_within_the_channel_cap(
    journal: JournalStore,
) -> None:
    await _enqueued(journal, 5)
    first = await journal.claim_work("w1", {"reverse": 3}, now=T0, lease_s=30, owner=ME)
    second = await journal.claim_work("w2", {"reverse": 3}, now=T0, lease_s=30, owner=ME)
    assert [r.status for r in first.tasks] == ["submitting"] * 3
    assert second.tasks == [] and second.waiting == 5
    await journal.update(first.tasks[0].task_id, status="completed", video_path="/a.mp4")
    third = await journal.claim_work("w2", {"reverse": 3}, now=T0 + 1, lease_s=30, owner=ME)
    assert len(third.tasks) == 1
    claimed = [r.task_id for r in (*first.tasks, *third.tasks)]
    assert len(set(claimed)) == 4
    assert (await journal.get(third.tasks[0].task_id)).status == "submitting"  # type: ignore[union-attr]


async def test_items_of_batches_not_enqueued_for_workers_are_never_claimed(
    journal: JournalStore,
) -> None:
    await journal.create_batch("batch_local", [{"prompt": "x"}], created_at=T0)
    await journal.insert(record(status="pending", batch_id="batch_local", batch_index=0))
    claim = await journal.claim_work("w1", {"reverse": 10}, now=T0, lease_s=30, owner=ME)
    assert claim.tasks == [] and claim.waiting == 0


async def test_a_dead_workers_items_are_taken_over_and_a_possibly_sent_one_is_never_resent(
    journal: JournalStore,
) -> None:
    await _enqueued(journal, 3)
    dead = (await journal.claim_work("dead", {"reverse": 3}, now=T0, lease_s=10, owner=GONE)).tasks
    await journal.update(dead[0].task_id, status="in_progress", remote_id="video_0")
    await journal.update(dead[1].task_id, status="completed", video_url="https://v")
    # dead[2] stays 'submitting': its create may have left when the worker died.
    assert (
        await journal.claim_work("live", {"reverse": 3}, now=T0 + 5, lease_s=10, owner=ME)
    ).waiting == 3
    claim = await journal.claim_work("live", {"reverse": 3}, now=T0 + 11, lease_s=10, owner=ME)
    assert sorted(r.task_id for r in claim.tasks) == sorted([dead[0].task_id, dead[1].task_id])
    assert claim.interrupted == 1
    orphan = await journal.get(dead[2].task_id)
    assert orphan is not None and orphan.status == "interrupted"
    assert orphan.error_kind == "submit_outcome_unknown"
    assert (
        await journal.claim_work("other", {"reverse": 3}, now=T0 + 12, lease_s=10, owner=ME)
    ).tasks == []


async def test_renewed_leases_are_not_taken_over_and_released_ones_are(
    journal: JournalStore,
) -> None:
    await _enqueued(journal, 2)
    mine = (await journal.claim_work("w1", {"reverse": 2}, now=T0, lease_s=10, owner=ME)).tasks
    for rec in mine:
        await journal.update(rec.task_id, status="queued", remote_id=rec.task_id)
    assert await journal.renew_leases("w1", [r.task_id for r in mine], until=T0 + 30) == 2
    assert await journal.renew_leases("w2", [r.task_id for r in mine], until=T0 + 90) == 0
    assert (
        await journal.claim_work("w2", {"reverse": 2}, now=T0 + 20, lease_s=10, owner=ME)
    ).tasks == []
    await journal.release_lease("w1", mine[0].task_id, now=T0 + 20)
    taken = (
        await journal.claim_work("w2", {"reverse": 2}, now=T0 + 21, lease_s=10, owner=ME)
    ).tasks
    assert [r.task_id for r in taken] == [mine[0].task_id]


async def test_replicas_racing_one_budget_never_overspend_it_together(postgres_url: str) -> None:
    """Four stores (four pools, as four replicas would have) reserve 0.15 $ tasks at once
    against a 3 $ cap: exactly 20 fit, whatever the interleaving."""
    stores = [PostgresJournal(postgres_url) for _ in range(4)]
    refused: list[int] = []

    async def spend(j: PostgresJournal) -> None:
        for _ in range(10):
            try:
                await j.reserve(
                    record(fingerprint=new_task_id()), dedupe_since=None, budget=(3.0, 0.0)
                )
            except BudgetExceededError:
                refused.append(1)

    await asyncio.gather(*(spend(j) for j in stores))
    assert await stores[0].spent_since(0.0) == pytest.approx(3.0)
    assert len(await stores[0].list(limit=100)) == 20 and len(refused) == 20
    for j in stores:
        await j.aclose()


async def test_two_replicas_starting_at_once_migrate_the_schema_once(postgres_url: str) -> None:
    opened = [PostgresJournal(postgres_url) for _ in range(3)]
    await asyncio.gather(*(j.open() for j in opened))
    rec = record()
    await opened[0].insert(rec)
    assert await opened[2].get(rec.task_id) == rec
    for j in opened:
        await j.aclose()


async def test_a_worker_claim_records_its_owner_on_the_item(journal: JournalStore) -> None:
    await _enqueued(journal, 1)
    (claimed,) = (
        await journal.claim_work("w1", {"reverse": 1}, now=T0, lease_s=30, owner=ME)
    ).tasks
    assert claimed.owner == ME
    assert await journal.get(claimed.task_id) == claimed


async def test_an_expired_lease_whose_owner_visibly_lives_here_is_not_interrupted(
    journal: JournalStore,
) -> None:
    if sys.platform != "linux":
        pytest.skip("boot ids and start times are read from /proc")
    await _enqueued(journal, 1)
    (late,) = (await journal.claim_work("late", {"reverse": 1}, now=T0, lease_s=10, owner=ME)).tasks
    claim = await journal.claim_work("other", {"reverse": 1}, now=T0 + 60, lease_s=10, owner=ME)
    assert (claim.tasks, claim.interrupted) == ([], 0)
    assert (await journal.get(late.task_id)).status == "submitting"  # type: ignore[union-attr]


async def test_a_stream_of_a_dead_worker_is_interrupted_not_followed(journal: JournalStore) -> None:
    await _enqueued(journal, 1)
    (rec,) = (
        await journal.claim_work("dead", {"reverse": 1}, now=T0, lease_s=10, owner=GONE)
    ).tasks
    await journal.update(rec.task_id, mode="stream", status="in_progress")
    claim = await journal.claim_work("live", {"reverse": 1}, now=T0 + 11, lease_s=10, owner=ME)
    assert (claim.tasks, claim.interrupted) == ([], 1)
    got = await journal.get(rec.task_id)
    assert got is not None and (got.status, got.error_kind) == ("interrupted", "interrupted")


async def test_a_recent_row_of_another_kernel_is_a_reboot_on_sqlite_but_another_host_on_postgres(
    journal: JournalStore,
) -> None:
    """One SQLite file lives on one machine; a PostgreSQL journal is shared by machines, whose
    boot ids differ while they live, so there such a row waits out the silence rule."""
    import time

    rec = _owned(Owner(1, "another-boot", 1, ME.host), created_at=time.time())
    await journal.insert(rec)
    settled = await journal.recover_orphans()
    assert settled == (0 if isinstance(journal, PostgresJournal) else 1)
    old = _owned(Owner(1, "another-boot", 1, ME.host), created_at=T0)  # silent for years
    await journal.insert(old)
    assert await journal.recover_orphans() == 1
    assert (await journal.get(old.task_id)).status == "interrupted"  # type: ignore[union-attr]


def _journal_at(store: str, version: int, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """A journal built by the first ``version`` migrations, holding one streamed row of ours."""
    insert = (
        "INSERT INTO tasks (task_id, channel, model, mode, prompt, request_json, fingerprint, "
        "price_usd, status, owner_pid, created_at, updated_at) VALUES ('veo_0000000000000001', "
        "'reverse', 'veo-3.1-fast', 'stream', 'p', '{{}}', 'fp', 0.15, 'in_progress', "
        "{m}, {m}, {m})"
    )
    row = (os.getpid(), T0, T0)
    if store == "sqlite":
        path = tmp_path / JOURNAL_FILENAME
        conn = sqlite3.connect(path)
        for step in MIGRATIONS[:version]:
            for statement in statements_for(step, "sqlite"):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version:d}")
        conn.execute(insert.format(m="?"), row)
        conn.commit()
        conn.close()
        return lambda: Journal(path)
    import psycopg

    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as pg:
        for step in MIGRATIONS[:version]:
            for statement in statements_for(step, "postgres"):
                pg.execute(statement)  # type: ignore[arg-type]
        pg.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        pg.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        pg.execute(insert.format(m="%s"), row)  # type: ignore[arg-type]
    return lambda: PostgresJournal(url)


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
async def test_a_journal_of_an_older_version_migrates_to_the_latest_and_keeps_its_rows(
    store: str, version: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    opened = _journal_at(store, version, tmp_path, request)
    async with opened() as journal:
        (old,) = await journal.list()
        assert (old.status, old.owner) == ("in_progress", Owner(os.getpid()))
        assert await journal.recover_orphans() == 0  # pid only: the old rule, and it lives
        await _enqueued(journal, 1)  # the leases of shared workers (v4) work on the migrated file
        assert (
            len((await journal.claim_work("w", {"reverse": 1}, now=T0, lease_s=9, owner=ME)).tasks)
            == 1
        )
        assert len(await journal.latest_refusals("model_unavailable", since=0.0)) == 0
    async with opened() as journal:  # reopening migrates nothing twice
        assert len(await journal.list()) == 2


async def test_replicas_racing_batches_against_one_budget_record_whole_batches_only(
    postgres_url: str,
) -> None:
    """Four replicas each record a batch of five 0.15 $ items at once under a 2 $ cap: exactly
    two batches fit, and a refused batch leaves neither its batch row nor any item."""
    stores = [PostgresJournal(postgres_url) for _ in range(4)]
    recorded: list[str] = []

    async def spend(j: PostgresJournal, n: int) -> None:
        tasks = [(record(fingerprint=new_task_id()), None) for _ in range(5)]
        try:
            await j.create_batch(
                f"batch_{n}", [{}] * 5, created_at=T0, tasks=tasks, budget=(2.0, 0.0)
            )
            recorded.append(f"batch_{n}")
        except BudgetExceededError:
            pass

    await asyncio.gather(*(spend(j, n) for n, j in enumerate(stores)))
    assert len(recorded) == 2 and await stores[0].spent_since(0.0) == pytest.approx(1.5)
    for n in range(4):
        linked = len(await stores[0].batch_links(f"batch_{n}"))
        assert linked == (5 if f"batch_{n}" in recorded else 0)
        assert (await stores[0].get_batch(f"batch_{n}") is None) == (f"batch_{n}" not in recorded)
    for j in stores:
        await j.aclose()


async def test_claiming_a_pending_task_records_its_owner_and_a_second_claim_loses(
    journal: JournalStore,
) -> None:
    rec = record(status="pending")
    await journal.insert(rec)
    assert await journal.claim(rec.task_id, owner=ME) is True
    assert await journal.claim(rec.task_id, owner=GONE) is False
    got = await journal.get(rec.task_id)
    assert got is not None and (got.status, got.owner) == ("submitting", ME)
