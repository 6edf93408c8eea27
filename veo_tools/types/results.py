"""The tool results: task, batch, plan, recommendation and model views, and progress events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

from veo_tools.availability import AvailabilityState
from veo_tools.types.vocabulary import RESULT_BYTES, SUMMARY_ITEMS, TaskStatus
from veo_tools.words import Audience, Words


@dataclass(frozen=True)
class ProgressEvent:
    """What a progress callback receives while the engine waits for a task (or a batch: then
    ``task_id`` is the batch id and ``progress`` the share of finished items)."""

    task_id: str
    status: str
    progress: int
    message: str


class TaskError(BaseModel):
    kind: str = Field(
        description="content_policy, invalid_request, upstream, timeout, network, ..."
    )
    message: str
    retryable: bool


class _Advised(BaseModel):
    """A result with a ``next_step``, kept as :class:`Words` too (not published): the tools
    send the agent form, the CLI shows the person form. (``next_step`` is declared by each
    subclass, where it keeps its place in the result.)"""

    _advice: Words | None = PrivateAttr(default=None)

    def advise(self, advice: Words) -> None:
        setattr(self, "next_step", advice.render("agent"))  # noqa: B010
        self._advice = advice

    def next_step_for(self, audience: Audience) -> str:
        said: str = getattr(self, "next_step")  # noqa: B009
        return said if self._advice is None else self._advice.render(audience)


class TaskView(_Advised):
    """The one result shape for every task-related tool."""

    task_id: str = Field(description="Use this id with check_status to follow the task.")
    channel: str
    model: str
    status: TaskStatus
    progress: int = Field(ge=0, le=100)
    price_usd: float
    billed: bool | None = Field(description="Paid? null until the task ends (see billing).")
    billing: str = "pending"
    video_path: str | None = None
    video_url: str | None = None
    error: TaskError | None = None
    next_step: str = Field(description="What to do now, in one sentence.")
    deduplicated: bool = False
    created_at: str
    elapsed_s: float
    eta_s: float | None = None
    prompt: str | None = None
    seed: int | None = Field(None, description="The seed sent, if any.")
    notes: list[str] = Field(
        default_factory=list,
        description="Remarks on the request, e.g. what a re-render could not carry over.",
    )
    batch_id: str | None = None


class TaskList(BaseModel):
    tasks: list[TaskView]
    spent_24h_usd: float = Field(description="Spend of possibly billed tasks in the last 24 h.")
    budget_usd: float | None = None
    tasks_omitted: int = Field(
        0, description="Older tasks left out to keep the result small: narrow with status/limit."
    )

    def summary(self, max_bytes: int = RESULT_BYTES) -> TaskList:
        """This list as a tool result an agent reads: the newest tasks whose JSON fits in
        ``max_bytes``; ``tasks_omitted`` counts the rest (each works with check_status, and the
        CLI's ``veo-tools tasks`` shows them all)."""
        kept = list(self.tasks)
        view = self
        while kept and len(view.model_dump_json().encode()) > max_bytes:
            kept.pop()
            view = self.model_copy(
                update={
                    "tasks": kept,
                    "tasks_omitted": self.tasks_omitted + len(self.tasks) - len(kept),
                }
            )
        return view


class BatchItemView(BaseModel):
    index: int
    task_id: str | None = None
    seed: int | None = None
    status: TaskStatus | None = None
    model: str | None = None
    price_usd: float | None = None
    video_path: str | None = None
    error: TaskError | None = None
    deduplicated: bool = False


class BatchView(_Advised):
    """A compact summary of a batch: counts, spend, failures, and one line per item."""

    batch_id: str = Field(description="Use with check_status to follow the batch.")
    status: Literal["running", "completed", "incomplete"]
    total: int
    counts: dict[str, int] = Field(description="Items per status.")
    estimated_cost_usd: float = Field(description="Price of every item that is not failed.")
    spent_usd: float = Field(description="Price of the completed items.")
    items: list[BatchItemView]
    failed: list[BatchItemView]
    next_step: str
    items_omitted: int = 0

    @property
    def finished_items(self) -> int:
        """Items that have ended (completed, failed or interrupted), from ``counts``."""
        unfinished = ("queued", "in_progress", "not_reserved")
        return self.total - sum(n for status, n in self.counts.items() if status in unfinished)

    def summary(self, max_items: int = SUMMARY_ITEMS) -> BatchView:
        """This view as a tool result an agent reads (<= 2 kB): at most ``max_items`` items and
        failed items; ``items_omitted`` says how many items are left out (each item's task_id
        works with check_status; the CLI's report file has them all)."""
        if len(self.items) <= max_items and len(self.failed) <= max_items:
            return self
        shown = self.items[:max_items]
        return self.model_copy(
            update={
                "items": shown,
                "failed": self.failed[:max_items],
                "items_omitted": self.items_omitted + len(self.items) - len(shown),
            }
        )


class BatchPlanItem(BaseModel):
    index: int
    channel: str
    model: str
    mode: Literal["async", "stream"]
    price_usd: float
    seed: int | None = None
    prompt: str


class BatchPlan(BaseModel):
    """What a batch would submit and cost (a dry run submits nothing)."""

    items: list[BatchPlanItem]
    total_usd: float
    by_channel: dict[str, float]


class AvailabilityNote(BaseModel):
    """Whether a model can be used now, in two fields (the full answer is ``veo://models``)."""

    state: AvailabilityState = Field(description="available, down, unlisted or unknown.")
    reason: str | None = Field(None, description="Why, whenever the state is not plain.")


class Alternative(BaseModel):
    channel: str
    model: str
    price_usd: float
    trade_off: str
    availability: AvailabilityNote | None = Field(
        None, description="Whether this model is up now (absent when not checked)."
    )


class Recommendation(BaseModel):
    channel: str
    model: str
    endpoint: str
    mode: Literal["async", "stream"]
    price_usd: float
    count: int
    estimated_cost_usd: float
    render_time_s: tuple[float, float]
    reasons: list[str]
    alternatives: list[Alternative]
    conflicts: list[str]
    generate_video_args: dict[str, object]
    availability: AvailabilityNote | None = Field(
        None, description="Whether the recommended model is up now (absent when not checked)."
    )
    best_fit: str | None = Field(
        None,
        description=(
            "The model the decision tree picked, when it is not the one recommended because it "
            "is not available; warnings say what the recommended model gives up."
        ),
    )
    warnings: list[str] = Field(
        default_factory=list,
        description=(
            "Read these first: a substitute's trade, or that nothing fitting is available now "
            "(a create would likely be refused) and how to check again."
        ),
    )


class ModelInfo(BaseModel):
    """One model: its catalog facts, what the public notices say, and whether it is up now."""

    id: str
    channel: str
    tier: str
    protocol: str = Field("openai_videos", description="The wire protocol (adapter).")
    access_group: str | None = Field(None, description="The APIYI token group it needs.")
    price_usd: float = Field(description="USD per video at the default length and resolution.")
    price: str = Field("", description="The price rule, e.g. '$0.084/s at 720p'.")
    lifecycle: Literal["active", "degraded", "unavailable", "retired"] = Field(
        description="What the public notices say (advice, not a lock)."
    )
    lifecycle_since: str | None = Field(None, description="Date of the notice (YYYY-MM-DD).")
    lifecycle_source: str | None = Field(None, description="URL of the notice.")
    replacement: str | None = Field(None, description="The model the notice points to, if any.")
    note: str | None = None
    availability: Literal["available", "down", "unlisted", "unknown"] = Field(
        description="available: usable now; down: retired, or refused recently; unlisted: not "
        "in GET /v1/models for this key; unknown: the live check failed (see reason)."
    )
    reason: str | None = Field(None, description="Why, whenever availability is not available.")
    since: str | None = Field(None, description="Since when it is down (ISO 8601), if known.")


class ModelsView(_Advised):
    """Every model with its availability now (``veo-tools models``, ``veo://models``)."""

    models: list[ModelInfo]
    available: list[str] = Field(description="Ids of the models usable now.")
    live_checked_at: str | None = Field(
        None, description="When GET /v1/models was read (ISO 8601); null if never."
    )
    live_error: str | None = Field(None, description="Why the live check failed, if it did.")
    catalog_error: str | None = Field(
        None,
        description="Why the user's catalog override file was ignored (file, model id, field).",
    )
    next_step: str
