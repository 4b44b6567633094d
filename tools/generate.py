"""Builds generated/ from proto/: Python messages, gRPC stubs, type stubs and the gateway's descriptor set.

    python tools/generate.py            # write generated/
    python tools/generate.py --check    # fail when generated/ differs from what proto/ makes
    python tools/generate.py --vendor   # refresh third_party/googleapis from the pinned wheel

Output depends only on proto/ and the pinned grpcio-tools / mypy-protobuf versions, so CI can compare.
"""

from __future__ import annotations

import argparse
import filecmp
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
        if drift:
            print("generated/ is out of date with proto/; run `make generate`:", *drift, sep="\n  ")
            sys.exit(1)
        print(f"generated/ matches proto/ ({len(contract_files())} contract files)")
        return
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    generate(GENERATED)
    print(f"generated/ rebuilt from {len(contract_files())} contract files")


if __name__ == "__main__":
    main()
