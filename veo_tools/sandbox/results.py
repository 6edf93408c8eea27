"""Signed result URLs (Seedance ``content.video_url``, DashScope ``result_url``): on another
origin, fetched without the key, valid for ``result_url_ttl_s`` (APIYI: 24 h) after the task
finished, then ``403`` like an expired TOS/OSS signature.

The signature is a hash of the task id and the expiry, so a URL outlives the process with its
task (persistence) and a tampered expiry is refused.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from veo_tools.sandbox.assets import still_png
from veo_tools.sandbox.common import guard, sandbox_of
from veo_tools.sandbox.specs import SimModel
from veo_tools.sandbox.state import Sandbox, SimTask
from veo_tools.sandbox.video import video_response

_EXPIRED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Request has expired</Message></Error>"
)
_BAD_SIGNATURE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
    "<Message>The request signature we calculated does not match the signature you provided"
    "</Message></Error>"
)


def _signature(task_id: str, expires: int) -> str:
    return hashlib.sha256(f"veo-tools-sandbox:{task_id}:{expires}".encode()).hexdigest()[:32]


def expires_at(sandbox: Sandbox, task: SimTask) -> int:
    """Unix second at which the task's result URL stops working."""
    return sandbox.unix(task.finish + sandbox.scaled(sandbox.config.result_url_ttl_s))


def result_url(sandbox: Sandbox, request: Request, task: SimTask, suffix: str = ".mp4") -> str:
    """The signed URL of a finished task's video (or, with ``.png``, its last frame), on
    ``video_origin`` when one is set."""
    where = request.url_for("sandbox_result", name=f"{task.id}{suffix}")
    url = str(where)
    origin = sandbox.config.video_origin
    if origin:
        url = origin.rstrip("/") + where.path
    expires = expires_at(sandbox, task)
    return f"{url}?X-Expires={expires}&X-Signature={_signature(task.id, expires)}"


async def get_result(request: Request) -> Response:
    """``GET /sandbox/results/{id}.mp4?X-Expires=…&X-Signature=…``: no key needed."""
    sandbox = sandbox_of(request)
    name: str = request.path_params["name"]
    task_id, _, suffix = name.rpartition(".")
    task = sandbox.find(task_id) if suffix in ("mp4", "png") else None
    channel = task.channel if task is not None else "seedance"
    await guard(sandbox, "asset", channel)
    truncate = sandbox.take_fault("asset", channel, {"truncate"}) is not None
    if task is None or not isinstance(task.model, SimModel) or task.model.channel == "grok":
        return Response("Not Found", status_code=404, media_type="text/plain")
    try:
        expires = int(request.query_params.get("X-Expires", ""))
    except ValueError:
        expires = -1
    if request.query_params.get("X-Signature") != _signature(task.id, expires):
        return Response(_BAD_SIGNATURE, status_code=403, media_type="application/xml")
    if sandbox.unix() >= expires:
        return Response(_EXPIRED, status_code=403, media_type="application/xml")
    if sandbox.phase(task) != "completed":
        return Response("Not Found", status_code=404, media_type="text/plain")
    if suffix == "png":
        return Response(still_png(), media_type="image/png")
    return video_response(sandbox.video, truncate=truncate or sandbox.take_truncation(task))
