"""Failover: a create refused as unavailable goes to the next model that serves the request.

Only a request that pins neither ``model`` nor ``channel`` fails over; a pinned one gets the
``model_unavailable`` error, with the models that could serve it instead. The candidates are the
channel/tier variants that serve the request exactly as asked (every explicit argument: seconds,
resolution, aspect ratio, images, mode, seed...), in the recommender's fallback order
(:mod:`veo_tools.fallbacks`), best fit first. Models the availability map knows to be down or
unlisted are not sent at all.

Each candidate is tried once, and each gets its own journal row, reserved (with the duplicate and
budget checks) before its create leaves, exactly as a first attempt. A refusal is an answer: no
task exists upstream and nothing is paid, so the refused row is ``failed`` (kind
``model_unavailable``), which keeps it out of the budget and out of duplicate matching. A
candidate over the budget is skipped. Anything else ends the walk: above all an unknown outcome
(:class:`SubmitOutcomeUnknownError`), which may be a paid task and is never followed by a second
create. A streamed request is routed by the availability map before it leaves, but a refusal that
arrives inside its stream is recorded on the task, not failed over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from veo_tools import fallbacks
from veo_tools.availability import ModelAvailability
from veo_tools.catalog import Model, get_model
from veo_tools.engine import submission
from veo_tools.engine.planning import plan_request
from veo_tools.engine.state import Engine
from veo_tools.errors import (
    BudgetExceededError,
    InvalidRequestError,
    ModelUnavailableError,
    VeoError,
)
from veo_tools.journal.store import TaskRecord
from veo_tools.types import GenerateVideoInput
from veo_tools.words import GENERATE_VIDEO, RECOMMEND_CHANNEL, Term, Words

Availability = Mapping[str, ModelAvailability]


@dataclass
class Sent:
    """The task that now serves the request, and what the engine did to get there."""

    rec: TaskRecord
    duplicate: bool
    notes: list[str] = field(default_factory=list)


def pinned(inp: GenerateVideoInput) -> bool:
    """A request that names its model or channel is sent there and nowhere else."""
    return inp.model is not None or inp.channel != "auto"


async def create(
    eng: Engine, inp: GenerateVideoInput, *, dedupe_window: float, within: float | None = None
) -> Sent:
    """Reserve and send ``inp``, failing over when it may; raise when nothing could take it."""
    plan, request, params = submission.prepare(eng, inp)
    if not pinned(inp):
        route = _Route(eng, inp, plan.model, await current(eng), dedupe_window, within=within)
        return await route.run()
    rec, duplicate = await submission.reserve(
        eng, inp, plan, params, status="submitting", dedupe_window=dedupe_window
    )
    if duplicate:
        return Sent(rec, True)
    try:
        return Sent(await submission.start(eng, rec, request, within=within), False)
    except ModelUnavailableError as exc:
        raise await pinned_refusal(eng, inp, plan.model, exc) from exc


async def start_item(
    eng: Engine,
    inp: GenerateVideoInput,
    rec: TaskRecord,
    *,
    batch: tuple[str, int],
    dedupe_window: float,
) -> TaskRecord:
    """Send a claimed batch item; an unpinned item refused as unavailable fails over."""
    _plan, request, _params = submission.prepare(eng, inp)
    try:
        return await submission.start(eng, rec, request)
    except ModelUnavailableError as exc:
        if pinned(inp):
            raise
        route = _Route(eng, inp, get_model(rec.model), await current(eng), dedupe_window, batch)
        route.refused(rec, exc)
        return (await route.run()).rec


async def current(eng: Engine) -> Availability | None:
    """The availability map, or ``None`` when there is no provider or it failed (not checked)."""
    if eng.availability_provider is None:
        return None
    try:
        return await eng.availability_provider()
    except VeoError:
        return None


def candidates(inp: GenerateVideoInput, best: Model) -> list[Model]:
    """``best``, then every other variant that serves ``inp`` as asked, in fallback order."""
    shape = fallbacks.variants(inp.aspect_ratio or "16:9", len(inp.images) > 0)
    return fallbacks.rank(best, [m for m in shape if serves(inp, m)], lambda _m: ())


def serves(inp: GenerateVideoInput, model: Model) -> bool:
    try:
        plan_request(inp.model_copy(update={"model": model.id}))
    except InvalidRequestError:
        return False
    return True


async def pinned_refusal(
    eng: Engine, inp: GenerateVideoInput, model: Model, exc: ModelUnavailableError
) -> ModelUnavailableError:
    """The refusal of a pinned request, with the models that could serve it instead."""
    availability = await current(eng)
    free = inp.model_copy(update={"model": None, "channel": "auto"})
    try:
        best = plan_request(free).model
    except InvalidRequestError:
        best = model
    others = [
        m.id
        for m in candidates(free, best)
        if m.id != model.id and fallbacks.usable(availability, m.id)
    ]
    what = f"model={inp.model!r}" if inp.model else f"channel={inp.channel!r}"
    hint = (
        f" These serve the same request and are not known to be down: {', '.join(others)}. "
        "Name one with `model`, or drop `model` and `channel` so the engine routes around "
        "the outage."
        if others
        else " No other model serves this request as asked."
    )
    return ModelUnavailableError(
        f"{exc.message} Not failed over, because the request pins {what}.{hint}",
        status_code=exc.status_code,
    )


_SERVER_SAID = re.compile(r"(HTTP \d{3}: .*?)(?: \(request id|\)\. |\)$|$)")


def _first_sentence(text: str, limit: int = 200) -> str:
    """What the server said (``HTTP 503: no available channels …``), else the first sentence."""
    said = _SERVER_SAID.search(text)
    head = said.group(1) if said else text.split(". ", 1)[0].rstrip(".")
    return head if len(head) <= limit else head[: limit - 1] + "…"


class _Route:
    """One walk down the candidates of one unpinned request."""

    def __init__(
        self,
        eng: Engine,
        inp: GenerateVideoInput,
        best: Model,
        availability: Availability | None,
        dedupe_window: float,
        batch: tuple[str, int] | None = None,
        within: float | None = None,
    ) -> None:
        self._eng, self._inp, self._best = eng, inp, best
        #: Bound on each create (see ``submission.submit``).
        self._within = within
        self._availability = availability
        self._dedupe_window = dedupe_window
        self._batch = batch
        #: What happened to each candidate that did not take the request, in order.
        self._tried: list[str] = []
        self._done: set[str] = set()
        self._last_refused: TaskRecord | None = None

    def refused(self, rec: TaskRecord, exc: ModelUnavailableError) -> None:
        self._done.add(rec.model)
        self._last_refused = rec
        self._tried.append(
            f"{rec.model} was refused as unavailable ({_first_sentence(exc.message)})"
        )

    async def run(self) -> Sent:
        for model in candidates(self._inp, self._best):
            if model.id in self._done:
                continue
            self._done.add(model.id)
            if not fallbacks.usable(self._availability, model.id):
                why = fallbacks.describe(self._availability, model.id)
                self._tried.append(f"{why}: not sent")
                continue
            sent = await self._attempt(model)
            if sent is not None:
                return sent
        raise self._exhausted()

    async def _attempt(self, model: Model) -> Sent | None:
        eng = self._eng
        inp = (
            self._inp
            if model.id == self._best.id
            else self._inp.model_copy(update={"model": model.id})
        )
        plan, request, params = submission.prepare(eng, inp)
        await self._release_key()
        try:
            rec, duplicate = await submission.reserve(
                eng,
                inp,
                plan,
                params,
                status="submitting",
                dedupe_window=self._dedupe_window,
                batch=self._batch,
            )
        except BudgetExceededError as exc:
            if not self._tried:
                raise  # the request itself is over the budget: nothing to fail over from
            self._tried.append(f"{model.id} was skipped: {_first_sentence(exc.message)}")
            return None
        if duplicate:
            return Sent(rec, True, self._notes(model))
        try:
            rec = await submission.start(eng, rec, request, within=self._within)
        except ModelUnavailableError as exc:
            self.refused(rec, exc)
            return None
        return Sent(rec, False, self._notes(model))

    async def _release_key(self) -> None:
        """A refused row gives its idempotency key to the next candidate: it made no task."""
        refused, self._last_refused = self._last_refused, None
        if refused is not None and refused.idempotency_key is not None:
            await self._eng.journal.update(refused.task_id, idempotency_key=None)

    def _notes(self, model: Model) -> list[str]:
        if not self._tried:
            return []
        trade = fallbacks.trade(self._best, model, features=False)
        return [
            *(f"{line}." for line in self._tried),
            f"Sent to {model.id} instead; trade: {trade}. Refused creates made no task and are "
            "not billed.",
        ]

    def _exhausted(self) -> ModelUnavailableError:
        tried = "; ".join(self._tried) or f"{self._best.id} was not tried"
        return ModelUnavailableError(
            Words(
                "No model that serves this request as asked is available now: {tried}. Nothing "
                "was billed. Check availability later ({check}) and {again}, or relax the "
                "request (seconds, resolution, mode) so other models can take it.",
                tried=tried,
                check=Term(
                    "`veo-tools models --refresh`, the veo://models resource or "
                    f"{RECOMMEND_CHANNEL}",
                    "veo-tools models --refresh",
                ),
                again=Term(f"call {GENERATE_VIDEO} again", "try again"),
            )
        )
