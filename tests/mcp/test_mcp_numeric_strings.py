"""Numbers sent as strings reach the tools as numbers through the MCP SDK (issue 15 item 3).

The SDK validates a call's arguments with a model built from the tool's signature before the
shared input model sees them, so both must read ``"8"`` as 8; the published schema still says
``integer``."""

from __future__ import annotations

from mcp import Client
from mcp_support import structured, text_of


async def test_seconds_seed_and_wait_as_strings_make_the_video_asked_for(client: Client) -> None:
    args = {"prompt": "a kite", "channel": "official", "seconds": "6", "seed": "42"}
    result = await client.call_tool("generate_video", {**args, "wait_seconds": "0"})
    view = await structured(client, "generate_video", result)
    assert view["seed"] == 42 and view["status"] in ("queued", "in_progress")


async def test_recommend_and_list_take_their_numbers_as_strings(client: Client) -> None:
    rec = await client.call_tool("recommend_channel", {"seconds": "4", "count": "10"})
    advice = await structured(client, "recommend_channel", rec)
    assert advice["count"] == 10 and advice["generate_video_args"]["seconds"] == 4
    listing = await client.call_tool("list_tasks", {"limit": "3"})
    assert (await structured(client, "list_tasks", listing))["tasks"] == []


async def test_a_batch_takes_seeds_and_concurrency_as_strings(client: Client) -> None:
    items = [{"prompt": "a fox", "channel": "official", "seeds": ["1", "2"]}]
    result = await client.call_tool("generate_batch", {"items": items, "concurrency": "2"})
    view = await structured(client, "generate_batch", result)
    assert view["total"] == 2


async def test_a_fraction_a_word_or_a_boolean_is_still_a_clear_error(client: Client) -> None:
    for arguments, expected in [
        ({"prompt": "x", "seconds": "8.5"}, "seconds: Input should be a valid integer"),
        ({"prompt": "x", "seed": "many"}, "seed: Input should be a valid integer"),
        ({"prompt": "x", "seed": True}, "seed: Input should be a number, not true or false"),
    ]:
        result = await client.call_tool("generate_video", arguments)
        assert result.is_error and expected in text_of(result), text_of(result)


async def test_the_published_schema_still_asks_for_integers(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    seconds = tools["generate_video"].input_schema["properties"]["seconds"]
    assert seconds["type"] == "integer" and (seconds["minimum"], seconds["maximum"]) == (1, 30)
