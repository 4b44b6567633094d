"""Secrets in settings never show in a repr (logs, tracebacks, debuggers print it)."""

from services.common.config import LauncherSettings, Settings

SECRETS = {"COINS_SERVICE_TOKEN_SECRET": "service-secret-1", "COINS_PAGE_TOKEN_SECRET": "page-secret-2",
           "COINS_ADMIN_PASSWORD": "admin-password-3", "DATABASE_URL": "postgresql://coins:db-password-4@db/coins",
           "REDIS_URL": "redis://:redis-password-5@cache:6379/0"}


def test_no_secret_shows_in_the_settings_repr():
    shown = repr(Settings.from_env("auth", SECRETS))
    assert "Settings(service='auth'" in shown
    for marker in ("service-secret-1", "page-secret-2", "admin-password-3", "db-password-4", "redis-password-5"):
        assert marker not in shown


def test_the_launcher_uses_given_servers_and_hides_their_secrets():
    given = LauncherSettings.from_env(SECRETS, default_admin_email="a@b.c", default_admin_password="x")
    assert (given.database_url, given.admin_password) == (SECRETS["DATABASE_URL"], "admin-password-3")
    assert "db-password-4" not in repr(given) and "admin-password-3" not in repr(given)
    own = LauncherSettings.from_env({"DATABASE_URL": ""}, default_admin_email="a@b.c", default_admin_password="x")
    assert (own.database_url, own.redis_url, own.admin_email) == (None, None, "a@b.c")  # start its own servers
