"""What the contracts say about each method: its HTTP route and who may call it.

The interceptor and the gateway generator both read this, so the proto files stay the one source of truth.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from google.api import annotations_pb2
from google.protobuf import descriptor

from coins.v1 import (
    analytics_service_pb2,
    auth_service_pb2,
    campaign_service_pb2,
    coin_service_pb2,
    idea_service_pb2,
    notification_service_pb2,
    options_pb2,
    search_service_pb2,
)

PACKAGE = "coins.v1"
SERVICE_FILES = {
    "auth": auth_service_pb2,
    "campaign": campaign_service_pb2,
    "idea": idea_service_pb2,
    "coin": coin_service_pb2,
    "search": search_service_pb2,
    "notification": notification_service_pb2,
    "analytics": analytics_service_pb2,
}


class Access(enum.Enum):
    PUBLIC = "public"  # no token needed
    USER = "user"  # a valid access token; the handler checks roles on the resource
    INTERNAL = "internal"  # only other services of the mesh (no HTTP route in the contract)


@dataclass(frozen=True)
class Method:
    service: str  # platform service name, e.g. "coin"
    full_service: str  # e.g. "coins.v1.CoinService"
    name: str
    access: Access
    server_streaming: bool

    @property
    def path(self) -> str:
        return f"/{self.full_service}/{self.name}"


def _access(method: descriptor.MethodDescriptor) -> Access:
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return Access.INTERNAL
    public_extension = cast(Any, options_pb2.public)  # mypy-protobuf types custom options too narrowly to index
    return Access.PUBLIC if options.Extensions[public_extension] else Access.USER


@cache
def methods() -> dict[str, Method]:
    """Every coins.v1 method, keyed by its gRPC path."""
    found: dict[str, Method] = {}
    for service_name, module in SERVICE_FILES.items():
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                entry = Method(service_name, service.full_name, method.name, _access(method),
                               method.server_streaming)
                found[entry.path] = entry
    return found


def services_of(service_name: str) -> list[descriptor.ServiceDescriptor]:
    return list(SERVICE_FILES[service_name].DESCRIPTOR.services_by_name.values())


def external_services() -> dict[str, str]:
    """Full gRPC service name -> platform service, for services with at least one HTTP route."""
    return {m.full_service: m.service for m in methods().values() if m.access is not Access.INTERNAL}


# Who calls each internal service: the platform services whose code builds its stub. The mesh's AuthorizationPolicies
# (gateway/mesh.py) allow exactly these ServiceAccounts on its paths; tests/unit/test_mesh_callers.py checks the map
# against the stubs the services build. Search and analytics call their own internal services: the operators'
# commands (`python -m services.search reindex`, services/analytics/command.py) run inside their pods.
INTERNAL_CALLERS: dict[str, tuple[str, ...]] = {
    "coins.v1.AnalyticsInternalService": ("analytics",),
    "coins.v1.AuthInternalService": ("campaign", "idea", "notification", "search"),
    "coins.v1.CampaignInternalService": ("analytics", "coin", "idea", "notification", "search"),
    "coins.v1.CoinInternalService": ("analytics", "campaign", "idea", "search"),
    "coins.v1.IdeaInternalService": ("analytics", "campaign", "notification", "search"),
    "coins.v1.SearchInternalService": ("search",),
}
# The Envoy gateway: the one caller of every public and user method.
GATEWAY = "gateway"


def callers(method: Method) -> tuple[str, ...]:
    """The workloads that may call this method in the mesh."""
    if method.access is Access.INTERNAL:
        return INTERNAL_CALLERS[method.full_service]
    return (GATEWAY,)
