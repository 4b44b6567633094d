"""gRPC server reflection for the gateway: the public services of the descriptor set Envoy transcodes with, so
`grpcurl -plaintext localhost:8080 list` / `describe` and Postman work through :8080. Envoy routes both reflection
paths here (gateway/generate.py); each service's own reflection stays inside the mesh.

    python -m gateway.reflection --port 50050 [--descriptor-set generated/coins.pb]

Internal services are cut out of the files before they enter the pool: listing hides them, and so does asking for
a file or a symbol (coin_service.proto defines CoinService and CoinInternalService both).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection
from grpc_reflection.v1alpha import reflection_pb2 as pb

from services.common import catalog

DESCRIPTOR_SET = Path(__file__).resolve().parent.parent / "generated" / "coins.pb"
# grpcio-reflection serves v1alpha only; v1 has the same messages under another package, so the same servicer
# answers it (grpcurl asks v1 first).
V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"


def public_pool(descriptor_set: Path, public: set[str]) -> descriptor_pool.DescriptorPool:
    """Every file of the set, with only the services named in `public` left in them."""
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:  # --include_imports writes dependencies first, as the pool needs
        kept = [s for s in file.service if f"{file.package}.{s.name}" in public]
        del file.service[:]
        file.service.extend(kept)
        pool.Add(file)
    return pool


class _Reflection(reflection.aio.ReflectionServicer):
    """grpcurl and Postman describe a method by its full name (coins.v1.AuthService.Login); the pool finds services,
    messages and enums by name, not methods: answer with the method's service's file."""

    def _file_containing_symbol(self, request, fully_qualified_name):
        service, _, method = fully_qualified_name.rpartition(".")
        try:
            self._pool.FindFileContainingSymbol(fully_qualified_name)
        except KeyError:
            with contextlib.suppress(KeyError):
                if method in self._pool.FindServiceByName(service).methods_by_name:
                    return super()._file_containing_symbol(request, service)
        return super()._file_containing_symbol(request, fully_qualified_name)


def add_reflection(server: grpc.aio.Server, descriptor_set: Path) -> list[str]:
    """Registers v1 and v1alpha reflection of the public services on `server`; returns the services it lists."""
    public = sorted(catalog.external_services())
    servicer = _Reflection(public, pool=public_pool(descriptor_set, set(public)))
    server.add_generic_rpc_handlers([
        grpc.method_handlers_generic_handler(name, {"ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo, request_deserializer=pb.ServerReflectionRequest.FromString,
            response_serializer=pb.ServerReflectionResponse.SerializeToString)})
        for name in (reflection.SERVICE_NAME, V1_SERVICE_NAME)])
    return public


async def serve(host: str, port: int, descriptor_set: Path) -> None:
    server = grpc.aio.server()
    add_reflection(server, descriptor_set)
    server.add_insecure_port(f"{host}:{port}")
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--descriptor-set", type=Path, default=DESCRIPTOR_SET)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.descriptor_set))


if __name__ == "__main__":
    main()
