"""The README stays true: its generated channel tables match the catalog, it documents every
environment variable, and its relative links point at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from veo_tools import docs
from veo_tools.settings import ENV_VARS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: Read by the MCP server, not by ``Settings``.
MCP_ENV_VARS = ("VEO_MCP_AUTH_TOKEN", "VEO_MCP_MAX_WAIT_S")


def test_readme_channel_tables_match_the_catalog() -> None:
    block = docs.read_block(README.read_text("utf-8"))
    assert block == docs.channel_tables(), (
        "README channel tables are stale: run python -m veo_tools.docs --write README.md"
    )


def test_readme_documents_every_environment_variable() -> None:
    text = README.read_text("utf-8")
    missing = [name for name in (*ENV_VARS, *MCP_ENV_VARS) if f"| `{name}` |" not in text]
    assert missing == []


def test_readme_relative_links_point_at_existing_files() -> None:
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README.read_text("utf-8"))
    assert links, "expected relative links in the README"
    missing = [link for link in links if not (ROOT / link).exists()]
    assert missing == []


def test_docs_write_replaces_only_the_generated_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{docs.START}\nold table\n{docs.END}\noutro\n", "utf-8")
    assert docs.main(["--check", str(readme)]) == 1
    assert docs.main(["--write", str(readme)]) == 0
    text = readme.read_text("utf-8")
    assert text.startswith("intro\n") and text.endswith(f"{docs.END}\noutro\n")
    assert docs.main(["--check", str(readme)]) == 0


def test_docs_without_markers_is_a_clear_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n", "utf-8")
    with pytest.raises(ValueError, match="markers"):
        docs.main(["--check", str(readme)])


def test_channel_tables_have_one_row_per_model() -> None:
    from veo_tools.catalog import MODELS

    rows = [line for line in docs.channel_tables().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(MODELS)


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text("utf-8"), flags=re.S)


def test_readme_batch_files_parse_and_the_dry_run_shows_their_plan(tmp_path: Path) -> None:
    from veo_tools.cli.batch_file import read_batch_file
    from veo_tools.engine.batches import expand, plan_batch

    blocks = [(f"b{i}.jsonl", text) for i, text in enumerate(_code_blocks("jsonl"))]
    blocks += [(f"b{i}.csv", text) for i, text in enumerate(_code_blocks("csv"))]
    assert len(blocks) >= 3
    plans = []
    for name, text in blocks:
        path = tmp_path / name
        path.write_text(text, "utf-8")
        plans.append(plan_batch(expand(read_batch_file(path))))
    first, seeds = plans[0], plans[1]
    by_channel = ", ".join(f"{ch} ${usd:.2f}" for ch, usd in sorted(first.by_channel.items()))
    total = f"Total: ${first.total_usd:.2f} for {len(first.items)} video(s) ({by_channel})."
    text = README.read_text("utf-8")
    assert total in text
    assert len(seeds.items) == 7 and f"seven videos here, ${seeds.total_usd:.2f}" in text
