"""Resources (``veo://models``, ``veo://tasks/{task_id}``), the ``make_video`` prompt and the
server instructions. Every price and limit is read from ``veo_tools.catalog``; ``veo://models``
adds each model's lifecycle and availability now (``VeoService.models``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer, UserMessage
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from pydantic import Field

from mcp_server.state import AppState
from veo_tools.catalog import MODELS, Model, prices_text
from veo_tools.errors import TaskNotFoundError, VeoError
from veo_tools.money import usd_rate
from veo_tools.pricing import price_text
from veo_tools.types import Priority


def rates(rule: str, unit: str = "s") -> str:
    """The range of one price rule's unit prices over the catalog: ``$0.02/s-$0.25/s``."""
    if rule == "tokens":
        values = [m.usd_per_million_tokens for m in MODELS.values() if m.price_rule == rule]
    else:
        values = [p for m in MODELS.values() for p in m.price_per_second_usd.values()]
    if not values:
        return "none in the catalog"
    return f"{usd_rate(min(values), unit)}-{usd_rate(max(values), unit)}"


def instructions(*, sandbox: bool, max_wait_s: float) -> str:
    lines = [
        "Makes short videos (1-30 s by model, most with sound) through APIYI: Google Veo 3.1 "
        "(Official, Reverse), Seedance, Wan, HappyHorse and Grok Imagine; recommend_channel "
        "picks among the models up now.",
        "Workflow: recommend_channel (free) -> generate_video (returns a task_id at once) -> "
        f"check_status(task_id, wait_seconds<={max_wait_s:g}) until status is completed; the "
        "MP4 is then at video_path. Follow next_step in every result. list_tasks finds any task "
        "again after a time-out or a restart.",
        "Many videos: generate_batch (returns a batch_id and every item's task_id at once; the "
        "videos render in the background) -> check_status(batch_id) for counts, spend and failed "
        "items. Iterate cheaply, then deliver: generate_video(from_task_id=<draft task_id>) "
        "re-renders a draft on Official standard.",
        f"Veo costs per video: Official {prices_text('official')}; Reverse "
        f"{prices_text('reverse')} (fixed 8 s 720p). Wan, HappyHorse and Grok cost per second "
        f"({rates('per_second')}), Seedance per output token ({rates('tokens', 'M tokens')}): "
        "price_usd is the estimate checked against the budget. Failed tasks are not billed (a "
        "Grok moderation block is); an identical recent request returns the earlier task unless "
        "force_new=true. Tell the user the price before a batch.",
    ]
    if sandbox:
        lines.append("SANDBOX MODE: videos are simulated test clips and nothing is billed.")
    return "\n".join(lines)


def model_facts(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "channel": model.channel,
        "protocol": model.protocol,
        "access_group": model.access_group,
        "tier": model.tier,
        "price_rule": model.price_rule,
        "price": price_text(model),
        "price_usd": model.price_usd,
        "seconds": list(model.durations),
        "default_seconds": model.default_seconds,
        "resolutions": list(model.resolutions),
        "resolutions_need_8s": list(model.resolutions_need_8s),
        "aspect_ratios": list(model.aspect_ratios),
        "max_images": model.max_images,
        "frame_to_video": model.frame_to_video,
        "streaming_progress": model.streaming,
        "image_roles": list(model.image_roles),
        "local_images": model.local_images,
        "audio": model.audio,
        "seed": model.seed,
        "negative_prompt": model.negative_prompt,
        "endpoints": list(model.endpoints),
        "render_time_s": {res: list(window) for res, window in model.render_time_s.items()},
    }


@dataclass
class ServerState:
    """The lifespan's :class:`AppState`, for static resources: mcp 2.3 gives them no Context."""

    current: AppState | None = None


async def models_json(state: AppState | None) -> str:
    """The catalog facts of every model, with its lifecycle and availability now."""
    document: dict[str, Any] = {
        "pricing": (
            "USD. price_rule per_request: price_usd per video, whatever its length; per_second: "
            "by resolution (price); tokens: by output tokens (price). price_usd is the estimate "
            "at the model's default seconds and first resolution."
        ),
        "models": [model_facts(m) for m in MODELS.values()],
    }
    if state is None or state.service is None:
        why = state.startup_error if state is not None else None
        document["live_error"] = why or "The video engine is not running."
        document["next_step"] = "Availability is unknown until the engine starts: " + (
            why or "check the server's configuration."
        )
        return json.dumps(document, indent=1)
    view = await state.service.models()
    live = {m.id: m.model_dump(exclude={"id", "channel", "tier", "price_usd"}) for m in view.models}
    for facts in document["models"]:
        facts.update(live.get(facts["id"], {}))
    extra = view.model_dump(include={"available", "live_checked_at", "live_error", "next_step"})
    return json.dumps({**document, **extra}, indent=1)


async def task_json(task_id: str, ctx: Context[AppState, Any]) -> str:
    state: AppState = ctx.request_context.lifespan_context
    if state.service is None:
        raise ResourceError(state.startup_error or "The video engine is not running.")
    try:
        view = await state.service.check_status(task_id, download=False)
    except TaskNotFoundError as exc:
        raise ResourceNotFoundError(exc.message) from None
    except VeoError as exc:
        raise ResourceError(exc.message) from None
    return view.model_dump_json(indent=1)


def make_video(
    idea: Annotated[str, Field(description="What the video should show, in your own words.")],
    priority: Annotated[
        Priority, Field(description="'balanced' (default), 'budget', 'quality' or 'iteration'.")
    ] = "balanced",
    count: Annotated[int, Field(ge=1, description="How many videos (for the cost estimate).")] = 1,
) -> list[UserMessage]:
    """Walk through recommend_channel -> generate_video -> check_status for one idea."""
    text = (
        f"Make a short video of: {idea}\n\n"
        "1. Call recommend_channel with what this needs "
        f"(priority='{priority}', count={count}; add frame_to_video, reference_images, "
        "resolution, seconds, aspect_ratio or audio if the idea asks for them). Tell me the "
        "model and the total price in one line.\n"
        "2. Call generate_video with the recommended generate_video_args and a vivid prompt: "
        "subject, action, camera, lighting and the sound. Keep the task_id it returns.\n"
        "3. Call check_status(task_id=..., wait_seconds=...) until status is completed, then "
        "give me video_path. If a task failed, follow its next_step (rephrase a content-policy "
        "block and retry once; only Grok bills a block).\n"
        "Never resubmit a task that is still running: check it, or find it with list_tasks."
    )
    return [UserMessage(text)]


def register(server: MCPServer[AppState], holder: ServerState) -> None:
    """Register the resources and the prompt; the server's lifespan fills ``holder``."""

    async def models() -> str:
        return await models_json(holder.current)

    server.resource(
        "veo://models",
        name="models",
        title="Video models: protocols, prices, limits and availability now",
        description="Every model id with its channel, price per video, lengths, resolutions, "
        "orientations, image limits, typical render times, lifecycle (retired or not, per "
        "APIYI's notices) and availability now (available, down, unlisted, unknown, with the "
        "reason); plus the ids usable now and a next_step. The live list is cached for a few "
        "minutes.",
        mime_type="application/json",
    )(models)
    server.resource(
        "veo://tasks/{task_id}",
        name="task",
        title="One video task",
        description="A task's current status, progress, price, video_path/video_url and "
        "next_step (same shape as check_status, without downloading).",
        mime_type="application/json",
    )(task_json)
    server.prompt(
        name="make_video",
        title="Make a video",
        description="Guide the assistant through recommend_channel, generate_video and "
        "check_status for one video idea.",
    )(make_video)
