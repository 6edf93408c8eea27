"""Reading a chat-completions generation (Reverse channel), streamed or not.

The video URL arrives inside the assistant's text. :class:`ChatTranscript` accumulates the text
of the chunks, turns each into a progress event, and at the end decides: a URL was seen → the
result (even if the stream was cut: the video exists); a failure text → :class:`TaskFailedError`;
a cut stream with neither → :class:`SubmitOutcomeUnknownError` (the render may go on and be
billed); a finished stream with neither → :class:`TaskFailedError`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from veo_tools.channels._parse import (
    extract_video_url,
    looks_like_failure,
    progress_in_text,
    read_error,
)
from veo_tools.channels.base import StreamEvent
from veo_tools.errors import (
    ModelUnavailableError,
    SubmitOutcomeUnknownError,
    TaskFailedError,
    VeoError,
    looks_like_content_policy,
    looks_like_model_unavailable,
)
from veo_tools.transport.error_map import CHECK_AGAIN

logger = logging.getLogger(__name__)

_EXCERPT_CHARS = 300


def _text_of(value: object) -> str:
    """Content as a string, or a list of ``{"type":"text","text":...}`` parts joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(str(part.get("text", "")) for part in value if isinstance(part, Mapping))
    return ""


def _first_choice(chunk: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return choices[0]
    return {}


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else "…" + text[-_EXCERPT_CHARS:]


def _failed(text: str) -> VeoError:
    if looks_like_model_unavailable(text) and not looks_like_content_policy(text):
        return ModelUnavailableError(
            f"The model is unavailable upstream (retired or in an outage): {_excerpt(text)}. "
            f"Nothing was billed. {CHECK_AGAIN}."
        )
    policy = looks_like_content_policy(text)
    advice = (
        "This reads like a content-policy block (not billed): rephrase the prompt or change the "
        "images, then submit again."
        if policy
        else "Failed generations are not billed: try again, or try the other channel."
    )
    return TaskFailedError(
        f"The generation failed: {_excerpt(text)}. {advice}",
        reason=_excerpt(text),
        content_policy=policy,
    )


@dataclass
class ChatTranscript:
    """The state of one chat-completions generation."""

    parts: list[str] = field(default_factory=list)
    completion_id: str | None = None
    finished: bool = False
    last_progress: int | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def feed_data(self, data: str) -> StreamEvent | None:
        """One SSE ``data:`` payload. ``[DONE]`` marks the end; non-JSON lines are skipped."""
        if data.strip() == "[DONE]":
            self.finished = True
            return None
        try:
            chunk = json.loads(data)
        except ValueError:
            logger.debug("skipping a non-JSON stream line")
            return None
        return self.feed(chunk) if isinstance(chunk, Mapping) else None

    def feed(self, chunk: Mapping[str, Any]) -> StreamEvent | None:
        """One ``chat.completion.chunk``; returns a progress event when it carried text."""
        if message := read_error(chunk):
            raise _failed(message)
        self.completion_id = self.completion_id or _str_or_none(chunk.get("id"))
        choice = _first_choice(chunk)
        if choice.get("finish_reason"):
            self.finished = True
        delta = choice.get("delta")
        delta = delta if isinstance(delta, Mapping) else {}
        text = _text_of(delta.get("content")) or _text_of(delta.get("reasoning_content"))
        if not text:
            return None
        self.parts.append(text)
        progress = progress_in_text(text)
        self.last_progress = progress if progress is not None else self.last_progress
        return StreamEvent(
            kind="progress", text=text, progress=progress, completion_id=self.completion_id
        )

    def feed_completion(self, body: Mapping[str, Any]) -> None:
        """A whole (non-stream) ``chat.completion``."""
        if message := read_error(body):
            raise _failed(message)
        self.completion_id = _str_or_none(body.get("id"))
        message_body = _first_choice(body).get("message")
        message_body = message_body if isinstance(message_body, Mapping) else {}
        text = _text_of(message_body.get("content")) or _text_of(
            message_body.get("reasoning_content")
        )
        self.parts.append(text)
        self.finished = True

    def result(self) -> StreamEvent:
        """The final event, or the error the transcript amounts to."""
        text = self.text
        if url := extract_video_url(text):
            if not self.finished:
                logger.warning("stream ended without [DONE], but a video URL was seen")
            return StreamEvent(
                kind="result",
                text=text,
                progress=100,
                video_url=url,
                completion_id=self.completion_id,
            )
        if looks_like_failure(text):
            raise _failed(text)
        if not self.finished:
            raise self._cut()
        raise TaskFailedError(
            "The generation finished without a video URL"
            + (f" (last text: {_excerpt(text)})" if text.strip() else "")
            + ". Failed generations are not billed: try again, or try the other channel.",
            reason=_excerpt(text) or None,
        )

    def _cut(self) -> SubmitOutcomeUnknownError:
        seen = (
            f"last progress {self.last_progress}%"
            if self.last_progress is not None
            else ("no progress reported")
        )
        return SubmitOutcomeUnknownError(
            f"The stream was cut before it finished ({seen}); no video URL was seen. The render "
            "may still complete and be billed, and a stream cannot be resumed: check the APIYI "
            "console task log before submitting again."
        )


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None
