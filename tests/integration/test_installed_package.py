"""The container image's contents, without Docker: the files the Dockerfile copies, installed with pip into a fresh
venv, run from outside the work tree with no PYTHONPATH: the migrations upgrade an empty database and the auth
service answers a real call. A module, a migration or a template left out of the package fails here, not in a
cluster."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import grpc
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from grpc_health.v1 import health_pb2, health_pb2_grpc

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from tools.opensearch.node import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 60  # ~2 s on a quiet machine; generous for two cores shared with other suites


def dockerfile_sources() -> list[str]:
    """What the build stage copies from the build context (`COPY src ./dest` lines without --from)."""
    sources = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if match := re.match(r"COPY (?!--from)(.+?) \S+$", line):
            sources += match.group(1).split()
    return sources


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding the project installed from the Dockerfile's files; its dependencies come from the
    project's venv (a path entry, no download)."""
    base = tmp_path_factory.mktemp("package")
    context = base / "context"
    context.mkdir()
    for source in dockerfile_sources():
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, context / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / source, context / source)
    # No PYTHONPATH (make sets one): through it pip would find the work tree's own metadata and call the project
    # installed already, leaving the venv empty.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(base / "dist"), str(context)], check=True, cwd=base, env=_environment())
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    *map(str, (base / "dist").glob("*.whl"))], check=True, env=_environment())
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield python


def _environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("COINS_")}
    return {**environment, **extra}


def test_the_package_holds_services_gateway_and_stubs(installed: Path, tmp_path: Path):
    probe = "import coins.v1.auth_service_pb2 as a, gateway.mesh as g, services.auth.main as s; " \
            "print(a.__file__, g.__file__, s.__file__)"
    found = subprocess.run([str(installed), "-c", probe], cwd=tmp_path, env=_environment(),
                           check=True, capture_output=True, text=True).stdout.split()
    venv = installed.parent.parent
    assert all(Path(path).is_relative_to(venv) for path in found), found


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    name = f"package_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def _keys(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


async def test_installed_migrations_and_service_serve_a_registration(installed: Path, empty_database: str,
                                                                     redis_url: str, tmp_path: Path):
    private, public = _keys(tmp_path)
    port = free_port()
    environment = _environment(DATABASE_URL=empty_database, REDIS_URL=redis_url, COINS_AUTH_PORT=str(port),
                               COINS_AUTH_OPS_PORT="0", COINS_JWT_PRIVATE_KEY_FILE=str(private),
                               COINS_JWT_PUBLIC_KEY_FILE=str(public), COINS_SERVICE_TOKEN_SECRET="package-test")
    # What the init container runs (k8s/base/services/auth.yaml), then the service container.
    migrate = await asyncio.create_subprocess_exec(str(installed), "-m", "services.common.migrations", "upgrade",
                                                   "auth", cwd=tmp_path, env=environment)
    assert await asyncio.wait_for(migrate.wait(), 60) == 0
    service = await asyncio.create_subprocess_exec(str(installed), "-m", "services.auth", cwd=tmp_path,
                                                   env=environment)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            reply = await health.Check(health_pb2.HealthCheckRequest(service="coins.v1.AuthService"),
                                       wait_for_ready=True, timeout=STARTUP_S)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            user = await auth_rpc.AuthServiceStub(channel).Register(
                auth_pb.RegisterRequest(email="packaged@example.org", password="correct horse battery",
                                        full_name="Packaged"), timeout=10)
            assert user.email == "packaged@example.org"
    except BaseException:
        service.kill()
        await service.wait()
        raise
    service.send_signal(signal.SIGTERM)
    try:
        assert await asyncio.wait_for(service.wait(), 20) == 0  # graceful shutdown, as in a pod's termination
    finally:
        if service.returncode is None:  # never leave it behind, whatever failed
            service.kill()
            await service.wait()
