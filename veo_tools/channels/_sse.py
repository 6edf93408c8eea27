"""Server-sent events read with a bound on each line (httpx-sse buffers a line of any length).

Only what the chat stream needs: ``data:`` fields, joined by newlines and dispatched at a blank
line (WHATWG HTML §9.2.6); comments, ``event``, ``id`` and ``retry`` fields are skipped. Lines end
with LF or CRLF (a lone CR, allowed by the spec, has not been seen from any gateway). A line
longer than ``max_line`` characters stops the read with :class:`LineTooLong`, before it is held
in memory whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

#: The longest SSE line read (a chat chunk is a few hundred bytes).
MAX_LINE_CHARS = 64 * 1024


class LineTooLong(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a stream line longer than {limit // 1024} KiB")
        self.limit = limit


async def _lines(response: httpx.Response, max_line: int) -> AsyncIterator[str]:
    pending = ""
    async for text in response.aiter_text():
        pending += text
        *complete, pending = pending.split("\n")
        for line in complete:
            if len(line) > max_line + 1:
                raise LineTooLong(max_line)
            yield line.removesuffix("\r")
        if len(pending) > max_line + 1:
            raise LineTooLong(max_line)
    if pending:
        yield pending.removesuffix("\r")


async def sse_data(
    response: httpx.Response, *, max_line: int = MAX_LINE_CHARS
) -> AsyncIterator[str]:
    """The ``data`` of each event of an SSE body, in order."""
    data: list[str] = []
    async for line in _lines(response, max_line):
        if not line:
            if data:
                yield "\n".join(data)
            data = []
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)
