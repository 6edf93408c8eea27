"""Is this file a whole MP4? A walk over its top-level boxes (ISO/IEC 14496-12 §4.2).

Each box starts with a 32-bit big-endian size and a four-character type; size 1 means a 64-bit
``largesize`` follows, size 0 means the box runs to the end of the file. A complete file is tiled
exactly by its boxes, includes ``ftyp`` (first) and ``moov``; ``mdat`` may come before or after
``moov``. A file that ends inside a box was cut short (worth fetching again); any other break is
garbage (fetching the same bytes again will not help).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_REQUIRED = (b"ftyp", b"moov")


@dataclass(frozen=True)
class Mp4Problem:
    """Why a file is not a whole MP4; ``truncated`` when it merely ends too early."""

    reason: str
    truncated: bool


def _printable(kind: bytes) -> bool:
    # Top-level types are ASCII letters, digits and spaces (ftyp, moov, mdat, free, uuid, ...).
    return all(0x20 <= byte <= 0x7E for byte in kind)


def _box_size(handle: BinaryIO, offset: int, size: int, length: int) -> tuple[int, int] | None:
    """``(box size, header size)`` of the box at ``offset``; ``None`` if its header is cut."""
    if size == 1:
        large = handle.read(8)
        if len(large) < 8:
            return None
        return struct.unpack(">Q", large)[0], 16
    if size == 0:
        return length - offset, 8
    return size, 8


def check_mp4(path: Path) -> Mp4Problem | None:
    """``None`` when ``path`` is tiled exactly by top-level boxes including ftyp and moov."""
    length = path.stat().st_size
    if length == 0:
        return Mp4Problem("the file is empty", truncated=True)
    seen: list[bytes] = []
    offset = 0
    with path.open("rb") as handle:
        while offset < length:
            handle.seek(offset)
            header = handle.read(8)
            if len(header) < 8:
                return Mp4Problem(f"it ends inside a box header at byte {offset}", truncated=True)
            size, kind = struct.unpack(">I", header[:4])[0], header[4:8]
            if not _printable(kind) or (not seen and kind != b"ftyp"):
                return Mp4Problem(f"no MP4 box at byte {offset} ({kind!r})", truncated=False)
            measured = _box_size(handle, offset, size, length)
            if measured is None:
                return Mp4Problem(f"it ends inside the {_name(kind)} box header", truncated=True)
            box, head = measured
            if box < head:
                return Mp4Problem(f"the {_name(kind)} box has a bad size {box}", truncated=False)
            if offset + box > length:
                return Mp4Problem(
                    f"it ends inside the {_name(kind)} box ({length - offset} of {box} bytes)",
                    truncated=True,
                )
            seen.append(kind)
            offset += box
    return _missing(seen)


def _missing(seen: list[bytes]) -> Mp4Problem | None:
    for kind in _REQUIRED:
        if kind not in seen:
            # No moov after a complete mdat: the writer (or the connection) stopped early.
            return Mp4Problem(f"it has no {_name(kind)} box", truncated=kind == b"moov")
    return None


def _name(kind: bytes) -> str:
    return "'" + kind.decode("ascii", "replace") + "'"


def is_whole_mp4(path: Path) -> bool:
    """True for a readable file that passes :func:`check_mp4`."""
    try:
        return path.is_file() and check_mp4(path) is None
    except OSError:
        return False
