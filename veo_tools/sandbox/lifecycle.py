"""Models and channels that go away: the lifecycle states the sandbox can put any of them in.

What each state does follows APIYI's notices and observed answers (``apiyi-video-models.md``,
``apiyi-veo-api.md`` §1.4 and §7), not this package's client:

* ``retired_at_create``: the gateway has switched the channel off. ``POST /v1/videos`` and chat
  answer 503 ``no available channels for model X under group default`` with code
  ``model_not_found`` (new-api's shape), and ``GET /v1/models`` no longer lists the model.
* ``retired_at_poll``: the gateway still routes the model (and still lists it), but Google has
  shut it: the task is accepted, then fails with ``fail_to_fetch_task`` and the upstream 404
  ``models/X is no longer available`` (docs.apiyi.com/en/live/2026-10/veo-3-1-preview-retired.md).
* ``outage``: the channel is down: creates answer 503 ``no available channels …`` (no code, as
  observed) and the model is not listed.
* ``outage_at_poll``: the task is accepted (the model is listed), then fails with
  ``fail_to_fetch_task`` and the upstream's ``500 INTERNAL``.

A state is set per model id or per channel (``official`` / ``reverse``); a model's own state wins
over its channel's. It is decided when a task is created: tasks made before a change keep going.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal, get_args

from starlette.responses import JSONResponse

from veo_tools.catalog import MODELS
from veo_tools.errors import ConfigurationError
from veo_tools.sandbox.replies import new_api_error
from veo_tools.sandbox.specs import SIM_CHANNELS, SPECS, AnyModel

LifecycleState = Literal[
    "active", "retired_at_create", "retired_at_poll", "outage", "outage_at_poll"
]
LIFECYCLE_STATES: tuple[str, ...] = get_args(LifecycleState)
#: States in which a create is refused and ``GET /v1/models`` leaves the model out.
REFUSED_AT_CREATE = frozenset({"retired_at_create", "outage"})
#: States in which a task is accepted and then fails, and the outcome it gets.
FAILS_AT_POLL = {"retired_at_poll": "retired", "outage_at_poll": "outage"}
TARGETS = ("official", "reverse", *SIM_CHANNELS)


def check_lifecycle(states: Mapping[str, str]) -> dict[str, str]:
    """A validated copy of a ``{model id or channel: state}`` map.

    ``active`` entries are kept: on a model they override a state set on its channel."""
    checked: dict[str, str] = {}
    for target, state in states.items():
        if target not in MODELS and target not in SPECS and target not in TARGETS:
            raise ConfigurationError(
                f"Lifecycle target {target!r} is neither a model id of the catalog nor a channel "
                f"({', '.join(TARGETS)})."
            )
        if state not in LIFECYCLE_STATES:
            raise ConfigurationError(
                f"Lifecycle state {state!r} for {target!r}; use one of "
                f"{', '.join(LIFECYCLE_STATES)}."
            )
        checked[target] = state
    return checked


def state_of(states: Mapping[str, str], model: AnyModel) -> str:
    """The model's own state, else its channel's, else ``active``."""
    return states.get(model.id) or states.get(model.channel) or "active"


def refusal(state: str, model: AnyModel) -> JSONResponse | None:
    """The answer a create gets in ``state``, or ``None`` when the create goes ahead."""
    message = f"no available channels for model {model.id} under group default"
    if state == "retired_at_create":
        return new_api_error(503, message, "model_not_found")
    if state == "outage":
        return new_api_error(503, message)
    return None


def lifecycle_failure(outcome: str, model: AnyModel) -> str:
    """The failure reason of a task whose model went away after it was accepted."""
    if outcome == "retired":
        upstream = {
            "code": 404,
            "message": f"models/{model.id} is no longer available to new users. Please use a "
            "newer model.",
            "status": "NOT_FOUND",
        }
        return f"fail_to_fetch_task: upstream status 404: {json.dumps({'error': upstream})}"
    upstream = {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}
    return f"fail_to_fetch_task: upstream status 500: {json.dumps({'error': upstream})}"


def listed_models(states: Mapping[str, str]) -> list[AnyModel]:
    """The models ``GET /v1/models`` lists: every catalog model, then every model of the
    sandbox's own table (Seedance, Wan, HappyHorse, Grok), not refused at create."""
    models: dict[str, AnyModel] = {**MODELS, **SPECS}
    return [m for m in models.values() if state_of(states, m) not in REFUSED_AT_CREATE]
