"""Fixed-window counters in Redis, shared by every replica of a service."""

from __future__ import annotations

from redis.asyncio import Redis

# INCR and set the window's expiry in one round trip; returns the count and the seconds the window has left.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
"""


class FixedWindowLimiter:
    def __init__(self, redis: Redis, prefix: str, limit: int, window_s: int):
        self._redis = redis
        self._prefix = prefix
        self._limit = limit
        self._window_s = window_s
        self._hit = redis.register_script(_HIT)

    async def blocked_for(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        full_key = f"{self._prefix}:{key}"
        count = await self._redis.get(full_key)
        if count is None or int(count) < self._limit:
            return 0
        return max(1, await self._redis.ttl(full_key))

    async def hit(self, key: str) -> None:
        await self._hit(keys=[f"{self._prefix}:{key}"], args=[self._window_s])

    async def clear(self, key: str) -> None:
        await self._redis.delete(f"{self._prefix}:{key}")
