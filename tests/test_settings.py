import logging
from pathlib import Path

import pytest

from veo_tools.errors import ConfigurationError
from veo_tools.settings import DEFAULT_BASE_URL, Settings

KEY = "sk-test-secret-1234567890"


def test_environment_supplies_every_documented_variable(tmp_path: Path) -> None:
    env = {
        "APIYI_API_KEY": KEY,
        "APIYI_BASE_URL": "https://vip.apiyi.com",
        "VEO_TOOLS_OUTPUT_DIR": str(tmp_path / "out"),
        "VEO_TOOLS_STATE_DIR": str(tmp_path / "state"),
        "VEO_TOOLS_INPUT_DIRS": f"{tmp_path}/a:{tmp_path}/b",
        "VEO_TOOLS_BUDGET_USD": "5",
        "VEO_TOOLS_TIME_SCALE": "0.01",
    }
    s = Settings.from_env(env)
    assert s.require_key().get_secret_value() == KEY
    assert s.base_url == "https://vip.apiyi.com"
    assert s.output_dir == tmp_path / "out" and s.state_dir == tmp_path / "state"
    assert s.input_dirs == (tmp_path / "a", tmp_path / "b")
    assert (s.budget_usd, s.time_scale, s.sandbox) == (5.0, 0.01, False)


def test_explicit_arguments_win_over_the_environment() -> None:
    s = Settings.from_env(
        {"APIYI_API_KEY": KEY, "VEO_TOOLS_BUDGET_USD": "5"}, budget_usd=1.0, api_key="sk-other"
    )
    assert s.budget_usd == 1.0
    assert s.require_key().get_secret_value() == "sk-other"


def test_defaults_when_nothing_is_set() -> None:
    s = Settings.from_env({})
    assert s.base_url == DEFAULT_BASE_URL and s.budget_usd is None and s.time_scale == 1.0
    assert s.output_dir == Path("veo-output")


def test_missing_key_error_names_the_variable_and_the_sandbox() -> None:
    with pytest.raises(ConfigurationError) as exc:
        Settings.from_env({}).require_key()
    assert "APIYI_API_KEY" in str(exc.value) and "sandbox" in str(exc.value)


def test_sandbox_needs_no_key() -> None:
    s = Settings.from_env({"VEO_TOOLS_SANDBOX": "1"})
    assert s.sandbox and s.require_key()


@pytest.mark.parametrize(
    ("name", "value"), [("VEO_TOOLS_BUDGET_USD", "lots"), ("VEO_TOOLS_TIME_SCALE", "fast")]
)
def test_non_numeric_settings_are_refused_with_the_variable_name(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})


def test_zero_time_scale_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="time_scale"):
        Settings.from_env({}, time_scale=0)


def test_key_is_absent_from_repr_str_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    s = Settings.from_env({"APIYI_API_KEY": KEY})
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("veo_tools").info("settings: %s %r", s, s)
    assert KEY not in repr(s) and KEY not in str(s) and KEY not in caplog.text


def test_a_pasted_bearer_prefix_is_removed_from_the_key() -> None:
    s = Settings.from_env({"APIYI_API_KEY": f"Bearer {KEY}"})
    assert s.require_key().get_secret_value() == KEY
    assert Settings.from_env({}, api_key=f" bearer {KEY} ").require_key().get_secret_value() == KEY


def test_unknown_settings_are_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigurationError, match="budget_usd"):
        Settings.from_env({}, budget=3)


def test_a_server_started_in_the_root_directory_reads_no_local_images_and_writes_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir("/")
    s = Settings.from_env({})
    assert s.input_dirs == ()
    assert s.output_dir.is_absolute() and s.output_dir.name == "veo-tools"


def test_a_normal_working_directory_is_the_default_for_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({})
    assert s.input_dirs == (tmp_path,) and s.output_dir == Path("veo-output")
