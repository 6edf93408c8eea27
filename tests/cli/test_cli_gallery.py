"""``veo-tools gallery``: a static page, a player per saved video, read back with html.parser."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from cli_support import Run

from veo_tools.cli.gallery import gallery_html
from veo_tools.types import TaskView

HOSTILE = '<script>alert("x")</script> & a fox'


class Page(HTMLParser):
    """The page's videos, cards (id, batch), batch options, scripts and text."""

    def __init__(self) -> None:
        super().__init__()
        self.videos: list[str] = []
        self.cards: list[tuple[str, str]] = []
        self.options: list[str] = []
        self.scripts = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "video":
            self.videos.append(values["src"])
        elif tag == "article":
            self.cards.append((values["id"], values["data-batch"]))
        elif tag == "option":
            self.options.append(values["value"])
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    return page


def test_the_gallery_has_one_player_per_saved_video_newest_first_with_batches(
    run: Run, workdir: Path
) -> None:
    first = run("--sandbox", "--json", "generate", HOSTILE, "--channel", "reverse")
    assert first.code == 0, first.err
    Path("b.jsonl").write_text(
        '{"prompt": "a lighthouse", "channel": "reverse"}\n'
        '{"prompt": "a harbour", "channel": "reverse"}\n',
        "utf-8",
    )
    batch = run("--sandbox", "--json", "batch", "b.jsonl")
    assert batch.code == 0, batch.err
    batch_id = json.loads(batch.out)["batch_id"]
    failed = run(
        "--sandbox", "generate", "blocked [sandbox:content_policy]", "--channel", "reverse"
    )
    assert failed.code == 1

    result = run("--sandbox", "--json", "gallery")
    assert result.code == 0, result.err
    written = json.loads(result.out)
    page_path = Path(written["path"])
    assert written["videos"] == 3 and page_path == workdir / "out" / "gallery.html"

    page = parse(page_path)
    assert len(page.videos) == 3  # the failed task has no video and no player
    for src in page.videos:
        assert not src.startswith("/") and (page_path.parent / src).read_bytes()[4:8] == b"ftyp"
    ids = [task_id for task_id, _ in page.cards]
    listed = json.loads(run("--sandbox", "--json", "tasks", "--status", "completed").out)
    assert ids == [t["task_id"] for t in listed["tasks"]]  # newest first, as the journal says
    assert [b for _, b in page.cards].count(batch_id) == 2
    assert page.options == ["", batch_id]
    assert page.scripts == 1  # only the page's own filter script: the prompt stays text
    assert HOSTILE in "".join(page.text)


def test_a_hostile_prompt_is_escaped_in_the_page(tmp_path: Path) -> None:
    video = tmp_path / "videos" / "veo_0123456789abcdef.mp4"
    video.parent.mkdir()
    video.write_bytes(b"\0\0\0\x18ftypmp42")
    view = TaskView(
        task_id="veo_0123456789abcdef",
        channel="reverse",
        model="veo-3.1-fast",
        status="completed",
        progress=100,
        price_usd=0.15,
        billed=True,
        next_step="done",
        created_at="2026-10-20T09:15:02+00:00",
        elapsed_s=60.0,
        prompt=HOSTILE,
        video_path=str(video),
        batch_id='b"><script>x</script>',
    )
    html = gallery_html([view], tmp_path)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert html.count("<script>") == 1
    assert 'src="videos/veo_0123456789abcdef.mp4"' in html
    assert "$0.15" in html


def test_the_task_list_and_the_batch_summary_point_at_the_gallery(run: Run) -> None:
    run("--sandbox", "generate", "a fox", "--channel", "reverse")
    assert "Gallery: veo-tools gallery" in run("--sandbox", "tasks").out
    Path("one.jsonl").write_text('{"prompt": "a hill", "channel": "reverse"}\n', "utf-8")
    assert "Gallery: veo-tools gallery" in run("--sandbox", "batch", "one.jsonl").out
