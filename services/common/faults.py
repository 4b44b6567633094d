"""Crash points for the fault tests. `COINS_CRASH_AT` names one; the process that reaches it dies at once by
SIGKILL, as it would in a power cut, with nothing flushed or cleaned up. Unset, a crash point costs one string
comparison."""

from __future__ import annotations

import os
import signal

CRASH_AT = os.environ.get("COINS_CRASH_AT", "")


def crash_point(name: str) -> None:
    if name == CRASH_AT:
        os.kill(os.getpid(), signal.SIGKILL)
