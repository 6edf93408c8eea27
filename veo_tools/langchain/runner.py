"""``ServiceRunner``: one :class:`VeoService` driven on a private event-loop thread.

``VeoService`` holds an ``httpx.AsyncClient`` (bound to the loop it first runs on) and, for
streamed generations, background tasks that outlive the tool call that started them. LangChain
calls a tool's ``_run`` from any thread and its ``_arun`` from any event loop, so the runner gives
the service a loop of its own and hands every call to it: ``call`` blocks the calling thread,
``acall`` awaits without blocking the caller's loop. Progress events come back to the caller's
thread (or loop), where LangChain's callback and LangGraph's stream-writer context lives.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import queue
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from veo_tools.errors import ConfigurationError
from veo_tools.service import ProgressCallback, VeoService
from veo_tools.settings import Settings
from veo_tools.types import ProgressEvent

log = logging.getLogger(__name__)

T = TypeVar("T")
#: What the runner executes: build a coroutine from the service and a progress callback.
Job = Callable[[VeoService, ProgressCallback | None], Coroutine[Any, Any, T]]

SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(Settings))
_DONE = object()
_CLOSED_MESSAGE = "This VeoToolkit has been closed; create a new one to keep using the tools."


def settings_from(overrides: dict[str, Any]) -> Settings:
    """``Settings.from_env(**overrides)``, refusing names that are not settings."""
    unknown = sorted(set(overrides) - SETTING_NAMES)
    if unknown:
        valid = ", ".join(sorted(SETTING_NAMES))
        raise TypeError(f"Unknown setting(s) {', '.join(unknown)}; valid ones: {valid}.")
    return Settings.from_env(**overrides)


class ServiceRunner:
    """Owns one ``VeoService`` and the daemon thread whose event loop runs it.

    Pass a fresh service (never used on another loop) or settings overrides; the service is
    created on first use. ``close()`` / ``aclose()`` close the service and stop the thread; an
    unreferenced runner stops its thread when garbage-collected or at interpreter exit.
    """

    def __init__(self, service: VeoService | None = None, **overrides: Any) -> None:
        if service is not None and overrides:
            raise TypeError("Pass either a VeoService or settings overrides, not both.")
        self.settings = service.settings if service is not None else settings_from(overrides)
        self.settings.require_key()  # fail at construction, not at the agent's first call
        self._given = service
        self._lock = threading.Lock()
        self._engine: _EngineThread | None = None
        self._stop: weakref.finalize[[], ServiceRunner] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"ServiceRunner({self.settings!r})"

    @property
    def service(self) -> VeoService:
        """The shared service (created, with its loop thread, on first access)."""
        return self._start().service

    @property
    def running(self) -> bool:
        """Whether the engine thread is alive (it starts on first use, stops on close)."""
        engine = self._engine
        return engine is not None and engine.thread.is_alive()

    def call(self, job: Job[T], on_progress: Callable[[ProgressEvent], None] | None = None) -> T:
        """Run ``job`` on the service's loop and wait; ``on_progress`` runs in this thread."""
        engine = self._start()
        if threading.current_thread() is engine.thread:
            raise RuntimeError("A sync tool call cannot block the runner's own event loop.")
        events: queue.SimpleQueue[object] = queue.SimpleQueue()
        relay = _Relay(events.put) if on_progress else None
        future = engine.submit(job(engine.service, relay))
        future.add_done_callback(lambda _: events.put(_DONE))
        try:
            while (item := events.get()) is not _DONE:
                if on_progress is not None and isinstance(item, ProgressEvent):
                    on_progress(item)
            return self._result(future)
        except BaseException:
            future.cancel()
            raise
        finally:
            if relay:
                relay.close()

    async def acall(
        self, job: Job[T], on_progress: Callable[[ProgressEvent], Awaitable[None]] | None = None
    ) -> T:
        """Await ``job`` on the service's loop; ``on_progress`` is awaited in the caller's task."""
        engine = self._start()
        caller = asyncio.get_running_loop()
        events: asyncio.Queue[object] = asyncio.Queue()

        def forward(event: ProgressEvent) -> None:
            caller.call_soon_threadsafe(events.put_nowait, event)

        relay = _Relay(forward) if on_progress else None
        future = asyncio.wrap_future(engine.submit(job(engine.service, relay)))
        future.add_done_callback(lambda _: events.put_nowait(_DONE))
        try:
            while (item := await events.get()) is not _DONE:
                if on_progress is not None and isinstance(item, ProgressEvent):
                    await on_progress(item)
            return self._result(future)
        except BaseException:
            future.cancel()
            raise
        finally:
            if relay:
                relay.close()

    def close(self) -> None:
        """Close the service and stop the loop thread (idempotent)."""
        with self._lock:
            self._closed = True
            stop, self._stop = self._stop, None
        if stop is not None:
            stop()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def _start(self) -> _EngineThread:
        with self._lock:
            if self._closed:
                raise ConfigurationError(_CLOSED_MESSAGE)
            if self._engine is None:
                service = self._given or VeoService(self.settings)
                self._engine = _EngineThread(service)
                self._stop = weakref.finalize(self, self._engine.shutdown)
            return self._engine

    def _result(self, future: concurrent.futures.Future[T] | asyncio.Future[T]) -> T:
        try:
            return future.result()
        except (concurrent.futures.CancelledError, asyncio.CancelledError):
            if self._closed:
                raise ConfigurationError(_CLOSED_MESSAGE) from None
            raise


class _Relay:
    """The engine's progress callback: forwards events until the tool call has returned.

    A streamed generation keeps calling back after ``generate`` returns; those late events
    have nobody to go to and are dropped.
    """

    def __init__(self, sink: Callable[[ProgressEvent], None]) -> None:
        self._sink: Callable[[ProgressEvent], None] | None = sink

    def __call__(self, event: ProgressEvent) -> None:
        sink = self._sink
        if sink is None:
            return
        try:
            sink(event)
        except RuntimeError:  # the caller's event loop has closed meanwhile
            self._sink = None

    def close(self) -> None:
        self._sink = None


class _EngineThread:
    """A daemon thread whose event loop runs until ``shutdown``, then closes the service."""

    def __init__(self, service: VeoService) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()
        self.thread = threading.Thread(target=self._serve, name="veo-tools-engine", daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:
            coro.close()
            raise ConfigurationError(_CLOSED_MESSAGE) from None

    def shutdown(self, timeout: float = 10.0) -> None:
        try:
            self.loop.call_soon_threadsafe(self._stopping.set)
        except RuntimeError:
            return  # already closed
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._lifetime())
        finally:
            leftovers = asyncio.all_tasks(self.loop)
            for task in leftovers:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _lifetime(self) -> None:
        try:
            await self.service.open()  # the journal's pool belongs to this loop
        except Exception:  # reported again, to the agent, by the first call that needs it
            log.exception("Opening the Veo service's journal failed")
        await self._stopping.wait()
        calls = asyncio.all_tasks() - {asyncio.current_task()}
        for task in calls:
            task.cancel()  # tool calls still running, and any streamed generations
        await asyncio.gather(*calls, return_exceptions=True)
        try:
            await self.service.aclose()
        except Exception:  # a failed close must not kill the thread before the loop closes
            log.exception("Closing the Veo service failed")
