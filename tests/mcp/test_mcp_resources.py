"""Resources, the ``make_video`` prompt and the server instructions."""

from __future__ import annotations

import json

import pytest
from mcp import Client, MCPError
from mcp.types import TextContent, TextResourceContents
from mcp_support import structured

from veo_tools.catalog import MODELS
from veo_tools.money import usd, usd_rate
from veo_tools.pricing import price_text
from veo_tools.service import VeoService
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
    for model in MODELS.values():
        if model.price_rule == "per_request":  # Veo: the exact price of every video
            assert usd(model.price_usd) in instructions
    # The others by their rule, the whole range of unit prices, never a rounded one.
    per_second = [p for m in MODELS.values() for p in m.price_per_second_usd.values()]
    tokens = [m.usd_per_million_tokens for m in MODELS.values() if m.price_rule == "tokens"]
    assert f"{usd_rate(min(per_second))}-{usd_rate(max(per_second))}" in instructions
    assert usd_rate(min(tokens), "M tokens") in instructions
    for family in ("Veo 3.1", "Seedance", "Wan", "HappyHorse", "Grok"):
        assert family in instructions
    assert "4-8 s" not in instructions and "Grok moderation block is" in instructions
    assert "SANDBOX" in instructions
    assert len(instructions.splitlines()) <= 5


async def test_models_resource_adds_each_models_lifecycle_and_availability(client: Client) -> None:
    catalog = json.loads(await _read_text(client, "veo://models"))
    assert catalog["available"] == list(MODELS) and catalog["live_error"] is None
    assert catalog["live_checked_at"] and catalog["next_step"]
    for model in catalog["models"]:
        # The sandbox serves every id, so each is available although the notices retired it.
        assert model["availability"] == "available"
        assert model["lifecycle"] == MODELS[model["id"]].lifecycle.status
        if model["lifecycle"] != "active":
            assert model["reason"] and "lists it again" in model["reason"]
        facts = MODELS[model["id"]]
        assert (model["protocol"], model["access_group"]) == (facts.protocol, facts.access_group)
        assert model["price_rule"] == facts.price_rule and model["price"] == price_text(facts)
        assert {"reason", "since", "replacement", "lifecycle_source"} <= set(model)


async def test_models_resource_shows_a_down_channel(client: Client, service: VeoService) -> None:
    assert service.sandbox is not None
    service.sandbox.lifecycle["official"] = "outage"
    await service.models(refresh=True)
    catalog = json.loads(await _read_text(client, "veo://models"))
    states = {m["id"]: m["availability"] for m in catalog["models"]}
    # Left out of the live list, a model the notices retired is down (an active one: unlisted).
    assert {states[m.id] for m in MODELS.values() if m.channel == "official"} == {"down"}
    assert {states[m.id] for m in MODELS.values() if m.channel == "reverse"} == {"available"}


async def test_models_resource_without_an_engine_lists_the_catalog_and_says_why() -> None:
    from mcp_server.resources import models_json
    from mcp_server.state import AppState

    text = await models_json(AppState(None, startup_error="No APIYI API key."))
    document = json.loads(text)
    assert len(document["models"]) == len(MODELS)
    assert document["live_error"] == "No APIYI API key."
