"""The stacks pick free ports when they are planned and bind them a while later; a port taken in between (an
outgoing connection's ephemeral port, say) must not fail the run."""

from __future__ import annotations

import socket
from pathlib import Path

from tools.devstack import Ports, Stack


def test_redis_moves_to_another_port_when_its_planned_one_was_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        planned = taken.getsockname()[1]
        ports = Ports.free()
        ports.redis = planned
        stack = Stack(tmp_path / "stack", ports, quiet=True, ephemeral=True)
        stack.state_dir.mkdir(parents=True)
        try:
            url = stack.start_redis()
            with socket.create_connection(("127.0.0.1", stack.ports.redis), timeout=2) as redis:
                redis.sendall(b"PING\r\n")
                assert redis.recv(16).startswith(b"+PONG")
        finally:
            stack.stop()
    assert stack.ports.redis != planned and url == f"redis://127.0.0.1:{stack.ports.redis}/0"
