"""A scripted API behind ``httpx.MockTransport`` for the channel-client tests (no network).

Imported by the test modules as ``channels_support`` (a unique top-level name: pytest puts this
directory on ``sys.path``); the fixtures live in ``conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx
from mp4_support import mp4_bytes
from pydantic import SecretStr

from veo_tools.transport.http import ApiHttp

KEY = "sk-channel-test-key-0123456789"
BASE_URL = "https://api.example.test"
MP4 = mp4_bytes()

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class MockApi:
    """Routes ``(method, path)`` (or a host for absolute URLs) to canned responses."""

    routes: dict[tuple[str, str], Handler | list[httpx.Response] | httpx.Response] = field(
        default_factory=dict
    )
    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def on(
        self, method: str, path: str, answer: Handler | list[httpx.Response] | httpx.Response
    ) -> None:
        self.routes[(method, path)] = answer

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.raw_path.decode())
        answer = self.routes.get(key) or self.routes.get((request.method, request.url.host))
        if answer is None:
            return httpx.Response(404, json={"error": {"message": f"no route {key}"}})
        if isinstance(answer, list):
            return answer.pop(0) if len(answer) > 1 else answer[0]
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def http(self, **kwargs: Any) -> ApiHttp:
        return ApiHttp(
            BASE_URL,
            SecretStr(KEY),
            transport=httpx.MockTransport(self.handle),
            sleep=self.sleep,
            **kwargs,
        )

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def multipart_parts(request: httpx.Request) -> list[Part]:
    """The parts of a multipart request, in order (parsed with the stdlib email parser)."""
    header = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(header + request.content)
    parts = []
    for part in message.iter_parts():
        data = part.get_payload(decode=True)
        parts.append(
            Part(
                name=str(part.get_param("name", header="content-disposition")),
                filename=part.get_filename(),
                content_type=part.get_content_type() if part.get_filename() else None,
                data=data if isinstance(data, bytes) else b"",
            )
        )
    return parts


def sse(*chunks: str, done: bool = True) -> bytes:
    """An SSE body: one ``chat.completion.chunk`` per text, then ``[DONE]``."""
    lines = []
    for index, text in enumerate(chunks):
        last = index == len(chunks) - 1
        chunk = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": text},
                    "finish_reason": "stop" if last and done else None,
                }
            ],
        }
        lines.append(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


class CutStream(httpx.AsyncByteStream):
    """A body that yields some bytes, then fails like a dropped connection."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk
        raise httpx.ReadError("connection reset by peer")
