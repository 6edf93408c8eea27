"""Submission edge cases on a scripted API (``httpx.MockTransport``, no sandbox)."""

from __future__ import annotations

from pathlib import Path

import httpx

from veo_tools.service import VeoService
from veo_tools.settings import Settings


async def _no_sleep(_: float) -> None:
    return None


async def test_a_create_answered_with_a_finished_task_is_recorded_completed(
    tmp_path: Path,
) -> None:
    """An API may answer the create with a task that has already ended: the running fields of
    the answer and the terminal ones (progress 100, the bill) must merge, not collide."""
    creates: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/v1/videos":
            creates.append(request.url.path)
            return httpx.Response(200, json={"id": "task_done", "status": "completed"})
        return httpx.Response(404, json={"error": {"message": "not here"}})

    settings = Settings.from_env(
        {},
        api_key="sk-test-submission",
        base_url="http://api.test",
        state_dir=tmp_path / "state",
        output_dir=tmp_path / "out",
        input_dirs=[tmp_path],
    )
    async with VeoService(settings, transport=httpx.MockTransport(api), sleep=_no_sleep) as svc:
        view = await svc.generate(
            {"prompt": "a kite", "model": "veo-3.1-fast-generate-preview"}, wait_seconds=0
        )
        stored = await svc.task_view(view.task_id)
    assert creates == ["/v1/videos"]
    assert (view.status, view.progress) == ("completed", 100)
    assert (stored.status, stored.progress, stored.billing) == ("completed", 100, "billed")
