"""The one way the platform opens Redis: a restarted or failed-over server costs a retry, not an error.

redis-py keeps pooled connections; after the server restarts, the first command on each fails with "Connection
closed by server" unless the client retries on connection errors, which it does not by default."""

from __future__ import annotations

from redis import exceptions
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

RETRIES = 3


def connect(url: str, *, read_timeout_s: float | None = 2.0) -> Redis:
    """`read_timeout_s=None` for connections that wait on purpose (pub/sub listeners): they check health instead."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=read_timeout_s,
                          health_check_interval=0 if read_timeout_s else 15,
                          retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
                          retry_on_error=[exceptions.ConnectionError, exceptions.TimeoutError])
