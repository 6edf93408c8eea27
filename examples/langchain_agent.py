"""Let a LangChain agent make a short video with the Veo tools.

Offline, no key, no cost (a scripted chat model drives the embedded sandbox)::

    python examples/langchain_agent.py --sandbox

A real chat model drives the real API (costs money; needs ``pip install 'veo-tools[openai]'``)::

    export APIYI_API_KEY=sk-...
    python examples/langchain_agent.py --prompt "a corgi surfing at sunset" --chat-model gpt-4o-mini

APIYI serves chat models on the same key at ``https://api.apiyi.com/v1`` (OpenAI-compatible).
``--sandbox --chat-model NAME`` lets a real model drive the simulated video API.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from veo_tools import VeoToolkit
from veo_tools.langchain import ScriptedVeoChatModel
from veo_tools.settings import DEFAULT_BASE_URL

#: Simulated renders take 60-120 s at real speed; 20x faster keeps the demo short.
SANDBOX_TIME_SCALE = 0.05
DEFAULT_PROMPT = "A corgi surfing a small wave at sunset, slow motion, cheerful ukulele music"
SYSTEM_PROMPT = (
    "You make short videos with the Veo tools. First call recommend_channel with the user's "
    "needs, then generate_video with the recommended model and the user's prompt, then call "
    "check_status with wait_seconds=60 until the status is completed or failed. Finish by "
    "telling the user the video_path, or what went wrong and what to do."
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sandbox", action="store_true", help="simulated API: no key, no cost")
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help="what the video should show")
    parser.add_argument(
        "--time-scale",
        type=float,
        help="sandbox speed-up (default 0.05, i.e. 20x faster, unless VEO_TOOLS_TIME_SCALE is set)",
    )
    parser.add_argument(
        "--chat-model",
        help="OpenAI-compatible chat model to drive the agent (default: scripted with "
        "--sandbox, gpt-4o-mini otherwise)",
    )
    parser.add_argument(
        "--chat-base-url",
        default=os.environ.get("APIYI_BASE_URL", DEFAULT_BASE_URL).rstrip("/") + "/v1",
        help="OpenAI-compatible endpoint for the chat model (default: APIYI)",
    )
    return parser.parse_args(argv)


def real_chat_model(name: str, base_url: str) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        sys.exit("A real chat model needs langchain-openai: pip install 'veo-tools[openai]'")
    key = os.environ.get("APIYI_API_KEY")
    if not key:
        sys.exit("Set APIYI_API_KEY to use a real chat model, or run with --sandbox.")
    return ChatOpenAI(model=name, base_url=base_url, api_key=key)


def show(message: BaseMessage) -> None:
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            print(f"  assistant -> {call['name']}({json.dumps(call['args'])})")
        if message.text:
            print(f"  assistant: {message.text}")
    elif isinstance(message, ToolMessage):
        text = message.text if len(message.text) <= 300 else message.text[:299] + "…"
        print(f"  {message.name} [{message.status}]: {text}")


def show_progress(event: dict[str, Any]) -> None:
    print(f"    … {event['task_id']} {event['status']} {event['progress']}% {event['message']}")


def converse(agent: Any, request: str) -> str | None:
    """Stream the agent's run, printing messages and progress; return the saved video's path."""
    print(f"  user: {request}")
    saved = None
    for mode, chunk in agent.stream(
        {"messages": [HumanMessage(request)]}, stream_mode=["updates", "custom"]
    ):
        if mode == "custom":
            show_progress(chunk)
            continue
        for update in chunk.values():
            for message in (update or {}).get("messages", []):
                show(message)
                if isinstance(message, ToolMessage) and message.status == "success":
                    saved = getattr(message.artifact, "video_path", None) or saved
    return saved


def run(args: argparse.Namespace) -> int:
    if not args.sandbox and not os.environ.get("APIYI_API_KEY"):
        print("Set APIYI_API_KEY, or add --sandbox to run offline.", file=sys.stderr)
        return 2
    if args.chat_model or not args.sandbox:
        model = real_chat_model(args.chat_model or "gpt-4o-mini", args.chat_base_url)
    else:
        model = ScriptedVeoChatModel.make_video(args.prompt, wait_seconds=60)
    request = f"Please make this video and tell me where the file is: {args.prompt}"
    time_scale = args.time_scale
    if args.sandbox and time_scale is None and not os.environ.get("VEO_TOOLS_TIME_SCALE"):
        time_scale = SANDBOX_TIME_SCALE
    with VeoToolkit(sandbox=args.sandbox or None, time_scale=time_scale) as toolkit:
        agent = create_agent(model, tools=toolkit.get_tools(), system_prompt=SYSTEM_PROMPT)
        saved = converse(agent, request)
    if saved is None:
        print("No video was saved.", file=sys.stderr)
        return 1
    print(f"Saved video: {saved}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
