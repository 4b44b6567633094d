"""The mesh lets a service call another's internal RPCs only if catalog.INTERNAL_CALLERS says so: the map must match
the stubs the services' code builds, or a call is refused in the cluster (a caller missing) or allowed for nothing
(a caller too many)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from services.common import catalog
from services.common.config import SERVICES

ROOT = Path(__file__).resolve().parents[2]
STUB = re.compile(r"\b(\w+InternalService)Stub\(")
COMMON_IMPORT = re.compile(r"^from services\.common(?:\.(\w+))? import (.+)$", re.MULTILINE)


def _stubs(text: str) -> set[str]:
    return {f"{catalog.PACKAGE}.{name}" for name in STUB.findall(text)}


def _common_modules_imported(text: str) -> set[str]:
    found = set()
    for module, names in COMMON_IMPORT.findall(text):
        found |= {module} if module else {n.strip() for n in names.split(",")}
    return found


def built_stubs() -> dict[str, set[str]]:
    """Internal service -> the platform services whose code builds its stub, directly or through a shared module
    of services/common that they import (services/common/directory.py calls auth for campaign)."""
    common = {path.stem: _stubs(path.read_text()) for path in (ROOT / "services" / "common").glob("*.py")}
    found: dict[str, set[str]] = defaultdict(set)
    for service in SERVICES:
        for path in (ROOT / "services" / service).rglob("*.py"):
            text = path.read_text()
            stubs = _stubs(text)
            for module in _common_modules_imported(text):
                stubs |= common.get(module, set())
            for stub in stubs:
                found[stub].add(service)
    return found


def test_internal_callers_are_exactly_the_services_that_build_the_stubs():
    assert {name: set(callers) for name, callers in catalog.INTERNAL_CALLERS.items()} == built_stubs()


def test_every_internal_service_of_the_contracts_has_its_callers_named():
    internal = {m.full_service for m in catalog.methods().values() if m.access is catalog.Access.INTERNAL}
    assert internal == set(catalog.INTERNAL_CALLERS)


def test_public_and_user_methods_are_called_through_the_gateway_only():
    for method in catalog.methods().values():
        if method.access is not catalog.Access.INTERNAL:
            assert catalog.callers(method) == (catalog.GATEWAY,), method.path
