"""Configuration: one clear line naming file, key and expectation; secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONFIG, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid_and_defaults_to_shanghai() -> None:
    config = load_config(DEFAULT_CONFIG, env={})
    assert config.timezone == "Asia/Shanghai" and config.bot.token is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("bot:\n  mdoe: polling\n", "bot.mdoe: unknown key"),
        ("bot:\n  mode: pull\n", "bot.mode:"),
        ("timezone: Mars/Olympus\n", "timezone:"),
        ("bot:\n  rate_limit:\n    overall_per_second: many\n", "bot.rate_limit.overall_per_second:"),
        ("knowledge:\n  answer_threshold: 2\n", "knowledge.answer_threshold:"),
        ("bot:\n  token: '123:abc'\n", "TELEGRAM_BOT_TOKEN"),
        ("bot: [1, 2\n", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and fragment in message


def test_environment_overrides_token_database_and_api_url(tmp_path: Path) -> None:
    path = write(tmp_path, "database:\n  url: sqlite:///data/x.db\n")
    config = load_config(path, env={
        "TELEGRAM_BOT_TOKEN": "1:abc", "DATABASE_URL": "postgresql+psycopg://u@h/db",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/",
    })
    assert config.bot.token == "1:abc"
    assert config.database_url == "postgresql+psycopg://u@h/db"
    assert config.bot.api_base_url == "http://127.0.0.1:9"


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "database:\n  url: sqlite:///data/x.db\n"), env={})
    assert config.database_url == f"sqlite:///{tmp_path}/data/x.db"


def test_cadrebot_config_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "timezone: Asia/Urumqi\n")
    monkeypatch.setenv("CADREBOT_CONFIG", str(path))
    assert load_config().timezone == "Asia/Urumqi"
