"""``veo-tools gallery``: one static HTML page to look at the saved videos.

The page needs no server and no dependency: it opens from disk, plays each MP4 through a relative
``file`` path, and lists prompt, model, channel, cost, status and time, newest first. A small
inline script filters by batch (``#batch=ID`` in the address selects one). Every value from the
journal is escaped: prompts are user text and may contain markup.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from html import escape
from pathlib import Path
from urllib.parse import quote

from rich.text import Text

from veo_tools.cli.commands import validated
from veo_tools.cli.context import Cli, Command
from veo_tools.money import usd
from veo_tools.service import VeoService
from veo_tools.types import ListTasksInput, TaskView

PAGE_NAME = "gallery.html"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>veo-tools gallery</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; background: #fafafa; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 1rem; }}
article {{ background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .75rem; }}
video {{ width: 100%; background: #000; }}
dl {{ display: grid; grid-template-columns: auto 1fr; gap: .15rem .75rem; margin: .5rem 0 0; }}
dt {{ color: #666; }} dd {{ margin: 0; overflow-wrap: anywhere; }}
.prompt {{ margin: .5rem 0 0; white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>veo-tools gallery</h1>
<p>{summary}</p>
<label>Batch: <select id="batch">
<option value="">all videos</option>
{options}
</select></label>
<main>
{cards}
</main>
<script>
const select = document.getElementById("batch");
function show() {{
  for (const card of document.querySelectorAll("article")) {{
    card.hidden = select.value !== "" && card.dataset.batch !== select.value;
  }}
}}
const wanted = decodeURIComponent(location.hash.replace(/^#batch=/, ""));
if (location.hash.startsWith("#batch=")) select.value = wanted;
select.addEventListener("change", () => {{
  location.hash = select.value ? "batch=" + encodeURIComponent(select.value) : "";
  show();
}});
show();
</script>
</body>
</html>
"""

_CARD = """<article id="{task_id}" data-batch="{batch}">
<video controls preload="metadata" src="{src}"></video>
<p class="prompt">{prompt}</p>
<dl>
<dt>task</dt><dd>{task_id}</dd>
<dt>model</dt><dd>{model} ({channel})</dd>
<dt>cost</dt><dd>{cost}</dd>
<dt>status</dt><dd>{status}</dd>
<dt>created</dt><dd>{created}</dd>
<dt>batch</dt><dd>{batch_text}</dd>
</dl>
</article>"""


def saved(views: Sequence[TaskView]) -> list[TaskView]:
    """The tasks whose video is on disk, newest first."""
    present = [v for v in views if v.video_path and Path(v.video_path).is_file()]
    return sorted(present, key=lambda v: v.created_at, reverse=True)


def video_src(video: str, page_dir: Path) -> str:
    """The video's address relative to the page, so the folder can be moved or shared."""
    relative = os.path.relpath(Path(video).resolve(), page_dir.resolve())
    return quote(Path(relative).as_posix())


def card(view: TaskView, page_dir: Path) -> str:
    return _CARD.format(
        task_id=escape(view.task_id),
        batch=escape(view.batch_id or ""),
        src=escape(video_src(view.video_path or "", page_dir)),
        prompt=escape(view.prompt or ""),
        model=escape(view.model),
        channel=escape(view.channel),
        cost=escape(usd(view.price_usd)),
        status=escape(view.status),
        created=escape(view.created_at.replace("T", " ").replace("+00:00", " UTC")),
        batch_text=escape(view.batch_id or "-"),
    )


def gallery_html(views: Sequence[TaskView], page_dir: Path) -> str:
    """The whole page for ``views`` (those with a saved video), written to live in ``page_dir``."""
    shown = saved(views)
    batches = sorted({v.batch_id for v in shown if v.batch_id})
    options = "\n".join(f'<option value="{escape(b)}">{escape(b)}</option>' for b in batches)
    summary = f"{len(shown)} saved video(s), newest first."
    return _PAGE.format(
        summary=escape(summary),
        options=options,
        cards="\n".join(card(v, page_dir) for v in shown),
    )


def write_page(path: Path, text: str) -> Path:
    """Write the page atomically (a browser never reads half a page); return its path."""
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def add_gallery_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help=f"where to write the page (default: {PAGE_NAME} in the output directory)",
    )
    parser.add_argument(
        "--limit", type=int, default=200, help="most recent completed tasks (1-200, default 200)"
    )


async def run_gallery(cli: Cli, args: argparse.Namespace) -> int:
    query = validated(ListTasksInput, status="completed", limit=args.limit)
    settings = cli.settings()
    async with VeoService(settings) as service:
        tasks = await service.list_tasks(query)
    target: Path = args.output or settings.output_dir / PAGE_NAME
    page = write_page(target, gallery_html(tasks.tasks, target.expanduser().resolve().parent))
    count = len(saved(tasks.tasks))
    if cli.json:
        cli.emit_json(json.dumps({"path": str(page), "videos": count}, indent=2))
    else:
        cli.out.print(Text(f"Gallery of {count} saved video(s): {page.as_uri()}"), soft_wrap=True)
    return 0


GALLERY = Command(
    "gallery",
    "write an HTML page to watch the saved videos (opens from disk)",
    add_gallery_arguments,
    run_gallery,
    "Write a static HTML page with a player for every saved video, its prompt, model, channel, "
    "cost, status and time, newest first, filterable by batch. No server needed: open the file "
    "in a browser.",
)
