"""A real OpenSearch node on 127.0.0.1 for dev and tests, from Maven Central jars: no Docker, no tarball.

`build()` compiles the launcher beside this file (pom.xml + CoinsSearchNode.java) with Maven once per change of
its sources, into a cache outside the repo (~/.cache/coins-for-change/opensearch/<hash>/: classes/ and lib/), so
later runs and other clones on the same machine start in seconds. `OpenSearchNode` starts one node on a data
directory, waits until it answers, stops it and restarts it on the same data. Standard library only: sync
tooling imports this module too.

    python -m tools.opensearch.node [--port 9200] [--data .dev/opensearch]   # serve until Ctrl-C
    python -m tools.opensearch.node --build                                   # only build (bootstrap, CI)

COINS_OPENSEARCH_HEAP sets the JVM heap (default 512m).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from tools.net import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAIN_CLASS = "coins.opensearch.CoinsSearchNode"
DEFAULT_HEAP = "512m"
LOG_NAME = "opensearch.log"
# A loopback node is asked directly, whatever http_proxy a developer's shell exports.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class OpenSearchError(RuntimeError):
    """The launcher did not build, or the node did not come up."""


# ---- build ---------------------------------------------------------------------------------------------------


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coins-for-change" / "opensearch"


def _sources() -> list[Path]:
    return [HERE / "pom.xml", *sorted(path for path in (HERE / "src").rglob("*") if path.is_file())]


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(path.relative_to(HERE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Two test runs (or `make dev` and a test run) building at once would both download and race on the rename.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build() -> Path:
    """The launcher built from the current sources: a directory holding classes/ and lib/. Runs Maven only when
    that directory is missing; offline first (the local repository usually has every jar), then online."""
    built = cache_root() / source_hash()
    if built.is_dir():
        return built
    built.parent.mkdir(parents=True, exist_ok=True)
    with _locked(built.parent / ".lock"):
        if built.is_dir():  # another process built it while we waited for the lock
            return built
        mvn = shutil.which("mvn")
        if mvn is None:
            raise OpenSearchError("mvn is not on PATH: Maven builds the OpenSearch launcher (apt-get install maven)")
        print("building the OpenSearch launcher (first time, ~1 min)…", file=sys.stderr, flush=True)
        started = time.monotonic()
        # Built in a scratch copy beside the cache, never in the repo, then renamed into place in one step: a
        # half-built directory is never taken for a built one.
        with tempfile.TemporaryDirectory(dir=built.parent, prefix=".build-") as scratch:
            work = Path(scratch)
            shutil.copy2(HERE / "pom.xml", work / "pom.xml")
            shutil.copytree(HERE / "src", work / "src")
            command = [mvn, "-q", "-B", "-f", str(work / "pom.xml"), "package"]
            result = subprocess.run([*command[:3], "-o", *command[3:]], capture_output=True, text=True)
            if result.returncode != 0:
                print("…fetching its jars from Maven Central (45 MB)", file=sys.stderr, flush=True)
                result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                output = _tail(result.stdout + result.stderr)
                raise OpenSearchError(f"mvn package failed ({result.returncode}):\n{output}")
            (work / "out").mkdir()
            (work / "target" / "classes").rename(work / "out" / "classes")
            (work / "target" / "lib").rename(work / "out" / "lib")
            (work / "out").rename(built)
        print(f"built the OpenSearch launcher in {time.monotonic() - started:.0f} s ({built})", file=sys.stderr,
              flush=True)
    return built


# ---- the node ------------------------------------------------------------------------------------------------


class OpenSearchNode:
    """One OpenSearch node, its own process group, everything it writes under the data directory given to start():
    data/, home/, logs/, tmp/ and opensearch.log (its log, kept across restarts)."""

    def __init__(self, *, cluster_name: str = "coins-search", heap: str | None = None,
                 startup_timeout: float = 60.0) -> None:
        self.cluster_name = cluster_name
        self.heap = heap or os.environ.get("COINS_OPENSEARCH_HEAP") or DEFAULT_HEAP
        self.startup_timeout = startup_timeout
        self.data_dir: Path | None = None
        self.http_port: int | None = None
        self.transport_port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.http_port is None:
            raise OpenSearchError("the node was never started")
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self) -> Path:
        if self.data_dir is None:
            raise OpenSearchError("the node was never started")
        return self.data_dir / LOG_NAME

    def start(self, data_dir: Path, http_port: int, transport_port: int | None = None) -> str:
        """Starts the node and returns its URL once the cluster is at least yellow."""
        if self.running:
            raise OpenSearchError(f"already running at {self.url}")
        launcher = build()
        self.data_dir = data_dir.resolve()
        self.http_port = http_port
        self.transport_port = transport_port or free_port()
        for port in (self.http_port, self.transport_port):
            _ensure_free(port)
        for sub in ("data", "home", "logs", "tmp"):
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            # stdin stays a pipe only we hold: if this process dies without stop(), the node sees it close and exits.
            self._process = subprocess.Popen(self._command(launcher), cwd=self.data_dir, stdin=subprocess.PIPE,
                                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (the node closes its shards cleanly), then SIGKILL if it has not exited within `timeout`."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process.stdin is not None:
            process.stdin.close()

    def restart(self) -> str:
        """Stops the node and starts it again on the same data directory and ports; returns its URL."""
        if self.data_dir is None or self.http_port is None:
            raise OpenSearchError("the node was never started")
        self.stop()
        return self.start(self.data_dir, self.http_port, self.transport_port)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path.read_text(errors="replace"), lines) if self.log_path.exists() else ""

    def __enter__(self) -> OpenSearchNode:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _command(self, launcher: Path) -> list[str]:
        assert self.data_dir is not None
        java_home = os.environ.get("JAVA_HOME")  # the JDK Maven built with, as mvn picks it
        java = str(Path(java_home) / "bin" / "java") if java_home else "java"
        return [
            java, f"-Xms{self.heap}", f"-Xmx{self.heap}",
            "-XX:+ExitOnOutOfMemoryError",  # no bootstrap handler on this route: die loudly rather than limp
            # Nothing outside the data directory: no hsperfdata in /tmp, temp files and crash reports here.
            "-XX:-UsePerfData", f"-XX:ErrorFile={self.data_dir / 'hs_err_pid%p.log'}",
            f"-Djava.io.tmpdir={self.data_dir / 'tmp'}",
            # log4j's own shutdown hook would race the node's close() and drop its last lines.
            "-Dlog4j.shutdownHookEnabled=false", "-Dlog4j2.disable.jmx=true",
            "-cp", f"{launcher / 'classes'}{os.pathsep}{launcher / 'lib' / '*'}", MAIN_CLASS,
            "--cluster-name", self.cluster_name,
            "--http-port", str(self.http_port), "--transport-port", str(self.transport_port),
            "--home", str(self.data_dir / "home"), "--data", str(self.data_dir / "data"),
            "--logs", str(self.data_dir / "logs"), "--exit-on-stdin-close",
        ]

    def _wait_ready(self) -> None:
        assert self._process is not None
        health = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise OpenSearchError(f"OpenSearch exited with code {self._process.returncode} while starting "
                                      f"(log {self.log_path}):\n{self.log_tail()}")
            try:
                with _direct.open(health, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or still red (408): ask again
            time.sleep(0.2)
        raise OpenSearchError(f"OpenSearch did not answer {health} within {self.startup_timeout:.0f} s "
                              f"(log {self.log_path}):\n{self.log_tail()}")


def _ensure_free(port: int) -> None:
    # Another node on the port would answer our health check and pass for this one.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a just-stopped node's TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise OpenSearchError(f"port {port} on 127.0.0.1 is already in use") from error


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ---- for people ----------------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the node as Ctrl-C does


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9200, help="HTTP port on 127.0.0.1 (default 9200)")
    parser.add_argument("--data", type=Path, default=ROOT / ".dev" / "opensearch",
                        help="data directory, kept between runs (default .dev/opensearch)")
    parser.add_argument("--build", action="store_true", help="build the launcher if needed, print where, and exit")
    args = parser.parse_args(argv)
    if args.build:
        print(build())
        return
    signal.signal(signal.SIGTERM, _interrupt)
    with OpenSearchNode() as node:
        try:
            url = node.start(args.data, args.port)
            print(f"OpenSearch is running at {url}  (data and log in {args.data}). Ctrl-C stops it.", flush=True)
            while node.running:
                time.sleep(0.5)
            print(f"OpenSearch exited; last lines of {node.log_path}:\n{node.log_tail()}", file=sys.stderr)
            sys.exit(1)
        except KeyboardInterrupt:
            print("stopping OpenSearch", flush=True)


if __name__ == "__main__":
    main()
