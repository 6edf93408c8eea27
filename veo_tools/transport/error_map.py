"""HTTP answers and transport failures, mapped onto the exception tree in one place.

:func:`error_from_response` is the only status-to-exception map in the package. Each message
quotes what the server said (truncated, with anything that looks like a key redacted) and tells
the agent what to do next.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from veo_tools.errors import (
    APIError,
    AuthenticationError,
    InsufficientBalanceError,
    InvalidRequestError,
    ModelUnavailableError,
    RateLimitError,
    ServerError,
    TaskNotFoundError,
    VeoError,
    looks_like_model_unavailable,
)
from veo_tools.transport.redaction import redact
from veo_tools.transport.retry_after import describe_wait, parse_retry_after
from veo_tools.words import LIST_TASKS, Words, call

CONSOLE_URL = "https://api.apiyi.com"
KEY_URL = "https://api.apiyi.com/token"
MAX_MESSAGE_CHARS = 300

_BALANCE_MARKERS = ("quota", "not enough", "insufficient", "余额", "额度")
_MODEL_MISSING = re.compile(r"model.{0,80}(not found|does not exist|not exist)", re.I | re.S)
_HTML_HINT = (
    "usually the wrong endpoint for this model (Official *-generate-preview models only work on "
    "/v1/videos, not /v1/chat/completions) or a wrong APIYI_BASE_URL"
)


@dataclass(frozen=True)
class ServerMessage:
    """What an error body says: its text (redacted, truncated), its code, whether it was HTML."""

    text: str
    code: str | None = None
    html: bool = False


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


def looks_like_html(body: str, content_type: str = "") -> bool:
    head = body.lstrip()[:200].lower()
    return "text/html" in content_type.lower() or head.startswith(("<!doctype", "<html"))


def _from_json(data: Any) -> tuple[str | None, str | None]:
    if not isinstance(data, dict):
        return None, None
    error = data.get("error")
    if isinstance(error, dict):
        message, code = error.get("message"), error.get("code") or error.get("type")
    elif isinstance(error, str) and error:
        message, code = error, data.get("code")
    else:
        message, code = data.get("message") or data.get("detail"), data.get("code")
    text = message if isinstance(message, str) and message else None
    return text, str(code) if code else None


def read_server_message(
    body: bytes | str, content_type: str = "", *, secret: SecretStr | None = None
) -> ServerMessage:
    """Tolerantly read an error body: ``{"error":{...}}``, ``{"code","message"}``, text or HTML."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if looks_like_html(text, content_type):
        return ServerMessage(text="(an HTML page)", html=True)
    try:
        message, code = _from_json(json.loads(text))
    except ValueError:
        message, code = None, None
    shown = message or text.strip() or "(empty body)"
    return ServerMessage(text=_truncate(redact(shown, secret)), code=code)


def _mentions(message: ServerMessage, markers: tuple[str, ...]) -> bool:
    haystack = f"{message.text} {message.code or ''}".lower()
    return any(marker.lower() in haystack for marker in markers)


def _balance(status: int, msg: ServerMessage) -> VeoError:
    return InsufficientBalanceError(
        f"Insufficient APIYI balance (HTTP {status}: {msg.text}). Top up at {CONSOLE_URL} "
        "(console > wallet), then try again. Nothing was billed for this request.",
        status_code=status,
    )


#: How to see what can be used instead; the engine adds the models available now.
CHECK_AGAIN = (
    "See what is available now with `veo-tools models --refresh`, the veo://models resource or "
    "recommend_channel"
)


def _model_unavailable(status: int, msg: ServerMessage) -> VeoError:
    return ModelUnavailableError(
        f"APIYI cannot serve this model now (HTTP {status}: {msg.text}): it is retired, in an "
        "outage, or not enabled for this key's group. Nothing was billed. Use another model or "
        f"the other channel, or enable the model for the key's group in the APIYI console "
        f"({CONSOLE_URL}). {CHECK_AGAIN}.",
        status_code=status,
    )


def _client_error(status: int, msg: ServerMessage) -> VeoError:
    if msg.html:
        return InvalidRequestError(
            f"The API answered HTTP {status} with an HTML page instead of JSON: {_HTML_HINT}.",
            status_code=status,
        )
    if _mentions(msg, ("task_not_exist",)):
        return TaskNotFoundError(
            Words(
                "The API does not know this task (HTTP {status}: {said}). Check the task id; "
                "{tasks} shows the tasks recorded locally.",
                status=status,
                said=msg.text,
                tasks=call(LIST_TASKS),
            ),
            status_code=status,
        )
    if status == 413:
        return InvalidRequestError(
            f"The upload is too large (HTTP 413: {msg.text}). Send a smaller reference image "
            "(JPEG, PNG or WebP, well under 10 MB).",
            field="images",
            status_code=status,
        )
    return InvalidRequestError(
        f"The API rejected the request (HTTP {status}: {msg.text}). Fix the request and try "
        "again; a rejected request is not billed.",
        status_code=status,
    )


def _not_found(msg: ServerMessage) -> VeoError:
    if _MODEL_MISSING.search(msg.text):
        return _model_unavailable(404, msg)
    if msg.html:
        return InvalidRequestError(
            f"The API answered HTTP 404 with an HTML page: {_HTML_HINT}.", status_code=404
        )
    return TaskNotFoundError(
        Words(
            "Not found (HTTP 404: {said}): the task id is wrong or the task expired (Reverse "
            "videos are kept about 24 h; Official retention is undocumented). Check the id with "
            "{tasks}, or submit again.",
            said=msg.text,
            tasks=call(LIST_TASKS),
        ),
        status_code=404,
    )


def _rate_limited(response: httpx.Response, msg: ServerMessage) -> VeoError:
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    return RateLimitError(
        f"Rate limited by the API (HTTP 429: {msg.text}). Wait {describe_wait(retry_after)} and "
        "try again; a refused request is not billed.",
        retry_after=retry_after,
    )


def _forbidden(msg: ServerMessage) -> VeoError:
    return AuthenticationError(
        f"Forbidden (HTTP 403: {msg.text}). The key may not be allowed to use this model or "
        "endpoint: check APIYI_API_KEY, the key's group and its billing mode in the APIYI console "
        "(Official needs 'Pay-per-request' or 'Pay-as-you-go Priority').",
        status_code=403,
    )


def _server_error(status: int, msg: ServerMessage) -> VeoError:
    said = "an HTML error page" if msg.html else msg.text
    return ServerError(
        f"The API had a server error (HTTP {status}: {said}). This is usually transient and "
        "failed tasks are not billed: try again in a minute.",
        status_code=status,
    )


def error_from_response(response: httpx.Response, *, secret: SecretStr | None = None) -> VeoError:
    """The exception for an error answer. Streamed responses must be read (``aread``) first."""
    status = response.status_code
    try:
        body = response.text
    except httpx.ResponseNotRead:
        body = ""
    msg = read_server_message(body, response.headers.get("content-type", ""), secret=secret)
    if status == 401:
        return AuthenticationError(
            f"The API rejected the key (HTTP 401: {msg.text}). Check APIYI_API_KEY (create or "
            f"copy a key at {KEY_URL}).",
            status_code=status,
        )
    if status == 402 or (status in (403, 429) and _mentions(msg, _BALANCE_MARKERS)):
        return _balance(status, msg)
    if looks_like_model_unavailable(f"{msg.text} {msg.code or ''}"):
        return _model_unavailable(status, msg)
    if status == 403:
        return _forbidden(msg)
    if status == 404:
        return _not_found(msg)
    if status == 429:
        return _rate_limited(response, msg)
    if 400 <= status < 500:
        return _client_error(status, msg)
    if status >= 500:
        return _server_error(status, msg)
    return APIError(
        f"Unexpected answer from the API (HTTP {status}: {msg.text}). Check APIYI_BASE_URL "
        f"(the default is {CONSOLE_URL}).",
        status_code=status,
    )
