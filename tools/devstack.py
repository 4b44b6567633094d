"""Starts the whole platform on this machine: a private PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL
name existing ones), the dev mailbox (SMTP, tools/mailbox.py), an OpenSearch node when search runs on it
(COINS_SEARCH_BACKEND=opensearch without COINS_OPENSEARCH_URL; tools/opensearch/), migrations, the seven services
and the Envoy gateway. `make dev` runs it in the foreground; the test suite starts the same stack on free ports.

    python -m tools.devstack up        # runs until Ctrl-C, then stops everything
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.generate import GatewayOptions
from gateway.generate import write as write_gateway_config
from services.common import migrations
from services.common.config import (
    DEFAULT_PORTS,
    SERVICES,
    LauncherSettings,
    ops_port_variable,
    port_variable,
    target_variable,
)
from tools import mailbox
from tools.net import free_port
from tools.opensearch.node import OpenSearchNode

ROOT = Path(__file__).resolve().parent.parent
DEV_ADMIN_EMAIL = "admin@coins.local"
DEV_ADMIN_PASSWORD = "change-me-admin"


def launcher_settings() -> LauncherSettings:
    return LauncherSettings.from_env(default_admin_email=DEV_ADMIN_EMAIL, default_admin_password=DEV_ADMIN_PASSWORD)


@dataclass
class Ports:
    postgres: int
    redis: int
    gateway: int
    gateway_admin: int
    mailbox: int  # SMTP
    opensearch: int  # HTTP, when search runs on OpenSearch
    services: dict[str, int]
    ops: dict[str, int]  # each service's HTTP /metrics and /healthz
    web: int = 58080  # the web app's static server (tools/webserver.py), behind the gateway
    reflection: int = 50050  # gRPC reflection of the public services (gateway/reflection.py), behind the gateway

    @classmethod
    def fixed(cls) -> "Ports":
        return cls(postgres=55432, redis=56379, gateway=8080, gateway_admin=9901, mailbox=2525, opensearch=59200,
                   services=dict(DEFAULT_PORTS), ops={name: port + 1000 for name, port in DEFAULT_PORTS.items()})

    @classmethod
    def free(cls) -> "Ports":
        return cls(postgres=free_port(), redis=free_port(), gateway=free_port(), gateway_admin=free_port(),
                   mailbox=free_port(), opensearch=free_port(), services={name: free_port() for name in SERVICES},
                   ops={name: free_port() for name in SERVICES}, web=free_port(),
                   reflection=free_port())


@dataclass
class Stack:
    state_dir: Path
    ports: Ports
    settings: dict[str, str] = field(default_factory=dict)  # extra COINS_* variables for the services
    quiet: bool = False
    ephemeral: bool = False  # tests and benchmarks: remove the private database on stop
    database_url: str = ""
    redis_url: str = ""
    opensearch_url: str = ""
    _processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _pg_data: Path | None = None
    _opensearch: OpenSearchNode | None = None

    @property
    def mail_dir(self) -> Path:
        """Where the mailbox keeps every mail the services send (tools.mailbox.read_mailbox reads it)."""
        return self.state_dir / "mail"

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> "Stack":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "logs").mkdir(exist_ok=True)
        try:
            self._ensure_keys()
            launcher = launcher_settings()
            self.database_url = launcher.database_url or self.start_postgres()
            self.redis_url = launcher.redis_url or self.start_redis()
            self._start_mailbox()
            self._start_opensearch_if_chosen()
            self.migrate()
            for service in SERVICES:
                self.start_service(service)
            for service in SERVICES:
                self.wait_serving(service)
            self.start_web()
            self.start_reflection()
            self.start_gateway()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for name in reversed(list(self._processes)):
            self.stop_process(name)
        if self._opensearch is not None:
            self._opensearch.stop()
            self._opensearch = None
        if self._pg_data is not None:
            subprocess.run(self._as_postgres([self._pg_bin("pg_ctl"), "-D", str(self._pg_data), "-m", "fast",
                                              "-w", "stop"]), capture_output=True)
            if self.ephemeral:
                shutil.rmtree(self._pg_data, ignore_errors=True)
            self._pg_data = None

    def restart_postgres(self) -> None:
        """Fast restart of the private cluster (same options): every connection in every pool breaks."""
        # -l as at start: without it the new postmaster inherits our pipes and run() never returns.
        data = self._pg_data
        if data is None:
            raise RuntimeError("this stack did not start PostgreSQL (DATABASE_URL names another server)")
        subprocess.run(self._as_postgres([self._pg_bin("pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                                          "-m", "fast", "-w", "-t", "60", "restart"]), check=True, capture_output=True)

    def restart_redis(self, down_s: float = 0.0) -> None:
        """Stops the private Redis (SIGTERM: it writes its append-only file), waits `down_s`, starts it again on the
        same port: every client connection breaks meanwhile."""
        self.stop_process("redis")
        time.sleep(down_s)
        self.start_redis()

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        process = self._processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    # ---- the platform ----------------------------------------------------------------------------------------

    def service_env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'generated'}",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "COINS_JWT_PRIVATE_KEY_FILE": str(self.state_dir / "keys" / "jwt-private.pem"),
            "COINS_JWT_PUBLIC_KEY_FILE": str(self.state_dir / "keys" / "jwt-public.pem"),
            "COINS_SERVICE_TOKEN_SECRET": (self.state_dir / "keys" / "service-token-secret").read_text().strip(),
            "COINS_ADMIN_EMAIL": launcher_settings().admin_email,
            "COINS_ADMIN_PASSWORD": launcher_settings().admin_password,
            "COINS_GATEWAY_PORT": str(self.ports.gateway),
            "COINS_GATEWAY_ADMIN_PORT": str(self.ports.gateway_admin),
            "COINS_SMTP_HOST": "127.0.0.1",
            "COINS_SMTP_PORT": str(self.ports.mailbox),
        }
        if self.opensearch_url:
            env["COINS_OPENSEARCH_URL"] = self.opensearch_url
        for name, port in self.ports.services.items():
            env[port_variable(name)] = str(port)
            env[target_variable(name)] = f"127.0.0.1:{port}"
            env[ops_port_variable(name)] = str(self.ports.ops[name])
        env.update(self.settings)
        return env

    def migrate(self) -> None:
        for service in migrations.migrated_services():
            self._say(f"migrating {service}")
            migrations.upgrade(service, self.database_url)

    def start_service(self, service: str, name: str | None = None, port: int | None = None,
                      extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        """Starts a service process; `name` and `port` start an extra replica beside the usual one, `extra_env`
        sets variables for this process alone (e.g. a crash point)."""
        name = name or service
        env = {**self.service_env(), **(extra_env or {})}
        if port is not None:
            env[port_variable(service)] = str(port)
            env[ops_port_variable(service)] = str(free_port())
        log = open(self.state_dir / "logs" / f"{name}.log", "ab")
        process = subprocess.Popen([sys.executable, "-m", f"services.{service}"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._processes[name] = process
        return process

    def wait_serving(self, service: str, timeout: float = 60, name: str | None = None,
                     port: int | None = None) -> None:
        name = name or service
        deadline = time.monotonic() + timeout
        target = f"127.0.0.1:{port or self.ports.services[service]}"
        with grpc.insecure_channel(target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                process = self._processes.get(name)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
                with contextlib.suppress(grpc.RpcError):
                    reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not become healthy on {target}:\n{self.log_tail(name)}")

    def gateway_options(self, **overrides) -> GatewayOptions:
        env = self.service_env()
        options = dict(port=self.ports.gateway, admin_port=self.ports.gateway_admin,
                       targets={name: env[target_variable(name)] for name in SERVICES},
                       public_key_file=env["COINS_JWT_PUBLIC_KEY_FILE"],
                       rate_limit_per_s=int(env.get("COINS_GATEWAY_RATE_LIMIT_PER_S", 1000)),
                       web_target=f"127.0.0.1:{self.ports.web}",
                       reflection_target=f"127.0.0.1:{self.ports.reflection}", api_docs=True,
                       otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""))  # traced with the services
        return GatewayOptions(**{**options, **overrides})

    def start_gateway(self, options: GatewayOptions | None = None, name: str = "gateway") -> Path:
        options = options or self.gateway_options()
        config = write_gateway_config(options, self.state_dir / f"{name}.json")
        log = open(self.state_dir / "logs" / f"{name}.log", "ab")
        self._processes[name] = subprocess.Popen(
            [envoy_binary(), "-c", str(config), "--concurrency", "1", "--use-dynamic-base-id", "--log-level", "warn"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_gateway(name, options.admin_port)
        return config

    def start_web(self) -> None:
        """The web app's static server (web/dist, built by `make web`); the gateway routes the app's paths to it."""
        self._start_helper("web", "tools.webserver", self.ports.web, "the web server")

    def start_reflection(self) -> None:
        """gRPC reflection of the public services from generated/coins.pb; the gateway routes reflection to it."""
        self._start_helper("reflection", "gateway.reflection", self.ports.reflection, "the reflection server")

    def _start_helper(self, name: str, module: str, port: int, what: str, timeout: float = 15) -> None:
        """A small process of ours beside the services (`python -m module --port port`), once it accepts
        connections."""
        log = open(self.state_dir / "logs" / f"{name}.log", "ab")
        self._processes[name] = process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(port)], cwd=ROOT, env=self.service_env(), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited:\n{self.log_tail(name)}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not start:\n{self.log_tail(name)}")

    def _wait_gateway(self, name: str, admin_port: int, timeout: float = 30) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._processes[name].poll() is not None:
                raise RuntimeError(f"envoy exited:\n{self.log_tail(name)}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/ready", timeout=1) as reply:
                    if reply.status == 200:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"envoy not ready:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.state_dir / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def log_lines(self, name: str) -> list[str]:
        return (self.state_dir / "logs" / f"{name}.log").read_text(errors="replace").splitlines()

    # ---- infrastructure --------------------------------------------------------------------------------------

    def _ensure_keys(self) -> None:
        ensure_keys(self.state_dir / "keys")

    def _pg_bin(self, name: str) -> str:
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[4]))
        if not found:
            raise RuntimeError("PostgreSQL is not installed; run `make bootstrap` (Debian: postgresql)")
        return found[-1]

    def _as_postgres(self, command: list[str]) -> list[str]:
        # PostgreSQL refuses to run as root: hand its files and processes to the postgres account.
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _pg_data_dir(self) -> Path:
        data = self.state_dir / "postgres"
        if os.geteuid() != 0:
            return data
        reachable = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(self.state_dir)],
                                   capture_output=True).returncode == 0
        if reachable:
            return data
        # The checkout is not reachable by the postgres account (e.g. under /root): keep the cluster in /var/tmp.
        digest = hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:12]
        return Path("/var/tmp") / f"coins-postgres-{digest}"

    def start_postgres(self) -> str:
        """The private cluster alone (the integration tests need nothing else); stop() stops it. Returns its URL."""
        data = self._pg_data_dir()
        if not (data / "PG_VERSION").exists():
            self._say(f"creating a PostgreSQL cluster in {data}")
            data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(data, "postgres", "postgres")
            subprocess.run(self._as_postgres([self._pg_bin("initdb"), "-D", str(data), "-U", "coins",
                                              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                           check=True, capture_output=True)
        port = self.ports.postgres
        options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{data}' "
                   f"-c max_connections=300 -c shared_buffers=256MB")
        log = data / "server.log"
        result = subprocess.run(self._as_postgres([self._pg_bin("pg_ctl"), "-D", str(data), "-l", str(log),
                                                   "-o", options, "-w", "-t", "60", "start"]), capture_output=True)
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr.decode()}{result.stdout.decode()}")
        self._pg_data = data
        exists = subprocess.run([self._pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "coins", "-d",
                                 "postgres", "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'coins'"],
                                capture_output=True, text=True, check=True).stdout.strip()
        if not exists:
            subprocess.run([self._pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "coins", "coins"],
                           check=True)
        self._say(f"PostgreSQL on 127.0.0.1:{port}")
        return f"postgresql://coins@127.0.0.1:{port}/coins"

    def start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("Redis is not installed; run `make bootstrap` (Debian: redis-server)")
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        log = open(self.state_dir / "logs" / "redis.log", "ab")
        for _ in range(3):
            port = self.ports.redis
            redis = self._processes["redis"] = subprocess.Popen(
                # Append-only file: the event streams and their consumer groups survive a restart (fsync every
                # second).
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                 "--appendfsync", "everysec", "--dir", str(self.state_dir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and redis.poll() is None:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        self._say(f"Redis on 127.0.0.1:{port}")
                        return f"redis://127.0.0.1:{port}/0"
                time.sleep(0.1)
            taken = redis.poll() is not None and "Address already in use" in self.log_tail("redis", lines=3)
            if not taken or self.ports == Ports.fixed():  # make dev's documented port stays put
                break
            # A free port picked when the stack was planned can be taken before Redis binds it (by an outgoing
            # connection's ephemeral port, say): pick another.
            self.ports.redis = free_port()
        raise RuntimeError(f"Redis did not start:\n{self.log_tail('redis')}")

    def _start_mailbox(self) -> None:
        log = open(self.state_dir / "logs" / "mailbox.log", "ab")
        try:
            self._processes["mailbox"] = mailbox.start(self.mail_dir, self.ports.mailbox, log)
        except RuntimeError as error:
            raise RuntimeError(f"{error}:\n{self.log_tail('mailbox')}") from None
        self._say(f"mailbox (SMTP) on 127.0.0.1:{self.ports.mailbox}, mail kept in {self.mail_dir}")

    @property
    def opensearch(self) -> OpenSearchNode:
        """The node this stack started (tests stop and start it to play an outage)."""
        if self._opensearch is None:
            raise RuntimeError("this stack runs no OpenSearch node (COINS_SEARCH_BACKEND is not opensearch)")
        return self._opensearch

    def _start_opensearch_if_chosen(self) -> None:
        chosen = {**os.environ, **self.settings}
        if chosen.get("COINS_SEARCH_BACKEND") != "opensearch" or chosen.get("COINS_OPENSEARCH_URL"):
            return
        self._say("starting OpenSearch (the first run builds its launcher with Maven, about a minute)")
        self._opensearch = OpenSearchNode()
        self.opensearch_url = self._opensearch.start(self.state_dir / "opensearch", self.ports.opensearch)
        self._say(f"OpenSearch on {self.opensearch_url}, data in {self.state_dir / 'opensearch'}")

    def _say(self, message: str) -> None:
        if not self.quiet:
            print(f"[devstack] {message}", flush=True)


def ensure_keys(folder: Path) -> None:
    """The JWT key pair and the service-token secret, made once. Only this account may read them: the folder is
    0700 and each file 0600 from the moment it exists (a chmod afterwards would leave a window)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)  # made looser by an earlier version
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    if not private.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        _write_private(private, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
        _write_private(public, key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    secret = folder / "service-token-secret"
    if not secret.exists():
        _write_private(secret, secrets.token_urlsafe(48).encode())


def _write_private(path: Path, content: bytes) -> None:
    # O_EXCL: never write into a file someone else created (with their permissions) in our place.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)


def envoy_binary() -> str:
    candidate = Path(sys.executable).parent / "envoy"
    return str(candidate) if candidate.exists() else (shutil.which("envoy") or "envoy")


def describe(stack: Stack) -> str:
    rows = [("web app", f"http://localhost:{stack.ports.gateway}/"),
            ("gateway (REST + gRPC)", f"http://127.0.0.1:{stack.ports.gateway}"),
            ("gateway admin", f"http://127.0.0.1:{stack.ports.gateway_admin}"),
            ("REST API docs", f"http://localhost:{stack.ports.gateway}/docs")]
    rows += [(f"{name} service (gRPC)", f"127.0.0.1:{port}") for name, port in stack.ports.services.items()]
    rows += [("PostgreSQL", stack.database_url), ("Redis", stack.redis_url),
             ("mailbox (SMTP)", f"127.0.0.1:{stack.ports.mailbox}"),
             *([("OpenSearch", stack.opensearch_url)] if stack.opensearch_url else []),
             ("mail kept in", _shown(stack.mail_dir)),
             ("list the mail", f".venv/bin/python -m tools.mailbox list --dir {_shown(stack.mail_dir)}"),
             ("logs", str(stack.state_dir / "logs")),
             ("first admin", "{COINS_ADMIN_EMAIL} / {COINS_ADMIN_PASSWORD}".format_map(stack.service_env()))]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {where}" for name, where in rows)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".dev")
    parser.parse_args()
    stack = Stack(ROOT / ".dev", Ports.fixed())
    stop = False

    def request_stop(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    mail_shown = set(mailbox.mail_files(stack.mail_dir))  # earlier runs' mail stays listed by `list` only
    stack.start()
    print("\nCoins for Change is running:\n" + describe(stack) + "\n\n"
          f"Mail, verification and invitation links included, lands in {_shown(stack.mail_dir)}: each new one is\n"
          "listed below with its .eml file (open it in any mail client). Ctrl-C stops everything.", flush=True)
    try:
        while not stop:
            for path in mailbox.mail_files(stack.mail_dir):
                if path not in mail_shown:
                    mail_shown.add(path)
                    print(f"[devstack] mail {mailbox.describe(mailbox.Mail.load(path))}  ({_shown(path)})", flush=True)
            for name, process in list(stack._processes.items()):
                if process.poll() is not None:
                    print(f"[devstack] {name} exited with {process.returncode}; last lines:\n{stack.log_tail(name)}")
                    stop = True
            time.sleep(0.5)
    finally:
        print("[devstack] stopping", flush=True)
        stack.stop()
        print("[devstack] stopped", flush=True)


if __name__ == "__main__":
    main()
