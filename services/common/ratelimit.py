"""Attempt limits in Redis, shared by every replica of a service, exact under concurrency.

Each subject (an address, an email at an address) has a counter of counted attempts in a fixed window and a count of
attempts in flight. An attempt starts only while the attempts in flight could not push the counter past its limit
(otherwise it waits for them), so of a hundred parallel guesses against a limit of ten, exactly ten are evaluated,
while parallel attempts that do not count (correct passwords) all go ahead.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Iterator, Mapping

from redis.asyncio import Redis

from services.common.errors import ResourceExhausted

# KEYS come in pairs per subject: its counter, its in-flight count. ARGV[1] is the in-flight keys' lifetime (they
# heal by themselves if a process dies mid-attempt), ARGV[1 + n] the limit of the n-th subject. Answers the seconds
# until a spent counter frees up, -1 while attempts in flight might spend one, 0 once the attempt is in flight.
_BEGIN = """
local busy = false
for i = 1, #KEYS, 2 do
  local limit = tonumber(ARGV[1 + (i + 1) / 2])
  local counted = tonumber(redis.call('GET', KEYS[i]) or '0')
  if counted >= limit then
    return math.max(redis.call('TTL', KEYS[i]), 1)
  end
  if counted + tonumber(redis.call('GET', KEYS[i + 1]) or '0') >= limit then busy = true end
end
if busy then return -1 end
for i = 2, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
return 0
"""

# Same KEYS; ARGV[1] is the window, ARGV[2] '1' when the attempt counts. A new counter expires with its window.
_END = """
for i = 1, #KEYS, 2 do
  if tonumber(redis.call('GET', KEYS[i + 1]) or '0') > 0 then redis.call('DECR', KEYS[i + 1]) end
  if ARGV[2] == '1' and redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
end
return 0
"""

IN_FLIGHT_TTL_S = 60
POLL_S = 0.05


@dataclass
class Attempt:
    counts: bool = False  # set by the block when its outcome counts against the limit


@contextlib.contextmanager
def judging(attempt: Attempt, counted: tuple[type[BaseException], ...]) -> Iterator[Attempt]:
    """Runs the attempt's block and decides whether it counts: it does when the block raises one of `counted` (or
    sets `counts` itself), never when anything else goes wrong."""
    try:
        yield attempt
    except counted:
        attempt.counts = True
        raise
    except BaseException:
        attempt.counts = False
        raise


class FixedWindowLimiter:
    """Named subjects with their own limits and one window, e.g. per (email, address) and per address."""

    def __init__(self, redis: Redis, prefix: str, window_s: int, limits: Mapping[str, int], refusal: str,
                 max_wait_s: float = 10.0):
        self._redis = redis
        self._prefix = prefix
        self._window_s = window_s
        self._limits = dict(limits)
        self._refusal = refusal  # e.g. "too many failed sign-ins"
        self._max_wait_s = max_wait_s
        self._begin = redis.register_script(_BEGIN)
        self._end = redis.register_script(_END)

    @contextlib.asynccontextmanager
    async def attempt(self, counted: tuple[type[BaseException], ...] = (), **subjects: str) -> AsyncIterator[Attempt]:
        """One attempt of every named subject, in flight while the block runs. It counts when the block raises one
        of `counted` or sets `counts`; nothing counts when anything else goes wrong. RESOURCE_EXHAUSTED when a
        subject's limit is spent."""
        keys = self._keys(subjects)
        if wait_s := await self._start(keys, [self._limits[name] for name in subjects]):
            raise ResourceExhausted(f"{self._refusal}; try again in {wait_s} s", retry_after_s=wait_s)
        attempt = Attempt()
        try:
            with judging(attempt, counted):
                yield attempt
        finally:
            await self._end(keys=keys, args=[self._window_s, "1" if attempt.counts else "0"])

    async def forget(self, **subjects: str) -> None:
        """Resets the subjects' counters."""
        await self._redis.delete(*(self._counter(name, subject) for name, subject in subjects.items()))

    async def _start(self, keys: list[str], limits: list[int]) -> int:
        """0 once the attempt is in flight; else the seconds until a spent limit frees up. Waits while attempts
        in flight could still spend a limit."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._max_wait_s
        while (answer := int(await self._begin(keys=keys, args=[IN_FLIGHT_TTL_S, *limits]))) < 0:
            if loop.time() >= deadline:
                return 1
            await asyncio.sleep(POLL_S)
        return answer

    def _counter(self, name: str, subject: str) -> str:
        return f"{self._prefix}:{name}:{subject}"

    def _keys(self, subjects: Mapping[str, str]) -> list[str]:
        keys = []
        for name, subject in subjects.items():
            keys += [self._counter(name, subject), self._counter(name, subject) + ":in-flight"]
        return keys
