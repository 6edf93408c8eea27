"""The hostile input catalog: one table of cases, each run through both front-ends.

Every refusal must be a tool error (MCP ``isError``, LangChain ``status="error"``) whose text
names the problem and what would be accepted, must write nothing anywhere but the state
directory (and nothing at all in the output directory), must leave the journal intact (same row
count, ``integrity_check`` ok, ``tasks`` still there) and must never quote a file it refused to
read. The few inputs that are legitimate (a prompt with newlines, ``..`` that stays inside an
input directory) are accepted, and safely: one journal row, nothing written elsewhere.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hardening_support import (
    FRONT_ENDS,
    FrontEnd,
    changes,
    journal_state,
    open_front_end,
    tree_snapshot,
)

from veo_tools.catalog import MAX_IMAGE_BYTES
from veo_tools.journal.store import JOURNAL_FILENAME
from veo_tools.sandbox import still_png
from veo_tools.service import VeoService
from veo_tools.settings import Settings

#: Written into every file the tools must refuse to read: it must never show up in a reply.
SENTINEL = "TOP-SECRET-CONTENTS-7f3a"
#: Written by the engine: the output and state directories. Nothing else may change.
WRITABLE = ("out", "state")
#: No reply quotes a 100 kB argument back, or anything else that long.
MAX_REPLY_CHARS = 4000


@dataclass(frozen=True)
class World:
    """A tmp tree: the cwd, the one allowed input directory, and files outside it."""

    root: Path

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def outside(self) -> Path:
        return self.root / "outside"


def build_world(root: Path) -> World:
    world = World(root)
    for name in ("cwd", "inputs", "outside", "home/.ssh", "out", "state"):
        (root / name).mkdir(parents=True)
    png = still_png()
    (world.inputs / "ok.png").write_bytes(png)
    (world.inputs / "notes.png").write_text(f"just some notes, not an image {SENTINEL}\n")
    with (world.inputs / "big.png").open("wb") as big:  # sparse: 11 MB on paper, instant
        big.write(png[:16])
        big.truncate(11 * 1024 * 1024)
    os.mkfifo(world.inputs / "pipe.png")
    (world.outside / "secret.png").write_bytes(png + SENTINEL.encode())
    (world.outside / "id_rsa").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SENTINEL}\n")
    (root / "home/.ssh/id_rsa").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SENTINEL}\n")
    (world.inputs / "escape.png").symlink_to(world.outside / "secret.png")
    (world.inputs / "passwd.png").symlink_to("/etc/passwd")
    (world.inputs / "elsewhere").symlink_to(world.outside, target_is_directory=True)
    return world


def settings_for(world: World) -> Settings:
    return Settings.from_env(
        {},
        sandbox=True,
        time_scale=0.002,
        state_dir=world.root / "state",
        output_dir=world.root / "out",
        input_dirs=[world.inputs],
    )


Args = dict[str, Any] | Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """``tool(args)`` must be refused with every one of ``expect`` in its text (any case), or,
    with ``new_tasks`` set, accepted with that many new journal rows."""

    id: str
    tool: str
    args: Args
    expect: tuple[str, ...] = ()
    new_tasks: int | None = None
    stored_prompt: str | None = field(default=None)

    def arguments(self, world: World) -> dict[str, Any]:
        return self.args(world) if callable(self.args) else self.args


GV = "generate_video"
STREAM = {"prompt": "a lighthouse", "channel": "reverse", "mode": "stream"}
OUTSIDE = ("outside the allowed input directories", "VEO_TOOLS_INPUT_DIRS", "data:image/")
PRIVATE = ("local, private or reserved address", "publicly reachable https URL")
NOT_IMAGE = ("not a JPEG, PNG or WebP image", "convert it to JPEG, PNG or WebP")
NO_TASK = ("No task", "in the journal", "list_tasks")
CONTROL = ("control character", "remove it", "tabs and newlines")
EXTRA = ("Extra inputs are not permitted",)
INVISIBLE = ("invisible character", "bidi or zero-width", "remove it")


def image(ref: str | Callable[[World], str], **more: Any) -> Callable[[World], dict[str, Any]]:
    """``generate_video`` arguments with one image reference (a string or built from the world)."""

    def build(world: World) -> dict[str, Any]:
        value = ref(world) if callable(ref) else ref
        return {"prompt": "a lighthouse", **more, "images": [value]}

    return build


def data_url(payload: bytes, declared: str = "image/png") -> str:
    return f"data:{declared};base64,{base64.b64encode(payload).decode()}"


CASES = [
    # -- images: where they may be read from ---------------------------------------------------
    Case("path-traversal-relative", GV, image("../../etc/passwd"), OUTSIDE),
    Case(
        "path-traversal-through-input-dir",
        GV,
        image(lambda w: f"{w.inputs}/../../../../../../../../etc/passwd"),
        OUTSIDE,
    ),
    Case("absolute-path-outside", GV, image(lambda w: str(w.outside / "secret.png")), OUTSIDE),
    Case("etc-passwd", GV, image("/etc/passwd"), OUTSIDE),
    Case("ssh-private-key-in-home", GV, image("~/.ssh/id_rsa"), OUTSIDE),
    Case("symlink-escape-file", GV, image(lambda w: str(w.inputs / "escape.png")), OUTSIDE),
    Case(
        "symlink-escape-directory",
        GV,
        image(lambda w: str(w.inputs / "elsewhere" / "id_rsa")),
        OUTSIDE,
    ),
    Case(
        # Lexically inputs/outside/secret.png; really outside/../outside/secret.png.
        "dotdot-after-a-symlinked-directory",
        GV,
        image(lambda w: f"{w.inputs}/elsewhere/../outside/secret.png"),
        OUTSIDE,
    ),
    Case("symlink-to-etc-passwd", GV, image(lambda w: str(w.inputs / "passwd.png")), OUTSIDE),
    Case(
        "nul-byte-in-path",
        GV,
        image(lambda w: f"{w.inputs}/ok.png\x00.txt"),
        ("cannot be opened", "images are read from"),
    ),
    # -- images: what they contain -------------------------------------------------------------
    Case(
        "text-file-named-png",
        GV,
        image(lambda w: str(w.inputs / "notes.png")),
        (*NOT_IMAGE, "looks like text"),
    ),
    Case(
        "oversized-11-mb-image",
        GV,
        image(lambda w: str(w.inputs / "big.png")),
        ("11.0 MB", f"the limit is 10 MB ({MAX_IMAGE_BYTES} bytes)", "Re-encode it smaller"),
    ),
    Case(
        "fifo-named-png",
        GV,
        image(lambda w: str(w.inputs / "pipe.png")),
        ("not a regular file", "JPEG, PNG or WebP file"),
    ),
    Case(
        "directory-as-image",
        GV,
        image(lambda w: str(w.inputs)),
        ("not a regular file", "JPEG, PNG or WebP file"),
    ),
    Case(
        "missing-image-file",
        GV,
        image(lambda w: str(w.inputs / "nope.png")),
        ("does not exist", "images are read from"),
    ),
    Case("data-url-with-text", GV, image(data_url(b"hello " * 20, "text/plain")), NOT_IMAGE),
    Case(
        "data-url-bad-base64",
        GV,
        image("data:image/png;base64,%%%not-base64%%%"),
        ("not valid standard base64", "data:image/png;base64"),
    ),
    Case("three-images", GV, {"prompt": "x", "images": ["a.png"] * 3}, ("images", "at most 2")),
    Case(
        "two-images-on-official",
        GV,
        lambda w: {"prompt": "x", "channel": "official", "images": [str(w.inputs / "ok.png")] * 2},
        ("takes exactly one reference image", "-fl"),
    ),
    # -- the models beyond Veo: what each adapter cannot take is refused before spending -------
    Case(
        "local-image-on-dashscope",
        GV,
        image(lambda w: str(w.inputs / "ok.png"), model="wan2.7-i2v"),
        ("wan2.7-i2v takes images as public https URLs only", "upload them", "can."),
    ),
    Case(
        "data-url-on-dashscope",
        GV,
        image(data_url(still_png()), model="happyhorse-1.1-i2v"),
        ("public https URLs only", "no local files or data: URIs"),
    ),
    Case(
        "seconds-beyond-grok",
        GV,
        {"prompt": "x", "model": "grok-imagine-video", "seconds": 20},
        ("seconds=20", "1-15 s", "can."),
    ),
    Case(
        "ten-references-on-seedance-fast",
        GV,
        {
            "prompt": "x",
            "model": "doubao-seedance-2-0-fast-260128",
            "image_use": "references",
            "images": [data_url(still_png())] * 10,
        },
        ("takes 9 reference image(s) (got 10)", "doubao-seedance-2-5-260628 can."),
    ),
    Case(
        "negative-prompt-on-seedance",
        GV,
        {"prompt": "x", "model": "doubao-seedance-2-0-260128", "negative_prompt": "blur"},
        ("does not take negative_prompt", "drop it"),
    ),
    Case(
        "resolution-beyond-grok",
        GV,
        {"prompt": "x", "model": "grok-imagine-video", "resolution": "1080p"},
        ("resolution='1080p' is not available on grok-imagine-video", "can."),
    ),
    Case(
        "batch-with-a-local-image-for-wan",
        "generate_batch",
        lambda w: {
            "items": [
                {"prompt": "ok"},
                {"prompt": "x", "model": "wan2.7-i2v", "images": [str(w.inputs / "ok.png")]},
            ]
        },
        ("Batch item 1", "public https URLs only"),
    ),
    # -- images: URLs --------------------------------------------------------------------------
    Case(
        "file-url",
        GV,
        image("file:///etc/passwd", **STREAM),
        ("'file:' scheme", "only https URLs"),
    ),
    Case(
        "http-url",
        GV,
        image("http://example.com/a.png", **STREAM),
        ("'http:' scheme", "only https URLs"),
    ),
    Case(
        "https-url-on-async-official",
        GV,
        image("https://example.com/a.png", channel="official"),
        ("needs the image as a local file or a data URL", "allowed input directory"),
    ),
    Case("url-loopback", GV, image("https://127.0.0.1/a.png", **STREAM), PRIVATE),
    Case("url-private-10", GV, image("https://10.0.0.1/a.png", **STREAM), PRIVATE),
    Case(
        "url-link-local-metadata",
        GV,
        image("https://169.254.169.254/latest/meta-data/", **STREAM),
        PRIVATE,
    ),
    Case("url-ipv6-loopback", GV, image("https://[::1]/a.png", **STREAM), PRIVATE),
    Case("url-localhost", GV, image("https://localhost:8443/a.png", **STREAM), PRIVATE),
    Case("url-decimal-loopback", GV, image("https://2130706433/a.png", **STREAM), PRIVATE),
    Case("url-v4-mapped-v6", GV, image("https://[::ffff:10.0.0.1]/a.png", **STREAM), PRIVATE),
    # -- prompts -------------------------------------------------------------------------------
    Case("prompt-100-kb", GV, {"prompt": "x" * 100_000}, ("prompt", "at most 20000 characters")),
    Case("prompt-nul-byte", GV, {"prompt": "a cat\x00 on a mat"}, (*CONTROL, "U+0000")),
    Case(
        "prompt-terminal-escapes",
        GV,
        {"prompt": "a cat \x1b[2J\x1b]0;pwned\x07"},
        (*CONTROL, "U+001B"),
    ),
    Case("prompt-c1-control", GV, {"prompt": "a cat \x9b31m"}, (*CONTROL, "U+009B")),
    Case(
        "negative-prompt-nul-byte",
        GV,
        {"prompt": "a cat", "negative_prompt": "blur\x00"},
        ("negative_prompt", *CONTROL),
    ),
    # Bidi and zero-width controls: what is shown would differ from what is sent.
    Case("prompt-bidi-override", GV, {"prompt": "a cat \u202egnp.exe"}, (*INVISIBLE, "U+202E")),
    Case("prompt-bidi-embedding", GV, {"prompt": "a \u202adog"}, (*INVISIBLE, "U+202A")),
    Case("prompt-bidi-isolate", GV, {"prompt": "a \u2066dog\u2069"}, (*INVISIBLE, "U+2066")),
    Case("prompt-zero-width-space", GV, {"prompt": "a c\u200bat"}, (*INVISIBLE, "U+200B")),
    Case("prompt-word-joiner", GV, {"prompt": "a c\u2060at"}, (*INVISIBLE, "U+2060")),
    Case("prompt-inner-bom", GV, {"prompt": "a c\ufeffat"}, (*INVISIBLE, "U+FEFF")),
    Case(
        "negative-prompt-right-to-left-mark",
        GV,
        {"prompt": "a cat", "negative_prompt": "blur\u200f"},
        ("negative_prompt", *INVISIBLE, "U+200F"),
    ),
    # A 2 MB argument is refused without being echoed whole (the shared formatter cuts it).
    Case(
        "model-2-mb",
        GV,
        {"prompt": "a cat", "model": "m" * 2_000_000},
        ("model", "at most 200 characters", "'mmmm"),
    ),
    Case("prompt-missing", GV, {}, ("prompt is required", "from_task_id")),
    Case("prompt-only-whitespace", GV, {"prompt": " \n\t "}, ("prompt is required",)),
    Case(
        "prompt-with-newlines-tabs-and-unicode-is-accepted",
        GV,
        {"prompt": "Shot 1:\ta fox 🦊 runs\r\nShot 2: 雪が降る — שלום"},
        new_tasks=1,
        stored_prompt="Shot 1:\ta fox 🦊 runs\r\nShot 2: 雪が降る — שלום",
    ),
    Case(
        "dotdot-that-stays-inside-is-accepted",
        GV,
        image(lambda w: f"{w.inputs}/../inputs/./ok.png"),
        new_tasks=1,
    ),
    Case("png-data-url-is-accepted", GV, image(data_url(still_png())), new_tasks=1),
    # -- every enum ----------------------------------------------------------------------------
    Case(
        "enum-channel",
        GV,
        {"prompt": "x", "channel": "google"},
        ("channel", "'auto', 'official', 'reverse', 'seedance', 'wan' or 'grok'"),
    ),
    Case(
        "enum-priority",
        GV,
        {"prompt": "x", "priority": "cheap"},
        ("priority", "'balanced', 'budget', 'quality' or 'iteration'"),
    ),
    Case(
        "enum-mode",
        GV,
        {"prompt": "x", "mode": "sync"},
        ("mode", "'auto', 'async' or 'stream'"),
    ),
    Case(
        "enum-resolution",
        GV,
        {"prompt": "x", "resolution": "8k"},
        ("resolution", "'480p', '720p', '1080p' or '4k'"),
    ),
    Case(
        "enum-aspect-ratio",
        GV,
        {"prompt": "x", "aspect_ratio": "5:4"},
        ("aspect_ratio", "'21:9' or 'adaptive'"),
    ),
    Case(
        "enum-seconds", GV, {"prompt": "x", "seconds": 45}, ("seconds", "less than or equal to 30")
    ),
    Case(
        "enum-image-use",
        GV,
        {"prompt": "x", "image_use": "middle"},
        ("image_use", "'frames' or 'references'"),
    ),
    Case(
        "enum-status",
        "list_tasks",
        {"status": "done' OR 1=1 --"},
        ("status", "'queued', 'in_progress', 'completed', 'failed' or 'interrupted'"),
    ),
    Case(
        "enum-scenario",
        "recommend_channel",
        {"scenario": "hack_the_planet"},
        ("scenario", "'batch_matrix'"),
    ),
    Case(
        "unknown-model-id",
        GV,
        {"prompt": "x", "model": "../../etc/passwd"},
        ("Unknown model", "veo-3.1-fast-generate-preview", "leave `model` empty"),
    ),
    Case(
        "stream-on-official",
        GV,
        {"prompt": "x", "channel": "official", "mode": "stream"},
        ("only available on Reverse", "mode='async'"),
    ),
    # -- wrong types ---------------------------------------------------------------------------
    Case("seconds-as-word", GV, {"prompt": "x", "seconds": "eight"}, ("seconds", "valid integer")),
    Case("seconds-as-numeric-string-is-accepted", GV, {"prompt": "x", "seconds": "8"}, new_tasks=1),
    Case(
        "seed-and-wait-as-numeric-strings-are-accepted",
        GV,
        {"prompt": "x", "channel": "official", "seed": " 7 ", "wait_seconds": "0"},
        new_tasks=1,
    ),
    Case(
        "seconds-as-fraction", GV, {"prompt": "x", "seconds": "8.5"}, ("seconds", "valid integer")
    ),
    Case("seconds-as-boolean", GV, {"prompt": "x", "seconds": True}, ("seconds", "a number")),
    Case("seed-as-boolean", GV, {"prompt": "x", "seed": False}, ("seed", "not true or false")),
    Case("seed-as-fraction", GV, {"prompt": "x", "seed": "1.5"}, ("seed", "valid integer")),
    Case("seed-huge-string", GV, {"prompt": "x", "seed": "9" * 40}, ("seed", "less than or equal")),
    Case("limit-as-boolean", "list_tasks", {"limit": True}, ("limit", "not true or false")),
    Case(
        "batch-seeds-as-words",
        "generate_batch",
        {"items": [{"prompt": "ok", "seeds": ["1", "two"]}]},
        ("items.0.seeds.1", "valid integer"),
    ),
    Case("prompt-as-list", GV, {"prompt": ["a", "cat"]}, ("prompt", "valid string")),
    Case("images-as-object", GV, {"prompt": "x", "images": {"a": 1}}, ("images", "valid list")),
    Case("task-id-as-number", "check_status", {"task_id": 42}, ("task_id", "valid string")),
    Case("limit-as-word", "list_tasks", {"limit": "lots"}, ("limit", "valid integer")),
    Case("limit-as-numeric-string-is-accepted", "list_tasks", {"limit": "5"}, new_tasks=0),
    # -- waits and limits ----------------------------------------------------------------------
    Case(
        "negative-wait",
        GV,
        {"prompt": "x", "wait_seconds": -1},
        ("wait_seconds", "greater than or equal to 0"),
    ),
    Case(
        "huge-wait",
        GV,
        {"prompt": "x", "wait_seconds": 1e9},
        ("wait_seconds", "less than or equal to 3600"),
    ),
    Case(
        "negative-wait-on-check-status",
        "check_status",
        {"task_id": "veo_0000000000000000", "wait_seconds": -1},
        ("wait_seconds", "greater than or equal to 0"),
    ),
    Case(
        "huge-wait-on-check-status",
        "check_status",
        {"task_id": "veo_0000000000000000", "wait_seconds": 1e9},
        ("wait_seconds", "less than or equal to 3600"),
    ),
    Case(
        "negative-count",
        "recommend_channel",
        {"count": -5},
        ("count", "greater than or equal to 1"),
    ),
    Case("negative-limit", "list_tasks", {"limit": -1}, ("limit", "greater than or equal to 1")),
    Case("huge-limit", "list_tasks", {"limit": 10**12}, ("limit", "less than or equal to 200")),
    # -- task ids ------------------------------------------------------------------------------
    Case("unknown-task-id", "check_status", {"task_id": "veo_0000000000000000"}, NO_TASK),
    Case("sql-or-true-task-id", "check_status", {"task_id": "x' OR 1=1 --"}, NO_TASK),
    Case("sql-drop-table-task-id", "check_status", {"task_id": "'; DROP TABLE tasks; --"}, NO_TASK),
    Case("nul-in-task-id", "check_status", {"task_id": "veo_\x00abc"}, NO_TASK),
    Case(
        "ten-kb-task-id",
        "check_status",
        {"task_id": "veo_" + "a" * 10_000},
        ("task_id", "at most 200 characters"),
    ),
    Case("empty-task-id", "check_status", {"task_id": ""}, ("task_id", "at least 1 character")),
    Case(
        "sql-batch-id",
        "check_status",
        {"task_id": "batch_' OR '1'='1"},
        ("No batch", "batch_id"),
    ),
    Case(
        "sql-from-task-id",
        GV,
        {"prompt": "x", "from_task_id": "'; DELETE FROM tasks; --"},
        NO_TASK,
    ),
    # -- unknown fields ------------------------------------------------------------------------
    Case("extra-field-generate", GV, {"prompt": "x", "quality": "max"}, (*EXTRA, "quality")),
    Case(
        "extra-field-check-status",
        "check_status",
        {"task_id": "veo_0000000000000000", "verbose": True},
        (*EXTRA, "verbose"),
    ),
    Case("extra-field-list-tasks", "list_tasks", {"offset": 5}, (*EXTRA, "offset")),
    Case(
        "extra-field-in-a-batch-item",
        "generate_batch",
        {"items": [{"prompt": "ok", "loop": True}]},
        (*EXTRA, "items.0.loop"),
    ),
    # -- batches -------------------------------------------------------------------------------
    Case("empty-batch", "generate_batch", {"items": []}, ("items", "at least 1 item")),
    Case("batch-items-not-a-list", "generate_batch", {"items": "abc"}, ("items", "valid list")),
    Case(
        "batch-with-one-bad-enum",
        "generate_batch",
        {"items": [{"prompt": "ok"}, {"prompt": "x", "channel": "bogus"}]},
        ("items.1.channel", "'wan' or 'grok'"),
    ),
    Case(
        "batch-with-one-image-outside",
        "generate_batch",
        {"items": [{"prompt": "ok"}, {"prompt": "x", "images": ["/etc/passwd"]}]},
        ("Batch item 1", *OUTSIDE),
    ),
    Case(
        "batch-with-one-control-char-prompt",
        "generate_batch",
        {"items": [{"prompt": "ok"}, {"prompt": "x\x00"}]},
        ("items.1.prompt", *CONTROL),
    ),
    Case(
        "batch-huge-concurrency",
        "generate_batch",
        {"items": [{"prompt": "ok"}], "concurrency": 10**9},
        ("concurrency", "less than or equal to 50"),
    ),
]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    built = build_world(tmp_path)
    monkeypatch.chdir(built.root / "cwd")
    monkeypatch.setenv("HOME", str(built.root / "home"))
    return built


@pytest.fixture(params=FRONT_ENDS)
async def front_end(request: pytest.FixtureRequest, world: World) -> AsyncIterator[FrontEnd]:
    settings = settings_for(world)
    async with VeoService(settings) as seeder:  # one task already in the journal
        await seeder.generate({"prompt": "the task that was already there"})
    async with open_front_end(request.param, lambda: VeoService(settings)) as opened:
        yield opened


def _journal(world: World) -> Path:
    return settings_for(world).journal_dir / JOURNAL_FILENAME


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_hostile_input_is_refused_actionably_and_harmlessly(
    front_end: FrontEnd, world: World, case: Case
) -> None:
    outside_before = tree_snapshot(world.root, skip=WRITABLE)
    out_before = tree_snapshot(world.root / "out")
    journal_before = journal_state(_journal(world))
    assert journal_before.tasks == 1

    reply = await front_end.call(case.tool, case.arguments(world))

    assert SENTINEL not in reply.text, "a refused file's contents reached the reply"
    assert "Traceback" not in reply.text
    assert len(reply.text) < MAX_REPLY_CHARS or not reply.error
    if case.new_tasks is None:
        assert reply.error, f"accepted: {reply.text[:300]}"
        missing = [s for s in case.expect if s.lower() not in reply.text.lower()]
        assert not missing, f"{missing} not in: {reply.text}"
        assert changes(out_before, tree_snapshot(world.root / "out")) == []
    else:
        assert not reply.error, reply.text
        assert reply.data is not None
    assert changes(outside_before, tree_snapshot(world.root, skip=WRITABLE)) == []
    journal = journal_state(_journal(world))
    assert journal.integrity == "ok"
    assert {"tasks", "batches", "batch_items"} <= journal.tables
    assert journal.tasks == journal_before.tasks + (case.new_tasks or 0)
    assert journal.batches == journal_before.batches
    if case.stored_prompt is not None:
        assert reply.data is not None and reply.data["prompt"] == case.stored_prompt


def test_the_catalog_has_at_least_forty_cases_and_covers_every_tool() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    tools = {case.tool for case in CASES}
    assert tools == {GV, "check_status", "recommend_channel", "list_tasks", "generate_batch"}
    assert sum(case.new_tasks is None for case in CASES) >= 40
