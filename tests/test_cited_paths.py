"""Every file a README cites exists in the repository (docs drift the moment one is moved)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = ["README.md", "veo_tools/sandbox/README.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
#: A backticked path inside the repository: a folder, a slash, a known file extension (a bare
#: name such as `claude_desktop_config.json` names another program's file, not one of ours).
CODE = re.compile(r"`([\w.\-]+/[\w.\-/]+\.(?:py|md|mp4|png|jpg|json|toml|txt|yml|yaml|cfg|html))`")


def cited_paths(text: str) -> set[str]:
    links = {m for m in LINK.findall(text) if "://" not in m and ("/" in m or "." in m)}
    return links | set(CODE.findall(text))


def resolves(readme: Path, cited: str) -> bool:
    return (readme.parent / cited).exists() or (ROOT / cited).exists()


@pytest.mark.parametrize("name", READMES)
def test_every_file_a_readme_cites_exists(name: str) -> None:
    readme = ROOT / name
    missing = sorted(
        p for p in cited_paths(readme.read_text(encoding="utf-8")) if not resolves(readme, p)
    )
    assert missing == []


def test_the_path_finder_sees_links_and_backticked_paths() -> None:
    text = (
        "see [a](docs/a.md#x), `veo_tools/b.py`, [web](https://x.org/c.md), [w](URL), "
        "`make test` and `claude_desktop_config.json`"
    )
    assert cited_paths(text) == {"docs/a.md", "veo_tools/b.py"}
