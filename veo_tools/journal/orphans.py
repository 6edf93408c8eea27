"""Settling rows whose owner is gone, the same way in both stores.

A stream, or a create request that may have left, whose process died has an unknown outcome:
it becomes ``interrupted`` (it may be billed, it is never re-sent). Who counts as gone is
:func:`~veo_tools.journal.owner.owner_alive` (``shared``: a journal shared by machines).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from veo_tools.journal.owner import UNPROBED_SILENCE_S, Owner, owner_alive
from veo_tools.journal.rules import INTERRUPTED_MESSAGE, ORPHANED_SUBMIT_MESSAGE

SETTLE_ORPHAN = (
    "UPDATE tasks SET status = 'interrupted', error_kind = ?, error_message = ?, "
    "error_retryable = 0, updated_at = ?, completed_at = ? WHERE task_id = ? AND status = ? "
    "AND updated_at = ?"
)


def orphan_candidates(task_id: str | None, mark: str) -> tuple[str, tuple[str, ...]]:
    """The live rows only their owner can settle: a create that may have left, a stream."""
    sql = (
        "SELECT task_id, mode, status, updated_at, owner_pid, owner_boot, owner_start, "
        "owner_host FROM tasks WHERE (status = 'submitting' OR (mode = 'stream' AND status "
        "IN ('queued', 'in_progress')))"
    )
    if task_id is None:
        return sql, ()
    return f"{sql} AND task_id = {mark}", (task_id,)


def orphan_settlements(rows: Sequence[Sequence[Any]], *, shared: bool) -> list[tuple[object, ...]]:
    """``SETTLE_ORPHAN`` parameters for the rows of :func:`orphan_candidates` whose owner is
    gone. The update is guarded by the status and ``updated_at`` judged here: a row written
    meanwhile is left alone."""
    now, me = time.time(), Owner.current()
    verdicts: dict[tuple[Owner, bool], bool] = {}
    settled: list[tuple[object, ...]] = []
    for tid, mode, status, updated_at, *owner_row in rows:
        owner, silent = Owner(*owner_row), now - updated_at >= UNPROBED_SILENCE_S
        key = (owner, silent)
        if key not in verdicts:
            verdicts[key] = owner_alive(owner, silent_for=now - updated_at, me=me, shared=shared)
        if not verdicts[key]:
            stream = mode == "stream"
            kind = "interrupted" if stream else "submit_outcome_unknown"
            message = INTERRUPTED_MESSAGE if stream else ORPHANED_SUBMIT_MESSAGE
            settled.append((kind, message, now, now, tid, status, updated_at))
    return settled
