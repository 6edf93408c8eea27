"""Bounds on one request: its whole duration (body included) and the size of a JSON answer.

A per-chunk read time-out does not bound a request (a server can dribble a byte at a time), and
``response.aread()`` holds any body whole: :func:`bounded` and :func:`read_answer` close both
holes. :class:`PastDeadline` stops retries whose wait would end past the call's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from tenacity import RetryCallState
from tenacity.stop import stop_base

from veo_tools.errors import (
    DownloadError,
    ServerError,
    SubmitOutcomeUnknownError,
    TransportError,
    VeoError,
)
from veo_tools.transport.deadline import current_deadline, loop_time, time_left
from veo_tools.words import LIST_TASKS, LOOK_UP, Words, call


@asynccontextmanager
async def bounded(total: float, *, what: str, creates_task: bool) -> AsyncIterator[None]:
    """Bound the block (a whole request, body included) by ``total`` seconds and, unless it is
    a create already under way (cutting it would leave a task of unknown outcome), by the call's
    deadline."""
    at, call = loop_time() + total, current_deadline()
    by_call = call is not None and call < at and not creates_task
    try:
        async with asyncio.timeout_at(call if by_call else at):
            yield
    except TimeoutError as exc:
        raise _overrun(what, total, by_call=by_call, creates_task=creates_task) from exc


async def read_answer(
    response: httpx.Response, *, limit: int, creates_task: bool
) -> httpx.Response:
    """The whole (decoded) body, read up to ``limit`` bytes, as a response already read."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > limit:
            raise _oversized(response.status_code, limit, creates_task=creates_task)
    dropped = ("content-encoding", "content-length", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request
    )


class PastDeadline(stop_base):
    """No retry whose wait would end past the call's deadline: the caller hears at once."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        left = time_left()
        return left is not None and retry_state.upcoming_sleep >= left


def _overrun(what: str, total: float, *, by_call: bool, creates_task: bool) -> VeoError:
    """The error for a request that did not end in time (a slow, stalled or endless answer)."""
    if creates_task:
        return SubmitOutcomeUnknownError(
            Words(
                "{what} did not finish answering the create request within {total:g} s. The "
                "task may exist and may be billed: do not submit again. Check with {look}, or "
                "in the APIYI console task log.",
                what=what,
                total=total,
                look=LOOK_UP,
            )
        )
    why = "the time this call allows" if by_call else f"{total:g} s"
    if what == "The download":
        return DownloadError(
            f"The download did not finish within {why} (a slow or stalled video host); nothing "
            "was saved. The video is rendered: try the download again."
        )
    return TransportError(
        f"{what} did not finish its answer within {why} (a slow or stalled server); the task is "
        "kept in the journal: try again."
    )


def _oversized(status: int, limit: int, *, creates_task: bool) -> VeoError:
    said = f"The API answered (HTTP {status}) with more than {limit // 1024} KiB"
    if creates_task and status < 300:
        return SubmitOutcomeUnknownError(
            Words(
                "{said}, far more than a task answer; it was not read. A task may exist and be "
                "billed: do not submit again; check {tasks} or the APIYI console task log.",
                said=said,
                tasks=call(LIST_TASKS),
            )
        )
    return ServerError(
        f"{said}, far more than a task answer; it was not read. Check APIYI_BASE_URL (a "
        "proxy or a wrong endpoint may answer this way) and try again later.",
        status_code=status,
    )
