"""The progress label says what the API last reported and marks the rest as an estimate: the
first Official poll comes late by design, so a bare "queued" would be stale while the bar moves."""

from __future__ import annotations

import re

from veo_tools.engine.task_views import estimated_message
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.types import ProgressEvent

ESTIMATED = re.compile(r"^(queued|rendering) at last check \d+ s ago · ~\d+% \(estimated\)$")


def test_an_estimated_label_names_the_last_reported_state_and_its_age() -> None:
    label = estimated_message("queued", checked_ago_s=40.4, percent=45)
    assert label == "queued at last check 40 s ago · ~45% (estimated)"


async def test_official_progress_beyond_the_reported_state_is_labelled_an_estimate(
    sandbox_settings: Settings,
) -> None:
    events: list[ProgressEvent] = []
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate(
            {"prompt": "a lighthouse", "channel": "official", "seconds": 8, "wait_seconds": 30},
            on_progress=events.append,
        )
    assert view.status == "completed"
    queued = [e for e in events if e.status == "queued" and e.progress > 0]
    assert queued, "the bar moves before the first status poll"
    assert all(ESTIMATED.match(e.message) for e in queued)
    assert any(e.message.startswith("queued at last check") for e in queued)
    assert events[-1].message == "completed" and events[-1].progress == 100
