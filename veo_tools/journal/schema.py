"""What the journal stores: the task and batch records, their SQL schema and the fingerprint.

Kept apart from :mod:`veo_tools.journal.store` (which does the storing) so each stays small.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from veo_tools.journal.owner import Owner

TaskMode = Literal["async", "stream"]
#: ``pending``: reserved by a batch, waiting for a free slot; nothing was sent yet.
#: ``submitting``: the create request may be on its way; never re-sent blindly.
RecordStatus = Literal[
    "pending", "submitting", "queued", "in_progress", "completed", "failed", "interrupted"
]
STATUSES = frozenset(
    ("pending", "submitting", "queued", "in_progress", "completed", "failed", "interrupted")
)
MODES = frozenset(("async", "stream"))

Dialect = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class PerDialect:
    """One migration statement spelled differently for each store (``None``: not needed there)."""

    sqlite: str | None
    postgres: str | None


Statement = str | PerDialect

#: Forward migrations for both stores; entry ``i`` takes the schema from version i to i + 1
#: (SQLite keeps the version in ``PRAGMA user_version``, PostgreSQL in ``schema_version``). A
#: plain string is portable SQL; :func:`statements_for` adapts its column types.
MIGRATIONS: tuple[tuple[Statement, ...], ...] = (
    (
        """CREATE TABLE batches (
            batch_id TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            items_json TEXT NOT NULL,
            status TEXT NOT NULL
        )""",
        """CREATE TABLE tasks (
            task_id TEXT PRIMARY KEY,
            remote_id TEXT,
            channel TEXT NOT NULL,
            model TEXT NOT NULL,
            mode TEXT NOT NULL,
            prompt TEXT NOT NULL,
            request_json TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            idempotency_key TEXT,
            price_usd REAL NOT NULL,
            status TEXT NOT NULL,
            progress INTEGER NOT NULL DEFAULT 0,
            error_kind TEXT,
            error_message TEXT,
            error_retryable INTEGER NOT NULL DEFAULT 0,
            video_url TEXT,
            video_path TEXT,
            batch_id TEXT REFERENCES batches(batch_id),
            batch_index INTEGER,
            owner_pid INTEGER,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            submitted_at REAL,
            completed_at REAL
        )""",
        "CREATE UNIQUE INDEX tasks_idempotency_key ON tasks(idempotency_key)"
        " WHERE idempotency_key IS NOT NULL",
        "CREATE INDEX tasks_remote_id ON tasks(remote_id)",
        "CREATE INDEX tasks_created_at ON tasks(created_at)",
        "CREATE INDEX tasks_fingerprint ON tasks(fingerprint, created_at)",
        "CREATE INDEX tasks_batch ON tasks(batch_id, batch_index)",
    ),
    (
        # Which task serves each item of a batch (a deduplicated item points at an older task).
        """CREATE TABLE batch_items (
            batch_id TEXT NOT NULL REFERENCES batches(batch_id),
            idx INTEGER NOT NULL,
            task_id TEXT NOT NULL REFERENCES tasks(task_id),
            PRIMARY KEY (batch_id, idx)
        )""",
    ),
    (
        # Who owns a live row, beyond its PID (see veo_tools.journal.owner); NULL on old rows.
        "ALTER TABLE tasks ADD COLUMN owner_boot TEXT",
        # Clock ticks since boot: past 2**31 after ~250 days up at 100 Hz, hence BIGINT.
        PerDialect(
            sqlite="ALTER TABLE tasks ADD COLUMN owner_start INTEGER",
            postgres="ALTER TABLE tasks ADD COLUMN owner_start BIGINT",
        ),
        "ALTER TABLE tasks ADD COLUMN owner_host TEXT",
    ),
    (
        # Who works on a batch item shared by workers, until when (see journal.interface).
        # Rows are never deleted: a lease is given up by moving its expiry into the past.
        """CREATE TABLE leases (
            task_id TEXT PRIMARY KEY REFERENCES tasks(task_id),
            worker_id TEXT NOT NULL,
            expires_at REAL NOT NULL
        )""",
        "CREATE INDEX tasks_batch_status ON tasks(status, channel, batch_id)",
        # Insertion order breaks ties between equal created_at, as SQLite's own rowid does.
        PerDialect(sqlite=None, postgres="ALTER TABLE tasks ADD COLUMN rowid BIGSERIAL"),
    ),
    (
        # Whether the API billed a finished task against the usual rule (NULL: the usual rule).
        "ALTER TABLE tasks ADD COLUMN billed INTEGER",
    ),
)


def statements_for(step: Sequence[Statement], dialect: Dialect) -> list[str]:
    """The SQL of one migration step for ``dialect``.

    Portable statements are written for SQLite; on PostgreSQL their ``REAL`` columns become
    ``DOUBLE PRECISION`` (PostgreSQL's ``REAL`` has 4 bytes: unix times would lose seconds).
    """
    out: list[str] = []
    for statement in step:
        if isinstance(statement, PerDialect):
            spelled: str | None = getattr(statement, dialect)
            if spelled is not None:
                out.append(spelled)
        elif dialect == "postgres":
            out.append(re.sub(r"\bREAL\b", "DOUBLE PRECISION", statement))
        else:
            out.append(statement)
    return out


#: Rank of each status: an update may keep a task's status or move it to a higher rank, never
#: back (a slow replica's stale poll cannot undo a newer answer); the ended ones share a rank,
#: so one never turns into another.
#: The rows whose price counts toward the spend (the same SQL in both stores): what the API
#: said when it said something (a billed moderation block, an unbilled failure), else every
#: row that has not failed (it may be paid).
MAY_BE_PAID = "(billed = 1 OR (billed IS NULL AND status != 'failed'))"

STATUS_RANK: dict[str, int] = {
    "pending": 0,
    "submitting": 1,
    "queued": 2,
    "in_progress": 3,
    "completed": 4,
    "failed": 4,
    "interrupted": 4,
}


def rank_sql(column: str = "status") -> str:
    """A SQL ``CASE`` giving the :data:`STATUS_RANK` of ``column`` (the same in both stores)."""
    whens = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in STATUS_RANK.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def new_task_id() -> str:
    """A fresh local task id: ``veo_`` and 16 hex digits."""
    return "veo_" + secrets.token_hex(8)


def fingerprint(params: Mapping[str, object]) -> str:
    """sha256 of the canonical JSON of ``params`` (sorted keys, no spaces)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class TaskRecord:
    """One row of the ledger. Times are unix seconds."""

    task_id: str
    channel: str
    model: str
    mode: TaskMode
    prompt: str
    request_json: str
    fingerprint: str
    price_usd: float
    status: RecordStatus = "submitting"
    remote_id: str | None = None
    idempotency_key: str | None = None
    progress: int = 0
    error_kind: str | None = None
    error_message: str | None = None
    error_retryable: bool = False
    video_url: str | None = None
    video_path: str | None = None
    batch_id: str | None = None
    batch_index: int | None = None
    owner_pid: int | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = 0.0
    submitted_at: float | None = None
    completed_at: float | None = None
    #: The owner beyond its PID: kernel boot id, process start (clock ticks), host name.
    owner_boot: str | None = None
    owner_start: int | None = None
    owner_host: str | None = None
    #: The bill of a finished task when the API says so against the usual rule (a Grok
    #: moderation block is billed; a failed Seedance or DashScope task is not); ``None``: the
    #: usual rule (completed: billed; failed: not).
    billed: bool | None = None

    def __post_init__(self) -> None:
        if not self.updated_at:
            self.updated_at = self.created_at

    @property
    def owner(self) -> Owner:
        return Owner(self.owner_pid, self.owner_boot, self.owner_start, self.owner_host)


def owner_fields(owner: Owner) -> dict[str, Any]:
    """The :class:`TaskRecord` fields that record ``owner``."""
    return {
        "owner_pid": owner.pid,
        "owner_boot": owner.boot,
        "owner_start": owner.start,
        "owner_host": owner.host,
    }


@dataclass(frozen=True)
class BatchRecord:
    batch_id: str
    created_at: float
    items: list[dict[str, Any]]
    status: str


COLUMNS = tuple(f.name for f in dataclasses.fields(TaskRecord))


def check_values(values: Mapping[str, object]) -> None:
    """Refuse a status or mode outside the known sets (the schema does not constrain them)."""
    if "status" in values and values["status"] not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}, not {values['status']!r}")
    if "mode" in values and values["mode"] not in MODES:
        raise ValueError(f"mode must be 'async' or 'stream', not {values['mode']!r}")


def record_from_row(row: tuple[Any, ...]) -> TaskRecord:
    """A :class:`TaskRecord` from a row selected as ``SELECT <COLUMNS> FROM tasks``."""
    values = dict(zip(COLUMNS, row, strict=True))
    values["error_retryable"] = bool(values["error_retryable"])
    if values["billed"] is not None:
        values["billed"] = bool(values["billed"])
    return TaskRecord(**values)
