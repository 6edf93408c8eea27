"""Tolerant readers: every spelling the API (or a gateway in front of it) has been seen to use.

Strict when writing, tolerant when reading: ``in_progress`` or ``processing``, ``id`` or
``task_id``, ``created`` or ``created_at``, progress ``50`` or ``"50%"``, ``error`` absent, empty,
a string or an object, and a video URL in any of the fields clients have met.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx

from veo_tools.channels.base import RemoteStatus, RemoteTask
from veo_tools.errors import (
    InvalidRequestError,
    ServerError,
    SubmitOutcomeUnknownError,
    looks_like_content_policy,
)
from veo_tools.transport.error_map import looks_like_html, read_server_message
from veo_tools.words import LIST_TASKS, Words, call

logger = logging.getLogger(__name__)

_STATUSES: dict[str, RemoteStatus] = {
    **dict.fromkeys(("queued", "pending", "submitted", "not_start", "not_started"), "queued"),
    **dict.fromkeys(("in_progress", "processing", "running", "unknown"), "in_progress"),
    **dict.fromkeys(("completed", "succeeded", "success", "succeed"), "completed"),
    **dict.fromkeys(("failed", "failure", "cancelled", "canceled", "error"), "failed"),
}
_URL_FIELDS = ("video_url", "result_url", "url")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_URL = re.compile(r"""https?://[^\s<>"'`()\[\]{}，。；、）】]+""", re.I)
_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov")
_FAILURE_MARKERS = (
    "生成失败", "失败", "错误", "failed", "failure", "error", "rejected", "blocked",
    "unable to generate", "cannot generate",
)  # fmt: skip


def read_json(response: httpx.Response, *, what: str) -> dict[str, Any]:
    """The JSON object of a successful answer; HTML or garbage is an error that says so."""
    text = response.text
    if looks_like_html(text, response.headers.get("content-type", "")):
        raise InvalidRequestError(
            f"The API answered {what} with an HTML page instead of JSON: usually a wrong "
            "APIYI_BASE_URL or the wrong endpoint for this model.",
            status_code=response.status_code,
        )
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        shown = read_server_message(text).text
        raise ServerError(
            f"The API answered {what} with something that is not a JSON object: {shown}"
        )
    return data


def _unwrap(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """Some gateways wrap the task as ``{"code": ..., "data": {...}}``."""
    inner = body.get("data")
    if "status" not in body and isinstance(inner, Mapping) and "status" in inner:
        return inner
    return body


def read_status(value: object) -> RemoteStatus:
    key = str(value or "").strip().lower()
    if key in _STATUSES:
        return _STATUSES[key]
    logger.warning("unknown task status %r, treating it as in progress", value)
    return "in_progress"


def read_progress(value: object, status: RemoteStatus) -> int:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := re.search(r"\d+(?:\.\d+)?", value)):
        number = float(match.group())
    if number is None:
        return 100 if status == "completed" else 0
    return max(0, min(100, int(number)))


def read_error(body: Mapping[str, Any]) -> str | None:
    for key in ("error", "fail_reason", "failure_reason"):
        value = body.get(key)
        if isinstance(value, Mapping):
            value = value.get("message") or value.get("code")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def read_timestamp(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _usable_url(value: object) -> str | None:
    if isinstance(value, str) and value.strip().startswith(("http://", "https://", "/")):
        return value.strip()
    return None


def find_video_url(body: Mapping[str, Any]) -> str | None:
    """A video URL from ``video_url``/``result_url``/``url``/``result.url``/``data.url``."""
    for key in _URL_FIELDS:
        if url := _usable_url(body.get(key)):
            return url
    for nest in ("result", "data"):
        inner = body.get(nest)
        if isinstance(inner, Mapping):
            for key in _URL_FIELDS:
                if url := _usable_url(inner.get(key)):
                    return url
    return None


def parse_task(
    body: Mapping[str, Any], *, remote_id: str | None = None, with_url: bool = False
) -> RemoteTask:
    """A :class:`RemoteTask` from a submit or poll answer, whatever its spelling."""
    task = _unwrap(body)
    found = task.get("task_id") or task.get("id") or remote_id
    if not found:
        raise ServerError(
            f"The API answered without a task id: {read_server_message(json.dumps(body)).text}"
        )
    status = read_status(task.get("status"))
    return RemoteTask(
        remote_id=str(found),
        status=status,
        progress=read_progress(task.get("progress"), status),
        error=read_error(task) if status == "failed" else None,
        video_url=find_video_url(task) if with_url else None,
        created_at=read_timestamp(task.get("created_at", task.get("created"))),
        completed_at=read_timestamp(task.get("completed_at")) if status == "completed" else None,
        raw=dict(body),
    )


# -- free text (chat completions) -------------------------------------------------------------


def extract_video_url(text: str) -> str | None:
    """The video URL in a chat answer: a markdown link/image, a ``<video src>`` or a bare URL.

    Among several, the first that looks like a video file (``.mp4``/``.webm``/``.mov`` or an
    ``/assets/`` path) wins; otherwise the first URL.
    """
    candidates: list[str] = []
    for match in _URL.finditer(text):
        url = html.unescape(match.group()).rstrip(".,;:!?*_~")
        if url not in candidates:
            candidates.append(url)
    for url in candidates:
        path = url.split("?", 1)[0].split("#", 1)[0].lower()
        if path.endswith(_VIDEO_SUFFIXES) or "/assets/" in path:
            return url
    return candidates[0] if candidates else None


def progress_in_text(text: str) -> int | None:
    """The last ``NN%`` in a progress text, if any."""
    matches = _PERCENT.findall(text)
    return max(0, min(100, int(float(matches[-1])))) if matches else None


def looks_like_failure(text: str) -> bool:
    lowered = text.lower()
    return looks_like_content_policy(text) or any(m in lowered for m in _FAILURE_MARKERS)


def submitted_task(response: httpx.Response, *, with_url: bool = False) -> RemoteTask:
    """The task a create request started. An answer we cannot read may still hide a paid task."""
    try:
        return parse_task(read_json(response, what="the submit"), with_url=with_url)
    except ServerError as exc:
        raise SubmitOutcomeUnknownError(
            Words(
                "The submit was accepted (HTTP {status}) but its answer could not be read "
                "({said}). A task may exist and be billed: do not submit again; check {tasks} or "
                "the APIYI console task log.",
                status=response.status_code,
                said=exc.words,
                tasks=call(LIST_TASKS),
            )
        ) from exc
