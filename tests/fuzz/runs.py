"""How long a fuzz run is, and the per-route table of what it tried."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

# The default suite replays the same few cases on every run; `make fuzz` explores with many more.
DERANDOMIZE = "COINS_FUZZ_EXAMPLES" not in os.environ


def examples(in_suite: int) -> int:
    """Examples per route and caller: `in_suite` in the default suite, COINS_FUZZ_EXAMPLES with `make fuzz`."""
    return int(os.environ.get("COINS_FUZZ_EXAMPLES", in_suite))


@dataclass
class Tally:
    """Requests tried and failures found per route; failures keep their first reproduction."""

    title: str
    tried: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    reproductions: dict[str, str] = field(default_factory=dict)

    def record(self, route: str, failure: str | None = None) -> None:
        self.tried[route] += 1
        if failure is not None:
            self.failed[route] += 1
            self.reproductions.setdefault(route, failure)

    def table(self) -> str:
        width = max(map(len, self.tried), default=5)
        lines = [self.title, f"{'route':<{width}}  {'tried':>6}  {'failed':>6}"]
        lines += [f"{route:<{width}}  {self.tried[route]:>6}  {self.failed[route]:>6}" for route in sorted(self.tried)]
        lines.append(f"{'total':<{width}}  {sum(self.tried.values()):>6}  {sum(self.failed.values()):>6}")
        return "\n".join(lines)

    def report(self) -> str:
        return "\n\n".join([self.table(), *(f"{route}:\n{text}" for route, text in sorted(self.reproductions.items()))])
