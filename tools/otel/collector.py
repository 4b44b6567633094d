"""The platform's OpenTelemetry Collector, built here with the OpenTelemetry builder from tools/otel/manifest.yaml and
run on free ports of 127.0.0.1 for tests and `make dev`.

No registry ships a collector binary, so `build()` installs the builder with `go install` (pinned, GOTOOLCHAIN=local)
and compiles the manifest's components once per change of the manifest, into a cache outside the repo
(~/.cache/coins-for-change/otelcol/<hash>/coins-otelcol): the first build takes a few minutes, later runs none.
`Collector` starts one process on a config file (the deployed one, k8s/components/observability/files/
otel-collector.yaml, whose addresses are `${env:…}` variables with in-cluster defaults), waits until its health check
answers, and stops it. Standard library only: sync tooling imports this module too.

    python -m tools.otel.collector build                 # build if needed, print the binary's path
    python -m tools.otel.collector run [--config FILE]   # a collector on 127.0.0.1 until Ctrl-C
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tools.net import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MANIFEST = HERE / "manifest.yaml"
DEPLOYED_CONFIG = ROOT / "k8s" / "components" / "observability" / "files" / "otel-collector.yaml"
BUILDER = "go.opentelemetry.io/collector/cmd/builder"
BUILDER_VERSION = "v0.165.0"  # the manifest's component version: the builder and its components release together
BINARY_NAME = "coins-otelcol"
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class CollectorError(RuntimeError):
    """The collector did not build, or did not come up."""


# ---- build ---------------------------------------------------------------------------------------------------


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coins-for-change" / "otelcol"


def manifest_hash() -> str:
    return hashlib.sha256(BUILDER_VERSION.encode() + b"\0" + MANIFEST.read_bytes()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Two test runs building at once would both compile for minutes and race on the rename.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _go_env() -> dict[str, str]:
    # The machine's Go, never a toolchain download the proxy may refuse.
    return {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}


def _builder() -> Path:
    """The pinned builder, installed into the cache (not the user's GOPATH/bin, where another version may live)."""
    bin_dir = cache_root() / f"builder-{BUILDER_VERSION}"
    builder = bin_dir / "builder"
    if builder.is_file():
        return builder
    go = shutil.which("go")
    if go is None:
        raise CollectorError("go is not on PATH: the OpenTelemetry builder compiles the collector")
    result = subprocess.run([go, "install", f"{BUILDER}@{BUILDER_VERSION}"], capture_output=True, text=True,
                            env={**_go_env(), "GOBIN": str(bin_dir)})
    if result.returncode != 0:
        raise CollectorError(f"go install {BUILDER}@{BUILDER_VERSION} failed:\n{_tail(result.stderr)}")
    return builder


def build() -> Path:
    """The collector binary for the current manifest; compiled only when the cache lacks it."""
    built = cache_root() / manifest_hash() / BINARY_NAME
    if built.is_file():
        return built
    built.parent.parent.mkdir(parents=True, exist_ok=True)
    with _locked(cache_root() / ".lock"):
        if built.is_file():  # another process built it while we waited for the lock
            return built
        builder = _builder()
        print("building the OpenTelemetry Collector (first time, a few minutes)…", file=sys.stderr, flush=True)
        started = time.monotonic()
        # Sources and binary in a scratch directory beside the cache, renamed into place in one step: a half-built
        # binary is never taken for a built one.
        with tempfile.TemporaryDirectory(dir=cache_root(), prefix=".build-") as scratch:
            work = Path(scratch)
            manifest = work / "manifest.yaml"
            manifest.write_text(MANIFEST.read_text().replace("dist:\n", f"dist:\n  output_path: {work / 'out'}\n", 1))
            result = subprocess.run([str(builder), "--config", str(manifest)], capture_output=True, text=True,
                                    env=_go_env())
            if result.returncode != 0:
                raise CollectorError(f"the OpenTelemetry builder failed ({result.returncode}):\n"
                                     f"{_tail(result.stdout + result.stderr)}")
            final = work / "final"
            final.mkdir()
            (work / "out" / BINARY_NAME).rename(final / BINARY_NAME)
            final.rename(built.parent)
        print(f"built the OpenTelemetry Collector in {time.monotonic() - started:.0f} s ({built})", file=sys.stderr,
              flush=True)
    return built


# ---- a running collector -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectorPorts:
    otlp_grpc: int
    otlp_http: int
    prometheus: int  # the Prometheus exporter's /metrics
    health: int
    telemetry: int  # the collector's own metrics

    @classmethod
    def free(cls) -> CollectorPorts:
        return cls(free_port(), free_port(), free_port(), free_port(), free_port())


class Collector:
    """One collector process on 127.0.0.1, its own process group; its log goes to `log_path`.

    `traces_to` is where traces go (host:port of an OTLP/gRPC receiver); the config's other addresses are set to
    this collector's free ports through the config's `${env:…}` variables."""

    def __init__(self, log_path: Path, traces_to: str, config: Path = DEPLOYED_CONFIG,
                 batch_timeout: str = "200ms", span_metrics_flush: str = "15s", startup_timeout: float = 30.0):
        self.log_path = log_path
        self.config = config
        self.ports = CollectorPorts.free()
        self._traces_to = traces_to
        self._batch_timeout = batch_timeout
        self._span_metrics_flush = span_metrics_flush
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def otlp_endpoint(self) -> str:
        """What OTEL_EXPORTER_OTLP_ENDPOINT names for the services and the gateway."""
        return f"http://127.0.0.1:{self.ports.otlp_grpc}"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.prometheus}/metrics"

    def environment(self) -> Mapping[str, str]:
        return {
            "COINS_OTELCOL_OTLP_GRPC_ENDPOINT": f"127.0.0.1:{self.ports.otlp_grpc}",
            "COINS_OTELCOL_OTLP_HTTP_ENDPOINT": f"127.0.0.1:{self.ports.otlp_http}",
            "COINS_OTELCOL_PROMETHEUS_ENDPOINT": f"127.0.0.1:{self.ports.prometheus}",
            "COINS_OTELCOL_HEALTH_ENDPOINT": f"127.0.0.1:{self.ports.health}",
            "COINS_OTELCOL_TELEMETRY_PORT": str(self.ports.telemetry),
            "COINS_OTELCOL_TELEMETRY_HOST": "127.0.0.1",
            "COINS_OTELCOL_TRACES_ENDPOINT": self._traces_to,
            "COINS_OTELCOL_BATCH_TIMEOUT": self._batch_timeout,
            "COINS_OTELCOL_SPAN_METRICS_FLUSH": self._span_metrics_flush,
        }

    def start(self) -> Collector:
        binary = build()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen([str(binary), "--config", str(self.config)],
                                             env={**os.environ, **self.environment()}, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (the collector flushes its batches), then SIGKILL after `timeout`."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path.read_text(errors="replace"), lines) if self.log_path.exists() else ""

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise CollectorError(f"the collector exited with code {self._process.returncode} while starting "
                                     f"(log {self.log_path}):\n{self.log_tail()}")
            with contextlib.suppress(urllib.error.URLError, OSError):
                with _direct.open(f"http://127.0.0.1:{self.ports.health}/", timeout=1) as answer:
                    if answer.status == 200:
                        return
            time.sleep(0.1)
        raise CollectorError(f"the collector was not healthy within {self._startup_timeout:.0f} s "
                             f"(log {self.log_path}):\n{self.log_tail()}")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ---- for people ----------------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the collector as Ctrl-C does


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the collector if needed and print its path")
    run = commands.add_parser("run", help="run a collector on free ports of 127.0.0.1 until Ctrl-C")
    run.add_argument("--config", type=Path, default=DEPLOYED_CONFIG)
    run.add_argument("--traces-to", default="127.0.0.1:4317", help="OTLP/gRPC receiver of the traces (host:port)")
    run.add_argument("--log", type=Path, default=ROOT / ".dev" / "logs" / "otel-collector.log")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build())
        return
    signal.signal(signal.SIGTERM, _interrupt)
    with Collector(args.log, args.traces_to, args.config) as collector:
        print(f"collector: OTLP gRPC at {collector.otlp_endpoint}, Prometheus at {collector.prometheus_url}, "
              f"log {args.log}. Ctrl-C stops it.", flush=True)
        try:
            while collector.running:
                time.sleep(0.5)
            print(f"the collector exited:\n{collector.log_tail()}", file=sys.stderr)
            sys.exit(1)
        except KeyboardInterrupt:
            print("stopping the collector", flush=True)


if __name__ == "__main__":
    main()
