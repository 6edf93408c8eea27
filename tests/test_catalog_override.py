"""The user's catalog override file: what it can change, and how a bad one is reported while the
shipped catalog still loads."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import platformdirs
import pytest

from veo_tools import catalog
from veo_tools.catalog import get_model, load_catalog, shipped_catalog
from veo_tools.engine.planning import plan_request
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.types import GenerateVideoInput

README = Path(__file__).resolve().parent.parent / "README.md"

NEW_MODEL = """
[models."veo-4-preview"]
channel = "official"
tier = "standard"
price_usd = 2
durations = [4, 8]
default_seconds = 8
resolutions = ["720p", "4k"]
resolutions_need_8s = ["4k"]
aspect_ratios = ["16:9", "9:16"]
max_images = 1
frame_to_video = false
endpoints = ["/v1/videos"]
render_time_s = { "720p" = [50, 70], "4k" = [200, 260] }
lifecycle = { status = "degraded", since = 2027-02-01, source = "https://example.com/veo-4" }
"""


def write(tmp_path: Path, text: str, name: str = "models.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def assert_shipped_models(loaded: catalog.Catalog) -> None:
    assert dict(loaded.models) == dict(shipped_catalog().models)


def test_a_table_for_a_shipped_id_changes_only_the_fields_it_gives(tmp_path: Path) -> None:
    path = write(tmp_path, '[models."veo-3.1-landscape-fast"]\nprice_usd = 0.18\n')
    loaded = load_catalog(path)
    assert loaded.override_error is None and loaded.override_path == path
    changed, shipped = loaded.models["veo-3.1-landscape-fast"], get_model("veo-3.1-landscape-fast")
    assert changed.price_usd == 0.18
    assert changed.durations == shipped.durations and changed.lifecycle == shipped.lifecycle
    assert changed.fixed_aspect_ratio == "16:9" and changed.render_time_s == shipped.render_time_s
    others = {k: v for k, v in loaded.models.items() if k != "veo-3.1-landscape-fast"}
    assert others == {k: v for k, v in shipped_catalog().models.items() if k in others}
    assert list(loaded.models) == list(shipped_catalog().models)


def test_an_override_can_bring_a_model_back_by_replacing_its_lifecycle(tmp_path: Path) -> None:
    path = write(tmp_path, '[models."veo-3.1"]\nlifecycle = { status = "active", note = "back" }\n')
    life = load_catalog(path).models["veo-3.1"].lifecycle
    assert (life.status, life.note, life.since, life.source) == ("active", "back", None, None)


def test_a_complete_new_model_is_added_after_the_shipped_ones(tmp_path: Path) -> None:
    loaded = load_catalog(write(tmp_path, NEW_MODEL))
    assert loaded.override_error is None
    assert list(loaded.models)[-1] == "veo-4-preview"
    model = loaded.models["veo-4-preview"]
    assert (model.channel, model.tier, model.price_usd) == ("official", "standard", 2.0)
    assert model.fixed_aspect_ratio is None and model.aspect_ratios == ("16:9", "9:16")
    assert model.render_time("4k") == (200.0, 260.0)
    assert model.lifecycle.status == "degraded" and model.lifecycle.since is not None


def test_a_new_model_installed_from_the_override_can_be_planned(tmp_path: Path) -> None:
    catalog.use(load_catalog(write(tmp_path, NEW_MODEL)))
    plan = plan_request(GenerateVideoInput(prompt="p", model="veo-4-preview", resolution="4k"))
    assert (plan.model.id, plan.seconds, plan.resolution) == ("veo-4-preview", 8, "4k")


def test_a_partial_new_model_is_an_error_naming_file_id_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, '[models."veo-3.1-fst"]\nprice_usd = 0.1\n')
    loaded = load_catalog(path)
    assert_shipped_models(loaded)
    error = loaded.override_error
    assert error is not None
    assert f"Ignored the models override file {path}" in error
    assert "model 'veo-3.1-fst', field(s) 'channel', 'tier', 'durations'," in error
    assert "'price_usd'" not in error
    assert "must give every field (or did you mean the shipped 'veo-3.1-fast'?)" in error
    assert "The shipped catalog is used instead" in error


def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[models."veo-3.1"]\nprice_usd = = 1\n')
    loaded = load_catalog(path)
    assert_shipped_models(loaded)
    assert loaded.override_error is not None
    assert re.search(rf"{re.escape(str(path))}: not valid TOML: .*line 2", loaded.override_error)


def test_an_unknown_field_is_an_error_that_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[models."veo-3.1"]\ncolour = "blue"\n')
    loaded = load_catalog(path)
    assert_shipped_models(loaded)
    assert loaded.override_error is not None
    assert "model 'veo-3.1', field 'colour': unknown field (known: channel, tier," in (
        loaded.override_error
    )


def test_an_unknown_lifecycle_field_lists_the_lifecycle_fields(tmp_path: Path) -> None:
    path = write(tmp_path, '[models."veo-3.1".lifecycle]\nstatus = "active"\nwhen = 1\n')
    error = load_catalog(path).override_error
    assert error is not None
    assert "field 'lifecycle.when': unknown field (known: status, since, source," in error


@pytest.mark.parametrize(
    ("table", "field", "needle"),
    [
        ('channel = "unofficial"', "channel", "'official', 'reverse'"),
        ("price_usd = '0.2'", "price_usd", "got '0.2'"),
        ("default_seconds = 6", "default_seconds", "not one of the durations [8]"),
        ('resolutions = ["720p", "1080p"]', "render_time_s", "for each of ['720p', '1080p']"),
        ('resolutions_need_8s = ["4k"]', "resolutions_need_8s", "not a subset"),
        ('aspect_ratios = ["16:9", "9:16"]', "aspect_ratios", "exactly one"),
        ("max_images = -1", "max_images", "greater than or equal to 0"),
        ('lifecycle = { status = "gone" }', "lifecycle.status", "'retired'"),
        ('lifecycle = { source = "docs.apiyi.com" }', "lifecycle.source", "URL of the notice"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_field_and_the_shipped_catalog_loads(
    tmp_path: Path, table: str, field: str, needle: str
) -> None:
    path = write(tmp_path, f'[models."veo-3.1-fast"]\n{table}\n')
    loaded = load_catalog(path)
    assert_shipped_models(loaded)
    error = loaded.override_error
    assert error is not None
    assert f"{path}: model 'veo-3.1-fast', field '{field}': " in error
    assert needle in error


def test_one_bad_model_rejects_the_whole_file(tmp_path: Path) -> None:
    path = write(tmp_path, NEW_MODEL + '\n[models."veo-3.1"]\nmax_images = "two"\n')
    loaded = load_catalog(path)
    assert "veo-4-preview" not in loaded.models
    assert loaded.override_error is not None and "field 'max_images'" in loaded.override_error


def test_an_unknown_top_level_key_is_an_error(tmp_path: Path) -> None:
    error = load_catalog(write(tmp_path, '[model."veo-3.1"]\nprice_usd = 1\n')).override_error
    assert error is not None and "unknown top-level key(s) 'model'" in error


def test_an_empty_override_changes_nothing(tmp_path: Path) -> None:
    loaded = load_catalog(write(tmp_path, "# nothing to change yet\n"))
    assert loaded.override_error is None
    assert_shipped_models(loaded)


def test_the_environment_variable_names_the_override_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[models."veo-3.1"]\nprice_usd = 0.2\n')
    monkeypatch.setenv("VEO_TOOLS_MODELS", str(path))
    assert get_model("veo-3.1").price_usd == 0.2
    assert catalog.current().override_path == path


def test_a_missing_file_named_by_the_environment_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_MODELS", str(tmp_path / "nope.toml"))
    loaded = catalog.current()
    assert_shipped_models(loaded)
    assert loaded.override_error is not None
    assert f"{tmp_path / 'nope.toml'}: the file does not exist" in loaded.override_error


def test_models_toml_in_the_user_config_dir_is_read_when_no_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda appname: str(config / appname))
    assert catalog.current().override_error is None
    assert catalog.current().override_path is None
    (config / "veo-tools").mkdir(parents=True)
    write(config / "veo-tools", '[models."veo-3.1-fl"]\nprice_usd = 0.3\n')
    catalog.use(None)
    assert get_model("veo-3.1-fl").price_usd == 0.3
    assert catalog.current().override_path == config / "veo-tools" / "models.toml"


def test_settings_read_the_models_file_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_MODELS", str(tmp_path / "from-env.toml"))
    assert Settings.from_env().models_file == tmp_path / "from-env.toml"
    explicit = Settings.from_env(models_file=str(tmp_path / "explicit.toml"))
    assert explicit.models_file == tmp_path / "explicit.toml"


async def test_an_explicit_models_file_in_settings_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_settings: Settings
) -> None:
    from_env = write(tmp_path, '[models."veo-3.1"]\nprice_usd = 0.5\n', "env.toml")
    explicit = write(tmp_path, '[models."veo-3.1"]\nprice_usd = 0.7\n', "explicit.toml")
    monkeypatch.setenv("VEO_TOOLS_MODELS", str(from_env))
    assert get_model("veo-3.1").price_usd == 0.5
    settings = Settings.from_env(
        sandbox=True,
        models_file=explicit,
        state_dir=sandbox_settings.state_dir,
        output_dir=sandbox_settings.output_dir,
    )
    async with VeoService(settings) as service:
        assert service.settings.models_file == explicit
        assert get_model("veo-3.1").price_usd == 0.7
        assert catalog.current().override_path == explicit


def test_an_override_error_is_logged_once_as_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = load_catalog(write(tmp_path, '[models."veo-3.1"]\ntier = "slow"\n'))
    with caplog.at_level(logging.WARNING, logger="veo_tools.catalog"):
        catalog.use(bad)
        catalog.use(load_catalog(tmp_path / "models.toml"))
        get_model("veo-3.1")
    warnings = [r for r in caplog.records if r.name == "veo_tools.catalog"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "field 'tier'" in warnings[0].getMessage()


def test_the_readme_override_example_applies_cleanly(tmp_path: Path) -> None:
    (example,) = re.findall(r"```toml\n(.*?)```", README.read_text("utf-8"), flags=re.S)
    loaded = load_catalog(write(tmp_path, example))
    assert loaded.override_error is None
    assert loaded.models["veo-3.1-landscape-fast"].lifecycle.status == "active"
