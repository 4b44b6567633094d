"""The deploy tier: the rendered Kubernetes objects of every overlay and the generated Istio resources, read as YAML.
No cluster and no Go tool but kustomize (installed and cached by tools/deploy_tools.sh when missing)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = sorted(p.name for p in (ROOT / "k8s" / "overlays").iterdir() if p.is_dir())


def kustomize() -> str:
    cached = ROOT / ".dev" / "tools" / "bin" / "kustomize"
    if not cached.exists():
        subprocess.run([str(ROOT / "tools" / "deploy_tools.sh"), "kustomize"], check=True)
    return str(cached)


@pytest.fixture(scope="session", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[dict]:
    """Every object `kustomize build k8s/overlays/<overlay>` gives."""
    out = subprocess.run([kustomize(), "build", str(ROOT / "k8s" / "overlays" / request.param)], check=True,
                         capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="session")
def istio() -> list[dict]:
    return [doc for path in sorted((ROOT / "istio").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())
            if doc]
