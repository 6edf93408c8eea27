"""``veo-tools models``: the table, ``--json``, ``--refresh`` and the exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Run

from veo_tools.catalog import MODELS
from veo_tools.types import ModelsView


def test_models_shows_every_model_with_its_availability(run: Run) -> None:
    result = run("--sandbox", "models")
    assert result.code == 0
    for model_id in MODELS:
        assert model_id in result.out
    assert "available" in result.out and "live list checked" in result.out


def test_models_json_is_a_models_view_and_refresh_is_accepted(run: Run) -> None:
    result = run("--sandbox", "models", "--json", "--refresh")
    assert result.code == 0
    view = ModelsView.model_validate_json(result.out)
    assert [m.id for m in view.models] == list(MODELS)
    assert view.available == list(MODELS) and view.live_error is None
    assert {m.availability for m in view.models} == {"available"}


def test_models_without_a_key_still_lists_the_catalog_and_exits_3(run: Run) -> None:
    result = run("models", "--json")
    assert result.code == 3
    view = ModelsView.model_validate_json(result.out)
    # Unchecked, the shipped lifecycle decides: every Veo id is retired or unavailable upstream.
    # The Veo ids are retired or paused: down; the active ones cannot be checked without a key.
    assert {m.availability for m in view.models if m.channel in ("official", "reverse")} == {"down"}
    assert {m.availability for m in view.models if m.lifecycle == "active"} == {"unknown"}
    veo = [m for m in view.models if m.channel in ("official", "reverse")]
    assert all(m.reason and "docs.apiyi.com" in m.reason for m in veo)
    assert "APIYI_API_KEY" in result.err


def test_models_over_http_reads_the_served_sandbox(run: Run, served_sandbox: str) -> None:
    result = run("models", "--json")
    assert result.code == 0
    assert ModelsView.model_validate_json(result.out).available == list(MODELS)


def test_models_shows_why_a_bad_catalog_override_was_ignored(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override = tmp_path / "models.toml"
    override.write_text('[models."veo-3.1"]\nprice_usd = "cheap"\n', "utf-8")
    monkeypatch.setenv("VEO_TOOLS_MODELS", str(override))
    result = run("--sandbox", "models", "--json")
    view = ModelsView.model_validate_json(result.out)
    assert view.catalog_error is not None
    assert str(override) in view.catalog_error and "veo-3.1" in view.catalog_error
    assert "price_usd" in view.catalog_error
    assert view.catalog_error in " ".join(result.err.split())
