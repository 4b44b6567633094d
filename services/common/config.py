"""Settings from environment variables, typed, with defaults that run the platform on one laptop.

Every variable is listed once in SETTINGS; the README's configuration table is the same list.
"""

from __future__ import annotations

import builtins
import os
from dataclasses import dataclass, field
from typing import Mapping

SERVICES = ("auth", "campaign", "idea", "coin", "search", "notification", "analytics")
DEFAULT_PORTS = {name: 50051 + i for i, name in enumerate(SERVICES)}


def port_variable(service: str) -> str:
    return f"COINS_{service.upper()}_PORT"


def ops_port_variable(service: str) -> str:
    return f"COINS_{service.upper()}_OPS_PORT"


def target_variable(service: str) -> str:
    return f"COINS_{service.upper()}_TARGET"


@dataclass(frozen=True)
class Settings:
    """One process's settings. Fields with repr=False are secrets, or hold one: they never reach a log line."""

    service: str
    bind_host: str
    port: int
    ops_port: int  # HTTP /metrics and /healthz (services/common/ops.py); 0 turns it off
    database_url: str = field(repr=False)
    redis_url: str = field(repr=False)
    jwt_private_key_file: str
    jwt_public_key_file: str
    service_token_secret: str = field(repr=False)
    page_token_secret: str = field(repr=False)
    access_token_ttl_s: int
    refresh_token_ttl_s: int
    admin_email: str
    admin_password: str = field(repr=False)
    login_attempts_per_email: int
    login_attempts_per_address: int
    login_window_s: int
    registrations_per_address: int
    registration_window_s: int
    password_hashing_concurrency: int
    trusted_proxy_hops: int
    email_verification_ttl_s: int
    invitation_ttl_s: int
    log_level: str
    access_log: bool
    shutdown_grace_s: float
    db_pool_size: int
    scheduler_interval_s: float
    campaign_ending_notice_s: int
    public_url: str
    targets: Mapping[str, str] = field(default_factory=dict)
    events: "EventSettings" = field(default_factory=lambda: EventSettings())

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] = os.environ) -> "Settings":
        env = _Env(environ)
        host = env.str("COINS_TARGET_HOST", "127.0.0.1")
        ports = {name: env.int(port_variable(name), DEFAULT_PORTS[name]) for name in SERVICES}
        return cls(
            service=service,
            bind_host=env.str("COINS_BIND_HOST", "127.0.0.1"),
            port=ports[service],
            ops_port=env.int(ops_port_variable(service), DEFAULT_PORTS[service] + 1000),
            database_url=asyncpg_url(env.str("DATABASE_URL", "postgresql://coins@127.0.0.1:5432/coins")),
            redis_url=env.str("REDIS_URL", "redis://127.0.0.1:6379/0"),
            jwt_private_key_file=env.str("COINS_JWT_PRIVATE_KEY_FILE", ".dev/keys/jwt-private.pem"),
            jwt_public_key_file=env.str("COINS_JWT_PUBLIC_KEY_FILE", ".dev/keys/jwt-public.pem"),
            service_token_secret=env.str("COINS_SERVICE_TOKEN_SECRET", ""),
            # Signs page tokens; every replica of every service needs the same one.
            page_token_secret=env.str("COINS_PAGE_TOKEN_SECRET", env.str("COINS_SERVICE_TOKEN_SECRET", "")),
            access_token_ttl_s=env.int("COINS_ACCESS_TOKEN_TTL_S", 900),
            refresh_token_ttl_s=env.int("COINS_REFRESH_TOKEN_TTL_S", 30 * 24 * 3600),
            admin_email=env.str("COINS_ADMIN_EMAIL", ""),
            admin_password=env.str("COINS_ADMIN_PASSWORD", ""),
            login_attempts_per_email=env.int("COINS_LOGIN_ATTEMPTS_PER_EMAIL", 10),
            login_attempts_per_address=env.int("COINS_LOGIN_ATTEMPTS_PER_ADDRESS", 50),
            login_window_s=env.int("COINS_LOGIN_WINDOW_S", 300),
            registrations_per_address=env.int("COINS_REGISTRATIONS_PER_ADDRESS", 20),
            registration_window_s=env.int("COINS_REGISTRATION_WINDOW_S", 3600),
            password_hashing_concurrency=env.int("COINS_PASSWORD_HASHING_CONCURRENCY", 2),
            trusted_proxy_hops=env.int("COINS_TRUSTED_PROXY_HOPS", 1),
            email_verification_ttl_s=env.int("COINS_EMAIL_VERIFICATION_TTL_S", 48 * 3600),
            invitation_ttl_s=env.int("COINS_INVITATION_TTL_S", 14 * 24 * 3600),
            log_level=env.str("COINS_LOG_LEVEL", "INFO").upper(),
            access_log=env.bool("COINS_ACCESS_LOG", True),
            shutdown_grace_s=env.float("COINS_SHUTDOWN_GRACE_S", 10.0),
            db_pool_size=env.int("COINS_DB_POOL_SIZE", 10),
            scheduler_interval_s=env.float("COINS_SCHEDULER_INTERVAL_S", 5.0),
            campaign_ending_notice_s=env.int("COINS_CAMPAIGN_ENDING_NOTICE_S", 24 * 3600),
            public_url=env.str("COINS_PUBLIC_URL", "http://localhost:8080").rstrip("/"),
            targets={name: env.str(target_variable(name), f"{host}:{ports[name]}") for name in SERVICES},
            events=EventSettings.from_env(environ),
        )


@dataclass(frozen=True)
class EventSettings:
    """The events backbone (services/common/events.py): stream cap, retries of failing consumers, relay polling."""

    stream_maxlen: int = 1_000_000
    max_attempts: int = 5
    retry_base_s: float = 1.0
    retry_max_s: float = 300.0
    relay_poll_s: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "EventSettings":
        env = _Env(environ)
        return cls(
            stream_maxlen=env.int("COINS_EVENTS_STREAM_MAXLEN", 1_000_000),
            max_attempts=env.int("COINS_EVENTS_MAX_ATTEMPTS", 5),
            retry_base_s=env.float("COINS_EVENTS_RETRY_BASE_S", 1.0),
            retry_max_s=env.float("COINS_EVENTS_RETRY_MAX_S", 300.0),
            relay_poll_s=env.float("COINS_EVENTS_RELAY_POLL_S", 1.0),
        )


@dataclass(frozen=True)
class GatewaySettings:
    """What the Envoy gateway's generated configuration reads (gateway/generate.py)."""

    port: int
    admin_port: int
    bind_host: str
    rate_limit_per_s: int
    cors_origins: tuple[str, ...]
    otlp_endpoint: str = ""  # the collector the services export to: Envoy's traces join theirs

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "GatewaySettings":
        env = _Env(environ)
        return cls(
            port=env.int("COINS_GATEWAY_PORT", 8080),
            admin_port=env.int("COINS_GATEWAY_ADMIN_PORT", 9901),
            bind_host=env.str("COINS_GATEWAY_BIND_HOST", "127.0.0.1"),
            rate_limit_per_s=env.int("COINS_GATEWAY_RATE_LIMIT_PER_S", 1000),
            cors_origins=tuple(o for o in env.str("COINS_CORS_ORIGINS", "*").split(",") if o),
            otlp_endpoint=env.str("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
        )


@dataclass(frozen=True)
class LauncherSettings:
    """What the local launcher (tools/devstack.py, `make dev`, the tests' stack) reads: a database or cache to use
    instead of starting its own, and the first admin it configures."""

    database_url: str | None = field(repr=False)
    redis_url: str | None = field(repr=False)
    admin_email: str
    admin_password: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, *, default_admin_email: str = "",
                 default_admin_password: str = "") -> "LauncherSettings":
        env = _Env(environ)
        return cls(database_url=env.str("DATABASE_URL", "") or None, redis_url=env.str("REDIS_URL", "") or None,
                   admin_email=env.str("COINS_ADMIN_EMAIL", default_admin_email),
                   admin_password=env.str("COINS_ADMIN_PASSWORD", default_admin_password))



@dataclass(frozen=True)
class MailSettings:
    """Outgoing mail (services/notification/mail.py): the SMTP server, its account and the sender. The defaults
    reach the dev mailbox (tools/mailbox.py) that `make dev` starts."""

    host: str = "127.0.0.1"
    port: int = 2525
    username: str = ""  # empty: no login
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout_s: float = 10.0
    sender: str = "Coins for Change <no-reply@coins.local>"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "MailSettings":
        env = _Env(environ)
        return cls(
            host=env.str("COINS_SMTP_HOST", "127.0.0.1"),
            port=env.int("COINS_SMTP_PORT", 2525),
            username=env.str("COINS_SMTP_USERNAME", ""),
            password=env.str("COINS_SMTP_PASSWORD", ""),
            starttls=env.bool("COINS_SMTP_STARTTLS", False),
            timeout_s=env.float("COINS_SMTP_TIMEOUT_S", 10.0),
            sender=env.str("COINS_MAIL_FROM", "Coins for Change <no-reply@coins.local>"),
        )


@dataclass(frozen=True)
class NotificationSettings:
    """The notification service's own knobs: live stream heartbeats, the mail queue and digests."""

    heartbeat_s: float = 15.0
    mail_workers: int = 1  # one sender leaves coin moves their CPU during a fan-out (bench/README.md)
    mail_retry_base_s: float = 2.0
    mail_retry_max_s: float = 600.0
    mail_poll_s: float = 1.0
    digest_interval_s: float = 24 * 3600.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "NotificationSettings":
        env = _Env(environ)
        return cls(
            heartbeat_s=env.float("COINS_NOTIFY_HEARTBEAT_S", 15.0),
            mail_workers=env.int("COINS_MAIL_WORKERS", 1),
            mail_retry_base_s=env.float("COINS_MAIL_RETRY_BASE_S", 2.0),
            mail_retry_max_s=env.float("COINS_MAIL_RETRY_MAX_S", 600.0),
            mail_poll_s=env.float("COINS_MAIL_POLL_S", 1.0),
            digest_interval_s=env.float("COINS_DIGEST_INTERVAL_S", 24 * 3600.0),
        )

def asyncpg_url(url: str) -> str:
    """Accepts the usual postgresql:// form and gives the SQLAlchemy asyncpg dialect."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    raise ValueError(f"DATABASE_URL must start with postgresql://, got {url.split('://')[0]}://")


class _Env:
    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def str(self, name: str, default: str) -> str:
        return self._environ.get(name, default)

    # The methods are named after the types they read; `builtins.` keeps the annotations below them unambiguous.
    def int(self, name: builtins.str, default: int) -> int:
        return self._parse(name, default, int)

    def float(self, name: builtins.str, default: builtins.float) -> builtins.float:
        return self._parse(name, default, float)

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        raw = self._environ.get(name)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} must be true or false, got {raw!r}")

    def _parse(self, name, default, kind):
        raw = self._environ.get(name)
        if raw is None:
            return default
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{name} must be a {kind.__name__}, got {raw!r}") from None


SEARCH_BACKENDS = ("postgres", "opensearch")


@dataclass(frozen=True)
class SearchSettings:
    """Which backend answers searches, and where OpenSearch is when it does."""

    backend: str = "postgres"
    opensearch_url: str = "http://127.0.0.1:9200"
    opensearch_index: str = "coins-ideas"  # the alias; versioned indexes behind it are named <alias>-v<ms>
    index_batch: int = 500  # events per read-model transaction, documents per OpenSearch bulk request

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "SearchSettings":
        env = _Env(environ)
        backend = env.str("COINS_SEARCH_BACKEND", "postgres")
        if backend not in SEARCH_BACKENDS:
            raise ValueError(f"COINS_SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, got {backend!r}")
        return cls(
            backend=backend,
            opensearch_url=env.str("COINS_OPENSEARCH_URL", "http://127.0.0.1:9200"),
            opensearch_index=env.str("COINS_OPENSEARCH_INDEX", "coins-ideas"),
            index_batch=env.int("COINS_SEARCH_INDEX_BATCH", 500),
        )
