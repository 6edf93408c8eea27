"""What every ``/v1`` endpoint does first: find the state, check the key, read the body, route
the model, and apply HTTP faults."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from veo_tools.catalog import MAX_IMAGE_BYTES, MODELS, Model
from veo_tools.sandbox.config import HTTP_KINDS, OUTCOME_KINDS
from veo_tools.sandbox.faults import http_fault
from veo_tools.sandbox.lifecycle import refusal
from veo_tools.sandbox.replies import Reply, invalid_token, no_channel, openai_error
from veo_tools.sandbox.specs import AnyModel
from veo_tools.sandbox.state import Outcome, Sandbox
from veo_tools.sandbox.uploads import FilePart

#: Base64 text of a 10 MB image is ~13.4 MB; leave room so the 413 comes from our check.
_MAX_FORM_PART = 2 * MAX_IMAGE_BYTES
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def bare_key(value: str) -> str:
    """The key without ``Bearer `` and ``sk-``, as new-api's TokenAuth strips them."""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value.removeprefix("sk-")


def authenticate(request: Request, sandbox: Sandbox) -> None:
    key = bare_key(request.headers.get("authorization", ""))
    allowed = sandbox.config.api_keys
    if not key or (allowed is not None and key not in {bare_key(k) for k in allowed}):
        raise Reply(invalid_token())


def route_model(model_id: object) -> Model:
    """The catalog entry of a requested model; anything else has no channel (503)."""
    model = MODELS.get(model_id) if isinstance(model_id, str) else None
    if model is None:
        raise Reply(no_channel(str(model_id or "")))
    return model


async def guard(
    sandbox: Sandbox,
    operation: str,
    channel: str,
    model: AnyModel | None = None,
    prompt: str | None = None,
    *,
    stall_now: bool = True,
) -> bool:
    """Count the request, refuse a model that went away (lifecycle), and apply an HTTP fault.

    Error kinds raise :class:`Reply`. A ``hang`` stalls here when ``stall_now``; otherwise it is
    returned as ``True`` so the caller can stall after doing its work (a create that hangs has
    still created, and will still bill, its task).
    """
    sandbox.requests[operation] += 1
    if model is not None and (refused := refusal(sandbox.lifecycle_state(model), model)):
        raise Reply(refused)
    kind = sandbox.take_fault(operation, channel, HTTP_KINDS, prompt)
    if kind is None:
        return False
    if kind != "hang":
        raise Reply(http_fault(kind, sandbox.config, model))
    if stall_now:
        await asyncio.sleep(sandbox.config.hang_s)
    return True


def outcome_for(sandbox: Sandbox, operation: str, channel: str, prompt: str) -> Outcome:
    """How a task about to be created will end: ``completed`` unless a fault says otherwise."""
    kind = sandbox.take_fault(operation, channel, OUTCOME_KINDS, prompt)
    if kind == "content_policy":
        return "content_policy"
    if kind == "expire":
        return "expired"
    return "fail" if kind == "fail" else "completed"


def channel_of_id(task_id: str) -> str:
    """Which channel minted an id (``task_…`` Official, ``video_…`` Reverse)."""
    return "reverse" if task_id.startswith("video_") else "official"


def asset_url(request: Request, task_id: str) -> str:
    """Where the sandbox itself serves a Reverse video (no key needed, like a CDN URL)."""
    return str(request.url_for("sandbox_asset", name=f"{task_id}.mp4"))


@dataclass
class SubmitBody:
    """A ``POST /v1/videos`` body, JSON or form, with its ``input_reference`` values apart."""

    fields: dict[str, Any]
    multipart: bool
    references: list[FilePart | str] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if isinstance(value, str) else None


async def read_submit(request: Request) -> SubmitBody:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FORM_TYPES:
        return await _read_form(request)
    return SubmitBody(fields=await read_json_object(request), multipart=False)


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Reply(
            openai_error(
                400,
                "parse_request_failed: invalid character looking for beginning of value",
                code="parse_request_failed",
            )
        ) from None
    if not isinstance(data, dict):
        raise Reply(
            openai_error(
                400,
                "parse_request_failed: cannot unmarshal into Go value of type TaskSubmitReq",
                code="parse_request_failed",
            )
        )
    return data


async def _read_form(request: Request) -> SubmitBody:
    fields: dict[str, Any] = {}
    references: list[FilePart | str] = []
    async with request.form(max_part_size=_MAX_FORM_PART) as form:
        for name, value in form.multi_items():
            if name == "input_reference":
                references.append(await _part(value))
            elif isinstance(value, str):
                fields.setdefault(name, value)
    return SubmitBody(fields=fields, multipart=True, references=references)


async def _part(value: UploadFile | str) -> FilePart | str:
    if isinstance(value, str):
        return value
    return FilePart(await value.read(), value.content_type, value.filename)
