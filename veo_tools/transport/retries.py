"""The retry policy of :class:`~veo_tools.transport.http.ApiHttp` (tenacity, with the injected
``sleep``): what is retried, how long to wait between tries, and the loop itself.

Retried: 429 (honouring ``Retry-After``, capped at the backoff maximum), 5xx and connect
failures. A create whose outcome is unknown is never retried (re-sending can pay twice), and no
retry is slept or sent past the deadline of the call in progress.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
)
from tenacity.wait import wait_exponential_jitter

from veo_tools.errors import (
    DownloadError,
    RateLimitError,
    ServerError,
    SubmitOutcomeUnknownError,
    TransportError,
)
from veo_tools.transport.bounds import PastDeadline

Sleep = Callable[[float], Awaitable[None]]

#: Retry lines keep the logger name they have always had (the CLI prints it before each line).
logger = logging.getLogger("veo_tools.transport.http")


class Backoff:
    """The wait before the next try: the ``Retry-After`` of a 429 (capped at ``backoff_max``),
    otherwise exponential with jitter."""

    def __init__(self, backoff_base: float, backoff_max: float) -> None:
        self._backoff = wait_exponential_jitter(
            multiplier=backoff_base, max=backoff_max, jitter=backoff_base
        )
        self._backoff_max = backoff_max

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, self._backoff_max)
        return float(self._backoff(state))


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, SubmitOutcomeUnknownError):
        return False
    if isinstance(exc, DownloadError | ServerError) and exc.status_code is not None:
        # An unreadable 2xx answer (too large, not JSON) is not fixed by asking again.
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, RateLimitError | ServerError | TransportError)


def log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    logger.warning(
        "%s; retry %d in %.1f s",
        getattr(exc, "message", type(exc).__name__),
        state.attempt_number,
        delay,
    )


async def with_retries(
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    max_retries: int,
    wait: Backoff,
    sleep: Sleep,
) -> httpx.Response:
    """``send()``, tried again on a retryable failure up to ``max_retries`` times."""
    retrying = AsyncRetrying(
        stop=stop_any(stop_after_attempt(max_retries + 1), PastDeadline()),
        wait=wait,
        retry=retry_if_exception(retryable),
        sleep=sleep,
        before_sleep=log_retry,
        reraise=True,
    )

    async def attempt() -> httpx.Response:  # a coroutine function, as tenacity needs
        return await send()

    response: httpx.Response = await retrying(attempt)
    return response
