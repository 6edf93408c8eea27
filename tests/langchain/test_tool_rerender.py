"""generate_video(from_task_id=...): a cheap Reverse draft re-rendered on Official standard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_support import call, is_mp4

from veo_tools.engine.task_views import request_params
from veo_tools.sandbox import still_png
from veo_tools.sandbox.assets import end_frame_jpg
from veo_tools.types import TaskView

DRAFT_PROMPT = "a paper crane unfolding on a desk, soft morning light"


@pytest.fixture
def frames(tmp_path: Path) -> list[str]:
    start, end = tmp_path / "start.png", tmp_path / "end.jpg"
    start.write_bytes(still_png())
    end.write_bytes(end_frame_jpg())
    return [str(start), str(end)]


async def generate(tools: dict[str, Any], args: dict[str, Any]) -> TaskView:
    message = await tools["generate_video"].ainvoke(call("generate_video", args))
    assert message.status == "success", message.content
    assert isinstance(message.artifact, TaskView)
    return message.artifact


async def reverse_fast_draft(tools: dict[str, Any], images: list[str]) -> TaskView:
    draft = await generate(
        tools,
        {
            "prompt": DRAFT_PROMPT,
            "channel": "reverse",
            "priority": "iteration",
            "images": images,
            "wait_seconds": 30,
        },
    )
    assert (draft.channel, draft.status) == ("reverse", "completed")
    assert draft.model.endswith("-fast-fl")
    return draft


async def test_a_reverse_fast_draft_is_delivered_on_official_standard(
    tools: dict[str, Any], frames: list[str]
) -> None:
    draft = await reverse_fast_draft(tools, frames)
    final = await generate(
        tools, {"from_task_id": draft.task_id, "channel": "official", "wait_seconds": 30}
    )
    assert final.model == "veo-3.1-generate-preview"
    assert final.task_id != draft.task_id
    assert final.prompt == DRAFT_PROMPT
    assert final.status == "completed"
    assert is_mp4(final.video_path or "")
    assert final.notes[0] == f"Re-render of {draft.task_id} ({draft.model})."
    assert any("kept the start frame, dropped the end frame" in note for note in final.notes)


async def test_arguments_given_with_from_task_id_override_the_draft_and_defaults_do_not(
    tools: dict[str, Any], frames: list[str]
) -> None:
    draft = await reverse_fast_draft(tools, frames[:1])
    final = await generate(
        tools,
        {"from_task_id": draft.task_id, "model": "veo-3.1-fast-generate-preview", "seed": 42},
    )
    assert final.model == "veo-3.1-fast-generate-preview"
    assert final.prompt == DRAFT_PROMPT  # not the schema's empty default
    assert final.status in ("queued", "in_progress")
    assert final.notes == [f"Re-render of {draft.task_id} ({draft.model})."]
    runner = tools["generate_video"].runner
    sent = request_params(await runner.acall(lambda svc, _: svc.journal.get(final.task_id)))
    assert (sent["image_refs"], sent["seed"]) == (frames[:1], 42)  # the frame carried over


async def test_re_rendering_an_unknown_task_points_the_agent_to_list_tasks(
    tools: dict[str, Any],
) -> None:
    message = await tools["generate_video"].ainvoke(
        call("generate_video", {"from_task_id": "veo_nope"})
    )
    assert message.status == "error"
    assert "veo_nope" in message.content and "list_tasks" in message.content


async def test_without_prompt_or_from_task_id_the_error_says_which_is_needed(
    tools: dict[str, Any],
) -> None:
    message = await tools["generate_video"].ainvoke(call("generate_video", {"channel": "reverse"}))
    assert message.status == "error"
    assert "prompt is required" in message.content and "from_task_id" in message.content
