"""Token groups: Seedance, Wan/HappyHorse and Grok answer only keys whose token is in the model's
group (``SandboxConfig.key_groups``; a key not listed there is in every group).

APIYI's pages: a Seedance token outside ``SeeDance2`` meets "no available channel for this model"
(``seedance2-basic-info``, the 2.5 group notice); Grok without ``GrokOfficial`` gets ``503`` on
every call, "a permission issue, not an outage" (``grok-imagine-video/overview``). The sandbox
answers both with new-api's 503 ``no available channels for model X under group G`` and, so an
agent knows what to do, names the group the token needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse

from veo_tools.sandbox.common import bare_key
from veo_tools.sandbox.replies import Reply, new_api_error
from veo_tools.sandbox.specs import AnyModel, SimModel
from veo_tools.sandbox.state import Sandbox


def key_hash(request: Request) -> str:
    """A stable, non-reversible tag of the request's key (tasks remember their owner by it)."""
    key = bare_key(request.headers.get("authorization", ""))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def groups_of(sandbox: Sandbox, request: Request) -> Sequence[str] | None:
    """The key's token groups; ``None`` = every group (the key is not listed)."""
    key = bare_key(request.headers.get("authorization", ""))
    for listed, groups in sandbox.config.key_groups.items():
        if bare_key(listed) == key:
            return tuple(groups)
    return None


def may_call(sandbox: Sandbox, request: Request, model: AnyModel) -> bool:
    if not isinstance(model, SimModel):
        return True  # Veo: routed for every token
    groups = groups_of(sandbox, request)
    return groups is None or model.access_group in groups


def group_refusal(sandbox: Sandbox, request: Request, model: AnyModel) -> JSONResponse:
    groups = groups_of(sandbox, request) or ("default",)
    required = model.access_group if isinstance(model, SimModel) else "default"
    return new_api_error(
        503,
        f"no available channels for model {model.id} under group {groups[0]}: this model is "
        f"served only to tokens in the {required} group",
        "model_not_found",
    )


def check_group(sandbox: Sandbox, request: Request, model: AnyModel) -> None:
    """Raise the 503 a token outside the model's group gets."""
    if not may_call(sandbox, request, model):
        raise Reply(group_refusal(sandbox, request, model))
