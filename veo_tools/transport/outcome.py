"""What a failure to send means: never sent (safe to fix and retry), not connected (nothing
sent), or sent with no answer (the outcome is unknown: a create must never be re-sent, because
re-sending can pay twice)."""

from __future__ import annotations

import httpx

from veo_tools.errors import (
    ConfigurationError,
    SubmitOutcomeUnknownError,
    TransportError,
    VeoError,
)
from veo_tools.transport.error_map import CONSOLE_URL
from veo_tools.words import LOOK_UP, Words

#: Failures raised before any byte of the request reached the network: nothing was sent.
NEVER_SENT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def never_sent(exc: Exception) -> ConfigurationError:
    """A request that could not even be written (bad base URL, a header HTTP forbids)."""
    # The exception's own text may quote the Authorization header: only its class is named.
    kind = type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        what = "APIYI_BASE_URL is not a usable http(s) URL (e.g. https://api.apiyi.com)"
    else:
        what = (
            "a header could not be encoded: the API key (APIYI_API_KEY) holds a space, a "
            "control or a non-ASCII character (copy it again from https://api.apiyi.com/token)"
        )
    return ConfigurationError(
        f"The request was never sent ({kind}): {what}. Nothing left this machine and nothing "
        "was billed; fix the setting and try again."
    )


def gateway_timeout_after_create() -> SubmitOutcomeUnknownError:
    """A 504 answer to a create request already sent: the task may exist and may be billed."""
    return SubmitOutcomeUnknownError(
        Words(
            "The gateway timed out (HTTP 504) after the create request was sent: the "
            "task may exist and may be billed, do not submit again. Check with {look}, "
            "or in the APIYI console task log.",
            look=LOOK_UP,
        )
    )


CONNECT_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def transport_error(exc: httpx.TransportError, *, target: str, creates_task: bool) -> VeoError:
    """A network failure as a :class:`TransportError`, or, when a create request may have been
    received, a :class:`SubmitOutcomeUnknownError` that must not be re-sent."""
    kind = type(exc).__name__
    if isinstance(exc, CONNECT_FAILURES):
        return TransportError(
            f"Could not connect to {target} ({kind}: connection refused, DNS failure or connect "
            "time-out). Nothing was sent; check the network and APIYI_BASE_URL, then try again."
        )
    if creates_task:
        return SubmitOutcomeUnknownError(
            Words(
                "The create request was sent to {target} but no answer came back ({kind}). The "
                "task may exist and may be billed: do not submit again. Check with {look}, or "
                "in the APIYI console task log ({console}).",
                target=target,
                kind=kind,
                look=LOOK_UP,
                console=CONSOLE_URL,
            )
        )
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(f"{target} did not answer in time ({kind}); try again.")
    return TransportError(f"The connection to {target} failed ({kind}); try again.")
