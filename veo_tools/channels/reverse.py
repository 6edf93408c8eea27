"""The Reverse channel (Google Flow): ``/v1/videos`` async tasks and ``/v1/chat/completions``.

Async: JSON ``{"model","prompt"}``, or multipart with ``input_reference`` repeated for the 1-2
frames of a ``-fl`` model; never ``seconds`` or ``size`` (both are fixed by the model id). The
video arrives as a URL (status answer or ``/content`` JSON) or as MP4 bytes from ``/content``.

Sync: a chat completion whose text carries progress and, at the end, the video URL; streamed
(SSE, read by ``_sse`` with a cap on each line) or not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from veo_tools.catalog import ENDPOINT_CHAT, ENDPOINT_VIDEOS
from veo_tools.channels._chat import ChatTranscript
from veo_tools.channels._parse import (
    extract_video_url,
    find_video_url,
    parse_task,
    read_json,
    submitted_task,
)
from veo_tools.channels._sse import LineTooLong, sse_data
from veo_tools.channels._wire import chat_payload, checked_model, file_part, task_path
from veo_tools.channels.base import DownloadResult, RemoteTask, StreamEvent, VideoRequest
from veo_tools.errors import DownloadError, InvalidRequestError, SubmitOutcomeUnknownError
from veo_tools.transport.downloads import is_json_response, read_limited
from veo_tools.transport.error_map import looks_like_html, read_server_message
from veo_tools.transport.http import MAX_CHAT_ANSWER_BYTES, ApiHttp

logger = logging.getLogger(__name__)

_URL_HINT = (
    "For an https image URL use mode='stream' (the chat endpoint takes https URLs), or pass a "
    "local file or a data: URL."
)
_HTML_ANSWER = (
    "The chat endpoint answered with an HTML page instead of a stream: this model does not "
    "stream (Official models are async-only on /v1/videos), or APIYI_BASE_URL is wrong."
)


class ReverseClient:
    """The eight ``veo-3.1[-landscape][-fast][-fl]`` models."""

    channel = "reverse"

    def __init__(self, http: ApiHttp) -> None:
        self._http = http

    async def submit(self, req: VideoRequest) -> RemoteTask:
        model = checked_model(req, "reverse")
        fields = {"model": model.id, "prompt": req.prompt}
        if req.images:
            files = [file_part(image, url_hint=_URL_HINT) for image in req.images]
            response = await self._http.request(
                "POST", ENDPOINT_VIDEOS, data=fields, files=files, creates_task=True
            )
        else:
            response = await self._http.request(
                "POST", ENDPOINT_VIDEOS, json=fields, creates_task=True
            )
        task = submitted_task(response, with_url=True)
        logger.info("reverse task %s submitted (%s)", task.remote_id, model.id)
        return task

    async def get(self, remote_id: str) -> RemoteTask:
        response = await self._http.request("GET", task_path(remote_id))
        body = read_json(response, what="the status query")
        return parse_task(body, remote_id=remote_id, with_url=True)

    async def download(
        self, remote_id: str, dest: Path, *, video_url: str | None = None
    ) -> DownloadResult:
        """Save the video: from a known URL (no key sent), else via ``/content``, which answers
        either JSON with a URL or the MP4 bytes themselves."""
        if video_url and not self._http.is_api_url(video_url):
            return DownloadResult(await self._fetch(video_url, dest), video_url)
        content = task_path(remote_id, "/content")
        async with (
            self._http.download_bounds(),
            self._http.open_download(content, api=True) as resp,
        ):
            if not is_json_response(resp):
                return DownloadResult(await self._http.save_download(resp, content, dest, api=True))
            url = _url_from_content_json(resp, await read_limited(resp))
        return DownloadResult(await self._fetch(url, dest), url)

    async def _fetch(self, url: str, dest: Path) -> Path:
        # A URL on the API's own origin needs the key; any other host never receives it.
        return await self._http.download_to(url, dest, api=self._http.is_api_url(url))

    async def stream(self, req: VideoRequest) -> AsyncIterator[StreamEvent]:
        """Generate over one streamed chat completion: progress events, then one result event."""
        checked_model(req, "reverse")
        transcript = ChatTranscript()
        async with self._http.stream(
            "POST", ENDPOINT_CHAT, json=chat_payload(req, stream=True)
        ) as response:
            async for event in _read_stream(response, transcript):
                yield event
        yield transcript.result()

    async def complete(self, req: VideoRequest) -> StreamEvent:
        """Generate over one non-streamed chat completion (the server holds the request open)."""
        checked_model(req, "reverse")
        response = await self._http.request(
            "POST",
            ENDPOINT_CHAT,
            json=chat_payload(req, stream=False),
            creates_task=True,
            read_timeout=self._http.stream_timeout,
            max_bytes=MAX_CHAT_ANSWER_BYTES,
        )
        transcript = ChatTranscript()
        if "text/event-stream" in response.headers.get("content-type", ""):
            for line in response.text.splitlines():
                if line.startswith("data:"):
                    transcript.feed_data(line[5:].strip())
        else:
            transcript.feed_completion(read_json(response, what="the chat completion"))
        return transcript.result()


async def _read_stream(
    response: httpx.Response, transcript: ChatTranscript
) -> AsyncIterator[StreamEvent]:
    """Progress events from an SSE body. A cut connection just ends the iteration: the
    transcript then decides whether the video exists."""
    content_type = response.headers.get("content-type", "").lower()
    if "json" in content_type:  # a gateway that ignored stream=true
        body = await read_limited(response, MAX_CHAT_ANSWER_BYTES + 1)
        if len(body) > MAX_CHAT_ANSWER_BYTES:
            raise _stream_cut(f"a JSON answer larger than {MAX_CHAT_ANSWER_BYTES // 1024} KiB")
        transcript.feed_completion(read_json(_read(response, body), what="the chat completion"))
        return
    if "text/html" in content_type:
        raise InvalidRequestError(_HTML_ANSWER, status_code=response.status_code)
    if "text/event-stream" not in content_type:
        text = (await read_limited(response)).decode("utf-8", "replace")
        if looks_like_html(text):
            raise InvalidRequestError(_HTML_ANSWER, status_code=response.status_code)
        raise InvalidRequestError(
            f"The chat endpoint did not answer a stream (Content-Type {content_type!r})."
        )
    try:
        async for data in sse_data(response):
            if event := transcript.feed_data(data):
                yield event
            if transcript.finished and data.strip() == "[DONE]":
                return
    except LineTooLong as exc:
        if extract_video_url(transcript.text) is None:
            raise _stream_cut(str(exc)) from None
        logger.warning("chat stream stopped at %s, after the video URL", exc)
    except httpx.TransportError as exc:
        logger.warning("chat stream cut (%s)", type(exc).__name__)


def _read(response: httpx.Response, body: bytes) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers={"content-type": response.headers.get("content-type", "")},
        content=body,
    )


def _stream_cut(what: str) -> SubmitOutcomeUnknownError:
    return SubmitOutcomeUnknownError(
        f"The chat stream sent {what}; it was closed unread. The render may still complete and "
        "be billed, and a stream cannot be resumed: check the APIYI console task log before "
        "submitting again."
    )


def _url_from_content_json(response: httpx.Response, body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    url = find_video_url(data) if isinstance(data, dict) else None
    if url is None:
        said = read_server_message(body, "application/json").text
        raise DownloadError(
            f"/content answered JSON without a video URL (HTTP {response.status_code}: {said}). "
            "The video may not be ready yet: check the task status, then download again."
        )
    return url
