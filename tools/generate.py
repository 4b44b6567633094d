"""Builds generated/ from proto/: Python messages, gRPC stubs, type stubs and the gateway's descriptor set; and
docs/openapi.json, the REST API as the gateway serves it (grpc-gateway's protoc-gen-openapiv2).

    python tools/generate.py            # write generated/ and docs/openapi.json
    python tools/generate.py --check    # fail when either differs from what proto/ makes
    python tools/generate.py --vendor   # refresh third_party/googleapis from the pinned wheel

Output depends only on proto/ and the pinned grpcio-tools / mypy-protobuf / protoc-gen-openapiv2 versions, so CI can
compare.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc_tools

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
THIRD_PARTY = ROOT / "third_party" / "googleapis"
GENERATED = ROOT / "generated"
DESCRIPTOR_SET = "coins.pb"
WELL_KNOWN = Path(grpc_tools.__file__).parent / "_proto"

# Google protos our contracts import, plus error_details: the gateway needs it in the descriptor set to print
# ErrorInfo in REST error bodies, and no contract imports it.
VENDORED = [
    "google/api/annotations.proto",
    "google/api/http.proto",
    "google/api/field_behavior.proto",
    "google/api/httpbody.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
    "google/rpc/code.proto",
]
EXTRA_DESCRIPTORS = ["google/rpc/error_details.proto", "google/rpc/status.proto"]

OPENAPI = ROOT / "docs" / "openapi.json"
# Installed by tools/bootstrap.sh at the version pinned there; PROTOC_GEN_OPENAPIV2 names another copy.
OPENAPI_PLUGIN = Path(os.environ.get("PROTOC_GEN_OPENAPIV2", ROOT / ".dev" / "tools" / "bin" / "protoc-gen-openapiv2"))
OPENAPI_OPTIONS = [
    "allow_merge=true",
    "merge_file_name=coins",
    "output_format=json",
    "json_names_for_fields=true",  # camelCase, as Envoy prints
    "allow_patch_feature=false",  # keep update_mask visible: the gateway takes it as a query parameter
]
# What Envoy's transcoder accepts and prints for 64-bit integers: decimal strings.
INT64_PATTERNS = {"int64": "^-?[0-9]+$", "uint64": "^[0-9]+$"}


def contract_files() -> list[str]:
    return sorted(str(p.relative_to(PROTO_DIR)) for p in (PROTO_DIR / "coins" / "v1").glob("*.proto"))


def run_protoc(args: list[str]) -> None:
    includes = [f"-I{PROTO_DIR}", f"-I{THIRD_PARTY}", f"-I{WELL_KNOWN}"]
    # A child process, so the plugins' progress chatter can be kept out of the output unless something fails.
    result = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", *includes, *args], capture_output=True,
                            text=True)
    if result.returncode != 0:
        sys.exit(f"protoc failed ({result.returncode}): {result.stderr}")


def generate(out: Path) -> None:
    files = contract_files()
    out.mkdir(parents=True, exist_ok=True)
    run_protoc(
        [
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            f"--plugin=protoc-gen-mypy_grpc={Path(sys.executable).parent / 'protoc-gen-mypy_grpc'}",
            f"--mypy_grpc_out={out}",
            *files,
        ]
    )
    run_protoc(
        [
            f"--descriptor_set_out={out / DESCRIPTOR_SET}",
            "--include_imports",
            "--include_source_info",
            *files,
            *EXTRA_DESCRIPTORS,
        ]
    )
    for package in (out / "coins", out / "coins" / "v1"):
        (package / "__init__.py").write_text("")


def openapi_document() -> str:
    """One Swagger 2.0 document of every external route, shaped like the JSON the gateway really sends."""
    if not OPENAPI_PLUGIN.exists():
        sys.exit(f"{OPENAPI_PLUGIN} is missing; `make bootstrap` installs it (needs Go)")
    with tempfile.TemporaryDirectory() as tmp:
        # Methods without a google.api.http route (the internal services) are left out by the plugin's default.
        run_protoc([f"--plugin=protoc-gen-openapiv2={OPENAPI_PLUGIN}", f"--openapiv2_out={tmp}",
                    f"--openapiv2_opt={','.join(OPENAPI_OPTIONS)}", *contract_files()])
        document = json.loads((Path(tmp) / "coins.swagger.json").read_text())
    document["info"] = {"title": "Coins for Change", "version": "v1",
                        "description": "REST/JSON of the Envoy gateway, generated from proto/coins/v1 (make generate)."}
    operations = [operation for path in document["paths"].values() for operation in path.values()]
    used_tags = {tag for operation in operations for tag in operation.get("tags", ())}
    document["tags"] = [tag for tag in document["tags"] if tag["name"] in used_tags]
    for operation in operations:
        _as_envoy_sends(operation)
    # Every error body, Envoy's own replies included, carries all three (the gateway prints primitive fields), and
    # every detail names its type.
    document["definitions"]["rpcStatus"]["required"] = ["code", "message", "details"]
    document["definitions"]["protobufAny"]["required"] = ["@type"]
    if "apiHttpBody" not in json.dumps(document["paths"]):
        del document["definitions"]["apiHttpBody"]
    _pin_int64_strings(document)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _as_envoy_sends(operation: dict) -> None:
    """The plugin describes grpc-gateway's replies; Envoy differs for raw bodies and server streams."""
    success = operation["responses"]["200"]
    schema = success["schema"]
    if schema.get("$ref") == "#/definitions/apiHttpBody":
        # Envoy sends google.api.HttpBody as the raw body with its own content type.
        success["schema"] = {"type": "file"}
        operation["produces"] = ["*/*"]
    elif schema.get("title", "").startswith("Stream result of"):
        # Envoy sends a server stream as one JSON array of messages, not grpc-gateway's {result, error} lines.
        success["schema"] = {"type": "array", "items": schema["properties"]["result"]}


def _pin_int64_strings(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") in INT64_PATTERNS:
            node["pattern"] = INT64_PATTERNS[node["format"]]
        for value in node.values():
            _pin_int64_strings(value)
    elif isinstance(node, list):
        for value in node:
            _pin_int64_strings(value)


def differences(expected: Path, actual: Path) -> list[str]:
    found: list[str] = []

    def walk(cmp: filecmp.dircmp) -> None:
        found.extend(f"only in proto output: {Path(cmp.left, n)}" for n in cmp.left_only)
        found.extend(f"stale file: {Path(cmp.right, n)}" for n in cmp.right_only if n != "__pycache__")
        found.extend(f"differs: {Path(cmp.right, n)}" for n in cmp.diff_files)
        for sub in cmp.subdirs.values():
            walk(sub)

    walk(filecmp.dircmp(expected, actual, ignore=["__pycache__"]))
    return found


def vendor() -> None:
    import google.api  # the googleapis-common-protos wheel ships its .proto sources

    source = Path(google.api.__path__[0]).parent
    for name in VENDORED:
        target = THIRD_PARTY / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target)
        print(f"vendored {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare generated/ with a fresh build")
    parser.add_argument("--vendor", action="store_true", help="refresh third_party/googleapis")
    args = parser.parse_args()
    if args.vendor:
        vendor()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            drift = differences(Path(tmp), GENERATED)
        if not OPENAPI.exists() or OPENAPI.read_text() != openapi_document():
            drift.append(f"differs: {OPENAPI}")
        if drift:
            print("generated/ or docs/openapi.json is out of date with proto/; run `make generate`:", *drift,
                  sep="\n  ")
            sys.exit(1)
        print(f"generated/ and {OPENAPI.relative_to(ROOT)} match proto/ ({len(contract_files())} contract files)")
        return
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    generate(GENERATED)
    OPENAPI.write_text(openapi_document())
    print(f"generated/ and {OPENAPI.relative_to(ROOT)} rebuilt from {len(contract_files())} contract files")


if __name__ == "__main__":
    main()
