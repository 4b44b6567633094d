"""Loopback ports for the project's own processes (dev stack, test stacks, the OpenSearch node, the collector).
Standard library only: the launchers import it before any dependency is installed."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick); the caller binds it soon after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
