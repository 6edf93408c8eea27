"""Who owns a journal row, and whether that owner still lives.

A PID alone is not enough: in a container the CLI or the MCP server often runs as PID 1 in
every incarnation, and PIDs are reused. So a row records its owner as (pid, boot id, process
start time, host name) and an owner counts as gone when:

- its boot id differs from ours: the kernel that ran it has stopped (an SQLite journal lives on
  one machine: WAL needs shared memory, so no other machine can be writing it);
- it ran on this kernel under our host name and its PID is gone, or is now held by a process
  started at another moment (a reused PID, a restarted container's PID 1);
- it ran on this kernel under another host name (another container sharing the state
  directory, whose processes we cannot see) and its row has been silent for longer than any
  live owner leaves it (:data:`UNPROBED_SILENCE_S`).

Rows written before owners were recorded (pid only) keep the old rule: the PID is probed.
Off Linux (no ``/proc``) boot id and start time are unknown and the PID is probed.

A journal shared by several machines (PostgreSQL, ``shared=True``) drops the first rule: there
another boot id is most likely another machine (host names need not be unique across a fleet),
so a row from another kernel is judged like one from another host, by its silence. Wrongly
declaring a live owner gone would settle a task it is still driving; waiting is the safe side.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["UNPROBED_SILENCE_S", "Owner", "owner_alive", "owner_on_this_machine", "pid_alive"]

#: A row owned from another container stays "alive" until it has been silent this long. Every
#: live owner writes far more often: a stream on each event, a create within its time-outs.
UNPROBED_SILENCE_S = 3600.0

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True)
class Owner:
    """A process as recorded on the rows it owns."""

    pid: int | None
    boot: str | None = None
    start: int | None = None
    host: str | None = None

    @classmethod
    def current(cls) -> Owner:
        """This process (cached per PID: a forked child is another owner)."""
        return _current(os.getpid())


@functools.cache
def _current(pid: int) -> Owner:
    return Owner(pid, boot_id(), process_start(pid), socket.gethostname())


@functools.cache
def boot_id() -> str | None:
    """This kernel's boot id (Linux), or None."""
    try:
        return _BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def process_start(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (Linux ``/proc/<pid>/stat``), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])  # field 22, starttime
    except (IndexError, ValueError):
        return None


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this PID exists (on this machine's view of PIDs)."""
    if pid is None or pid <= 0:
        return False
    if pid == os.getpid() or sys.platform == "win32":
        # On Windows os.kill(pid, 0) would send CTRL_C_EVENT, so never probe: assume alive.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def owner_alive(
    owner: Owner, *, silent_for: float = 0.0, me: Owner | None = None, shared: bool = False
) -> bool:
    """Whether the process that wrote a row may still be working on it (see the module doc).

    ``silent_for``: seconds since the row was last written. ``me``: this process (for tests).
    ``shared``: the journal is shared by several machines (another boot id is not a reboot).
    """
    if owner.pid is None or owner.pid <= 0:
        return False
    if owner.boot is None and owner.start is None and owner.host is None:
        return pid_alive(owner.pid)  # a row from before owners were recorded
    me = me or Owner.current()
    other_kernel = bool(owner.boot and me.boot and owner.boot != me.boot)
    if other_kernel and not shared:
        return False
    if other_kernel or (owner.host and me.host and owner.host != me.host):
        return silent_for < UNPROBED_SILENCE_S
    if owner.pid == me.pid:
        return owner.start is None or me.start is None or owner.start == me.start
    if not pid_alive(owner.pid):
        return False
    started = process_start(owner.pid)
    return owner.start is None or started is None or started == owner.start


def owner_on_this_machine(owner: Owner, me: Owner | None = None) -> bool:
    """Whether ``owner`` is a live process this one can see (same kernel and host name).

    A shared batch worker's lease is its heartbeat across hosts; this probe only keeps an
    expired lease from being taken over while its owner, visibly, still runs here.
    """
    me = me or Owner.current()
    if not (owner.boot and owner.host and owner.boot == me.boot and owner.host == me.host):
        return False
    return owner_alive(owner, me=me)
