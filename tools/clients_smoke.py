"""`make clients-smoke`: the client smoke programs in clients/<lang>/ and grpcurl against a `make dev`-style stack
on free ports. Go and Java call through the gateway and straight to the services; TypeScript calls the gateway over
gRPC-Web and REST, as a browser app does. `make clients` has generated the stubs first.

    python -m tools.clients_smoke

Each build and each run has its own time box; the table at the end gives their durations. Exit status 1 when any
failed (its output is shown).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from services.common.catalog import external_services
from tools.devstack import Ports, Stack, launcher_settings

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "clients"
TOOLS_BIN = Path(os.environ.get("COINS_CLIENTS_CACHE", Path.home() / ".cache" / "coins-for-change" / "clients")) / "bin"
BUILD_TIMEOUT_S = 600  # the first Maven or Go build downloads its dependencies
RUN_TIMEOUT_S = 120


@dataclass
class Outcome:
    name: str
    seconds: float
    ok: bool
    output: str


def timed(name: str, command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Outcome:
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        ok, output = done.returncode == 0, done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        printed = [text.decode(errors="replace") if isinstance(text, bytes) else text or ""
                   for text in (expired.stdout, expired.stderr)]
        ok, output = False, f"timed out after {timeout:.0f} s\n{''.join(printed)}"
    return Outcome(name, time.monotonic() - started, ok, output)


def builds(env: dict[str, str]) -> list[Outcome]:
    go_env = {**env, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    return [
        timed("go: build", ["go", "build", "-o", "build/smoke", "."], CLIENTS / "go", go_env, BUILD_TIMEOUT_S),
        timed("java: mvn package", ["mvn", "-q", "-B", "package", "dependency:build-classpath",
                                    "-Dmdep.outputFile=build/classpath.txt"], CLIENTS / "java", env, BUILD_TIMEOUT_S),
        timed("ts: tsc --noEmit", ["node_modules/.bin/tsc", "--noEmit", "-p", "."], CLIENTS / "ts", env,
              BUILD_TIMEOUT_S),
    ]


def smoke_env(stack: Stack) -> dict[str, str]:
    launcher = launcher_settings()
    env = {**os.environ, "COINS_GATEWAY": f"127.0.0.1:{stack.ports.gateway}", "COINS_MAIL_DIR": str(stack.mail_dir),
           "COINS_ADMIN_EMAIL": launcher.admin_email, "COINS_ADMIN_PASSWORD": launcher.admin_password}
    env.update({f"COINS_{name.upper()}_TARGET": f"127.0.0.1:{port}" for name, port in stack.ports.services.items()})
    return env


def grpcurl_checks(env: dict[str, str]) -> Outcome:
    """What a grpcurl or Postman user does first: list, describe, call, all through the gateway's reflection."""
    started = time.monotonic()
    grpcurl, gateway = str(TOOLS_BIN / "grpcurl"), env["COINS_GATEWAY"]

    def run(*args: str) -> str:
        return subprocess.run([grpcurl, "-plaintext", *args], capture_output=True, text=True, check=True,
                              timeout=30).stdout

    try:
        listed = set(run(gateway, "list").split())
        assert listed == set(external_services()), f"grpcurl list: {sorted(listed)}"
        described = run(gateway, "describe", "coins.v1.CoinService.AllocateCoins")
        assert "rpc AllocateCoins ( .coins.v1.AllocateCoinsRequest )" in described, described
        login = json.dumps({"email": env["COINS_ADMIN_EMAIL"], "password": env["COINS_ADMIN_PASSWORD"]})
        tokens = json.loads(run("-d", login, gateway, "coins.v1.AuthService/Login"))
        assert tokens["tokenType"] == "Bearer" and tokens["accessToken"], tokens
        ok, output = True, f"list: {len(listed)} public services; describe; AuthService/Login answered"
    except (AssertionError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        ok, output = False, f"{error}\n{getattr(error, 'stderr', '') or ''}"
    return Outcome("grpcurl: list, describe, call (gateway)", time.monotonic() - started, ok, output)


def smokes(env: dict[str, str]) -> list[Outcome]:
    java = ["java", "-cp", f"build/maven/classes:{(CLIENTS / 'java' / 'build' / 'classpath.txt').read_text().strip()}",
            "org.coinsforchange.smoke.Smoke"]
    runs = [("go (gateway)", ["build/smoke", "gateway"], "go"), ("go (direct)", ["build/smoke", "direct"], "go"),
            ("java (gateway)", [*java, "gateway"], "java"), ("java (direct)", [*java, "direct"], "java"),
            ("ts (gRPC-Web + REST, gateway)", ["node_modules/.bin/tsx", "smoke.ts"], "ts")]
    return [timed(name, command, CLIENTS / lang, env, RUN_TIMEOUT_S) for name, command, lang in runs]


def report(outcomes: list[Outcome]) -> bool:
    for outcome in outcomes:
        if not outcome.ok:
            print(f"\n--- {outcome.name} FAILED ---\n{outcome.output.strip()}", flush=True)
    width = max(len(o.name) for o in outcomes)
    print("\nclients-smoke:")
    for outcome in outcomes:
        print(f"  {outcome.name.ljust(width)}  {'passed' if outcome.ok else 'FAILED'}  {outcome.seconds:6.1f} s")
    failed = sum(not o.ok for o in outcomes)
    print(f"clients-smoke: {len(outcomes) - failed} passed, {failed} failed", flush=True)
    return failed == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    outcomes = builds(dict(os.environ))
    if not all(o.ok for o in outcomes):
        sys.exit(0 if report(outcomes) else 1)
    with tempfile.TemporaryDirectory(prefix="clients-smoke-") as tmp:
        started = time.monotonic()
        stack = Stack(Path(tmp), Ports.free(), quiet=True, ephemeral=True)
        stack.start()
        try:
            outcomes.append(Outcome("stack start", time.monotonic() - started, True, ""))
            env = smoke_env(stack)
            outcomes.append(grpcurl_checks(env))
            outcomes += smokes(env)
        finally:
            stack.stop()
    sys.exit(0 if report(outcomes) else 1)


if __name__ == "__main__":
    main()
