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


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
@pytest.mark.parametrize("name", ["VEO_TOOLS_BUDGET_USD", "VEO_TOOLS_TIME_SCALE"])
def test_non_finite_settings_are_refused_with_the_variable_name(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name) as exc:
        Settings.from_env({name: value})
    assert "finite" in exc.value.message


@pytest.mark.parametrize(
    ("name", "value"), [("VEO_TOOLS_BUDGET_USD", "-1"), ("VEO_TOOLS_TIME_SCALE", "-0.5")]
)
def test_negative_settings_are_refused_with_the_variable_name(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize("override", [{"time_scale": float("nan")}, {"budget_usd": float("inf")}])
def test_non_finite_arguments_are_refused_too(override: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError, match="finite"):
        Settings.from_env({}, **override)


@pytest.mark.parametrize(
    "url",
    [
        "api.apiyi.com",
        "htps://api.apiyi.com",
        "ftp://api.apiyi.com",
        "https://",
        "https:///v1",
        "http://[::1",
        "https://user:pass@api.apiyi.com",
        "https://api.apiyi.com/?key=1",
        "https://api.apiyi.com/v1 x",
    ],
)
def test_a_base_url_that_is_not_an_http_origin_is_refused_at_start(url: str) -> None:
    with pytest.raises(ConfigurationError, match="APIYI_BASE_URL"):
        Settings.from_env({"APIYI_BASE_URL": url, "APIYI_API_KEY": KEY})


@pytest.mark.parametrize(
    "url", ["https://api.apiyi.com", "https://vip.apiyi.com/", "http://127.0.0.1:8080"]
)
def test_http_and_https_origins_are_accepted(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert Settings.from_env({"APIYI_BASE_URL": url}).base_url == url
    assert caplog.text == ""


def test_plain_http_to_a_remote_host_is_accepted_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        Settings.from_env({"APIYI_BASE_URL": "http://proxy.example.com"})
    assert "unencrypted" in caplog.text


@pytest.mark.parametrize(
    ("inside", "code"), [("\u200b", "U+200B"), (" ", "U+0020"), ("\t", "U+0009"), ("é", "U+00E9")]
)
def test_a_key_with_an_invisible_space_or_non_ascii_character_inside_is_refused(
    inside: str, code: str
) -> None:
    key = KEY[:10] + inside + KEY[10:]
    with pytest.raises(ConfigurationError, match="APIYI_API_KEY") as exc:
        Settings.from_env({"APIYI_API_KEY": key})
    assert code in exc.value.message and "position 11" in exc.value.message
    assert KEY[:10] not in exc.value.message and KEY[10:] not in exc.value.message
