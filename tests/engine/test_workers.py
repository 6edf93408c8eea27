"""Shared batch workers in one process, on the SQLite journal and the in-process sandbox."""

from __future__ import annotations

from pathlib import Path

from veo_tools.journal.interface import WORKERS_BATCH
from veo_tools.journal.owner import Owner
from veo_tools.service import VeoService
from veo_tools.settings import Settings


async def test_an_enqueued_batch_is_run_by_a_worker_and_each_item_is_sent_once(
    sandbox_settings: Settings,
) -> None:
    items = [{"prompt": f"worker clip {i}", "channel": "reverse"} for i in range(4)]
    async with VeoService(sandbox_settings) as svc:
        view = await svc.enqueue_batch(items)
        batch = await svc.journal.get_batch(view.batch_id)
        assert batch is not None and batch.status == WORKERS_BATCH  # recorded for workers at once
        assert (await svc.batch_status(view.batch_id)).status == "running"  # workers will run it
        report = await svc.run_worker(concurrency=2, poll_s=0.01, exit_when_idle=True)
        done = await svc.batch_status(view.batch_id)
        stats = svc.sandbox.stats() if svc.sandbox else None
        tasks = await svc.journal.batch_tasks(view.batch_id)
    assert (report.sent, report.interrupted) == (4, 0)
    assert done.status == "completed" and done.counts == {"completed": 4}
    assert all(Path(t.video_path or "").is_file() for t in tasks)
    assert all(t.owner == Owner.current() for t in tasks)  # the claim recorded its owner
    assert stats is not None and stats.create_count["reverse"] == 4
    assert stats.max_in_flight["reverse"] <= 2
