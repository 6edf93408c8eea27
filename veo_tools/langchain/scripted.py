"""``ScriptedVeoChatModel``: a stand-in chat model that drives the Veo tools offline.

For demos and tests of agent wiring without an LLM: it follows a fixed plan, fills in values
from earlier tool results, and polls ``check_status`` until the task finishes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import count
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from veo_tools.money import usd

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_UNFINISHED = ("queued", "in_progress", "running")  # "running": a batch


def tool_call(name: str, args: dict[str, Any] | None = None) -> AIMessage:
    """A scripted assistant turn that calls one tool (the id is assigned when it is sent)."""
    return AIMessage(content="", tool_calls=[ToolCall(name=name, args=args or {}, id="")])


class ScriptedVeoChatModel(GenericFakeChatModel):
    """Replies with the scripted ``messages`` in order, like ``GenericFakeChatModel``, and also:

    - ``"{name}"`` placeholders in tool-call arguments and in text are filled from the fields of
      earlier tool results (``task_id``, ``model``, ``video_path``...), so a script can pass the
      task id from ``generate_video`` on to ``check_status``;
    - while the last ``check_status`` result says the task is queued or rendering (or the batch
      is running), it calls ``check_status`` again (up to ``max_polls`` times) before moving on;
    - ``bind_tools`` returns the model itself, so ``create_agent`` accepts it.
    """

    disable_streaming: bool | Literal["tool_calling"] = True
    max_polls: int = 50

    @classmethod
    def make_video(
        cls,
        prompt: str,
        *,
        needs: dict[str, Any] | None = None,
        wait_seconds: float = 30,
    ) -> ScriptedVeoChatModel:
        """recommend_channel(needs) → generate_video(prompt, recommended model) → check_status
        (waiting) until done → a final answer naming the saved file."""
        return cls(
            messages=iter(
                [
                    tool_call("recommend_channel", needs),
                    tool_call("generate_video", {"prompt": prompt, "model": "{model}"}),
                    tool_call(
                        "check_status", {"task_id": "{task_id}", "wait_seconds": wait_seconds}
                    ),
                    AIMessage(
                        "Your video is ready: {video_path} (task {task_id}, {model}, "
                        "{price_usd}, status {status})."
                    ),
                ]
            )
        )

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._poll_again(messages) or self._next_scripted()
        filled = _fill(reply, _facts(messages), call_ids=count(len(messages)))
        return ChatResult(generations=[ChatGeneration(message=filled)])

    def _next_scripted(self) -> AIMessage:
        message = next(self.messages, None)
        if message is None:
            return AIMessage("(the script has ended)")
        return AIMessage(message) if isinstance(message, str) else message

    def _poll_again(self, messages: list[BaseMessage]) -> AIMessage | None:
        last = messages[-1] if messages else None
        if not (isinstance(last, ToolMessage) and last.name == "check_status"):
            return None
        polls = sum(isinstance(m, ToolMessage) and m.name == "check_status" for m in messages)
        if last.status == "error" or polls >= self.max_polls:
            return None
        if _result(last).get("status") not in _UNFINISHED:
            return None
        previous = next(m for m in reversed(messages) if isinstance(m, AIMessage) and m.tool_calls)
        return AIMessage(content="", tool_calls=[{**previous.tool_calls[0], "id": ""}])


def _result(message: ToolMessage) -> dict[str, Any]:
    try:
        value = json.loads(message.text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _facts(messages: Iterable[BaseMessage]) -> dict[str, Any]:
    """Scalar fields of every successful tool result so far; later results win."""
    facts: dict[str, Any] = {}
    for message in messages:
        if isinstance(message, ToolMessage) and message.status != "error":
            facts.update(
                (k, v) for k, v in _result(message).items() if isinstance(v, str | int | float)
            )
    return facts


def _fill(message: AIMessage, facts: dict[str, Any], *, call_ids: Iterable[int]) -> AIMessage:
    ids = iter(call_ids)
    calls = [
        ToolCall(name=c["name"], args=_fill_args(c["args"], facts), id=f"call_{next(ids)}")
        for c in message.tool_calls
    ]
    text = _PLACEHOLDER.sub(lambda m: _spelled(m.group(1), facts, m.group(0)), message.text)
    return AIMessage(content=text, tool_calls=calls)


def _spelled(name: str, facts: dict[str, Any], default: str) -> str:
    """A fact as text; amounts (``*_usd``) as money (``$0.30``)."""
    if name not in facts:
        return default
    value = facts[name]
    return usd(value) if name.endswith("_usd") and isinstance(value, int | float) else str(value)


def _fill_args(args: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    def value(v: Any) -> Any:
        if isinstance(v, str) and (m := _PLACEHOLDER.fullmatch(v)) and m.group(1) in facts:
            return facts[m.group(1)]
        return v

    return {k: value(v) for k, v in args.items()}
