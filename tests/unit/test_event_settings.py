import pytest

from services.common.config import EventSettings, Settings


def test_event_settings_have_defaults_and_read_the_environment():
    assert Settings.from_env("coin", {}).events == EventSettings()
    read = Settings.from_env("idea", {"COINS_EVENTS_STREAM_MAXLEN": "5000", "COINS_EVENTS_MAX_ATTEMPTS": "3",
                                      "COINS_EVENTS_RETRY_BASE_S": "0.5", "COINS_EVENTS_RETRY_MAX_S": "60",
                                      "COINS_EVENTS_RELAY_POLL_S": "2"}).events
    assert read == EventSettings(stream_maxlen=5000, max_attempts=3, retry_base_s=0.5, retry_max_s=60.0,
                                 relay_poll_s=2.0)
    with pytest.raises(ValueError, match="COINS_EVENTS_MAX_ATTEMPTS"):
        EventSettings.from_env({"COINS_EVENTS_MAX_ATTEMPTS": "many"})
