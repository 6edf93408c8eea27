"""Small MP4 files built box by box, for tests of the download checks."""

from __future__ import annotations

import struct


def box(kind: bytes, payload: bytes = b"") -> bytes:
    """One top-level box with a 32-bit size."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def large_box(kind: bytes, payload: bytes) -> bytes:
    """One box whose size is given in the 64-bit ``largesize`` field."""
    return struct.pack(">I", 1) + kind + struct.pack(">Q", 16 + len(payload)) + payload


FTYP = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
MOOV = box(b"moov", box(b"mvhd", bytes(100)))


def mp4_bytes(media: bytes = bytes(range(256)) * 64, *, moov_first: bool = True) -> bytes:
    """A file tiled by ftyp, moov and mdat (``mdat`` before ``moov`` when not ``moov_first``)."""
    mdat = box(b"mdat", media)
    return FTYP + (MOOV + mdat if moov_first else mdat + MOOV)
