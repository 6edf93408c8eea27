"""Resources, the ``make_video`` prompt and the server instructions."""

from __future__ import annotations

import json

import pytest
from mcp import Client, MCPError
from mcp.types import TextContent, TextResourceContents
from mcp_support import structured

from veo_tools.catalog import MODELS
from veo_tools.types import TaskView


async def _read_text(client: Client, uri: str) -> str:
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents)
    assert contents[0].mime_type == "application/json"
    return contents[0].text


async def test_models_resource_lists_every_model_with_price_and_limits(client: Client) -> None:
    listed = {str(r.uri) for r in (await client.list_resources()).resources}
    assert "veo://models" in listed
    catalog = json.loads(await _read_text(client, "veo://models"))
    by_id = {m["id"]: m for m in catalog["models"]}
    assert set(by_id) == set(MODELS)
    for model_id, model in MODELS.items():
        assert by_id[model_id]["price_usd"] == model.price_usd
        assert by_id[model_id]["seconds"] == list(model.durations)
        assert by_id[model_id]["max_images"] == model.max_images


async def test_task_resource_shows_a_task_as_task_view_json(client: Client) -> None:
    templates = (await client.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["veo://tasks/{task_id}"]
    started = await client.call_tool("generate_video", {"prompt": "a kingfisher"})
    task_id = (await structured(client, "generate_video", started))["task_id"]
    view = TaskView.model_validate_json(await _read_text(client, f"veo://tasks/{task_id}"))
    assert view.task_id == task_id


async def test_task_resource_for_an_unknown_task_is_not_found(client: Client) -> None:
    with pytest.raises(MCPError) as raised:
        await client.read_resource("veo://tasks/veo_missing")
    assert "list_tasks" in str(raised.value)


async def test_make_video_prompt_walks_recommend_generate_check(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert {a.name: a.required for a in prompts["make_video"].arguments or []} == {
        "idea": True,
        "priority": False,
        "count": False,
    }
    result = await client.get_prompt("make_video", {"idea": "otters juggling", "count": "3"})
    content = result.messages[0].content
    assert isinstance(content, TextContent)
    text = content.text
    assert "otters juggling" in text and "count=3" in text
    order = [text.index(tool) for tool in ("recommend_channel", "generate_video", "check_status")]
    assert order == sorted(order)


async def test_instructions_give_the_workflow_and_catalog_prices(client: Client) -> None:
    instructions = client.instructions or ""
    for tool in ("recommend_channel", "generate_video", "check_status", "list_tasks"):
        assert tool in instructions
    assert "generate_batch" in instructions and "from_task_id" in instructions
    for price in {m.price_usd for m in MODELS.values()}:
        assert f"${price:g}" in instructions
    assert "SANDBOX" in instructions
    assert len(instructions.splitlines()) <= 5
