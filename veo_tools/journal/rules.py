"""The rules both journal stores apply the same way: messages, budget checks, guarded updates.

Kept apart from the stores so neither imports the other: the SQLite
:class:`~veo_tools.journal.store.Journal` and the
:class:`~veo_tools.journal.postgres.PostgresJournal` both build on this module.
"""

from __future__ import annotations

import time
from typing import Any

from veo_tools.errors import BudgetExceededError, TaskNotFoundError
from veo_tools.journal.schema import COLUMNS, STATUS_RANK, TaskRecord, check_values, rank_sql
from veo_tools.money import usd
from veo_tools.words import (
    CHEAPER,
    GENERATE_VIDEO,
    LIST_TASKS,
    RAISE_BUDGET,
    USER_ACCEPTS,
    Words,
    call,
    run,
    stored,
)

INTERRUPTED_MESSAGE = stored(
    Words(
        "The streamed generation was cut off when the process running it stopped, so its "
        "video cannot be recovered. It may or may not have been billed. If you still need the "
        "video, {again}.",
        again=run(GENERATE_VIDEO, force_new=True),
    )
).render("agent")
ORPHANED_SUBMIT_MESSAGE = stored(
    Words(
        "The process sending this task's create request stopped before the answer came, so "
        "the task may exist upstream and may be billed; it is not sent again. Check the APIYI "
        "console task log (https://api.apiyi.com/log) and `veo-tools tasks`; if the video is "
        "not there and {accepts} paying again, {again}.",
        accepts=USER_ACCEPTS,
        again=run(GENERATE_VIDEO, force_new=True),
    )
).render("agent")


def update_statement(
    task_id: str, fields: dict[str, Any], mark: str
) -> tuple[str, tuple[object, ...]]:
    """The guarded ``UPDATE`` of ``JournalStore.update`` (``mark``: the placeholder).

    A ``status`` that would move the task backwards (see ``STATUS_RANK``) matches no row.
    """
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise TypeError(f"Journal.update() cannot set {sorted(unknown)}")
    check_values(fields)
    fields.setdefault("updated_at", time.time())
    assignments = ", ".join(f"{name} = {mark}" for name in fields)
    where = f"task_id = {mark}"
    params: tuple[object, ...] = (*fields.values(), task_id)
    if "status" in fields:
        where += f" AND (status = {mark} OR {rank_sql()} < {mark})"
        params += (fields["status"], STATUS_RANK[fields["status"]])
    return f"UPDATE tasks SET {assignments} WHERE {where}", params


def not_found(task_id: str) -> TaskNotFoundError:
    return TaskNotFoundError(
        Words(
            "No task {task_id!r} in the journal. Use {tasks} to see the known task ids.",
            task_id=task_id,
            tasks=call(LIST_TASKS),
        )
    )


def batch_not_found(batch_id: str) -> TaskNotFoundError:
    return TaskNotFoundError(f"No batch {batch_id!r} in the journal.")


def check_budget(spent: float, rec: TaskRecord, cap: float, since: float) -> None:
    """Refuse ``rec`` when its price would take ``spent`` over ``cap``."""
    if spent + rec.price_usd <= cap + 1e-9:
        return
    hours = max(rec.created_at - since, 0.0) / 3600
    raise BudgetExceededError(
        Words(
            "Budget guard: this video costs {price}, and {spent} of the {cap} budget "
            "(VEO_TOOLS_BUDGET_USD) is already spent or committed by tasks from the last "
            "{hours:g} hours (failed tasks are not counted). Nothing was submitted. Choose a "
            "cheaper model ({cheaper}), wait for older tasks to leave the window, or {raise_it}.",
            price=usd(rec.price_usd),
            spent=usd(spent),
            cap=usd(cap),
            hours=hours,
            cheaper=CHEAPER,
            raise_it=RAISE_BUDGET,
        )
    )


def check_batch_budget(before: float, after: float, cap: float) -> None:
    """Refuse a whole batch that took the spend from ``before`` to ``after``, over ``cap``."""
    if after <= cap + 1e-9:
        return
    raise BudgetExceededError(
        Words(
            "Budget guard: this batch costs {cost} and {before} of the {cap} budget "
            "(VEO_TOOLS_BUDGET_USD, rolling 24 h) is already spent or committed. Nothing was "
            "submitted or recorded. Shrink the batch, use cheaper models (Reverse fast), or "
            "{raise_it}.",
            cost=usd(after - before),
            before=usd(before),
            cap=usd(cap),
            raise_it=RAISE_BUDGET,
        )
    )
