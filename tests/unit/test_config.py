import pytest

from services.common.config import Settings, asyncpg_url


def test_defaults_run_on_one_machine():
    settings = Settings.from_env("coin", {})
    assert settings.port == 50054
    assert settings.targets["auth"] == "127.0.0.1:50051"
    assert settings.database_url.startswith("postgresql+asyncpg://")


def test_environment_overrides_are_typed():
    settings = Settings.from_env("auth", {"COINS_AUTH_PORT": "6001", "COINS_ACCESS_LOG": "off",
                                          "COINS_COIN_TARGET": "coin:50054"})
    assert settings.port == 6001 and settings.access_log is False
    assert settings.targets["coin"] == "coin:50054"


def test_bad_values_name_the_variable():
    with pytest.raises(ValueError, match="COINS_AUTH_PORT"):
        Settings.from_env("auth", {"COINS_AUTH_PORT": "eighty"})
    with pytest.raises(ValueError, match="COINS_ACCESS_LOG"):
        Settings.from_env("auth", {"COINS_ACCESS_LOG": "maybe"})


def test_database_urls():
    assert asyncpg_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    with pytest.raises(ValueError):
        asyncpg_url("mysql://u@h/db")
