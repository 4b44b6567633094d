"""Packs a release of the contracts: the protos as tagged, Google's vendored protos they import, buf.yaml, a buf image
(what `buf breaking --against` takes) and a plain FileDescriptorSet with source info (what Envoy, grpcurl -protoset
and schema registries take), the API's CHANGELOG and SHA256SUMS, as one archive ready to push to a schema registry.
It also writes the image to proto/releases/VERSION.binpb, the release `make breaking` compares against: commit it,
since CI's clones may have no tags.

    python -m tools.release_contracts v0.1.0        # build/dist/contracts-v0.1.0.tar.gz, proto/releases/v0.1.0.binpb

The contracts come from the git tag named VERSION when it exists, else from the working tree (said so on stderr).
The archive is byte-for-byte reproducible; a release image already in proto/releases is never overwritten with
other bytes (a release does not change).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "proto" / "releases"
DIST = ROOT / "build" / "dist"
CHANGELOG = ROOT / "proto" / "CHANGELOG.md"
CONTRACT_PATHS = ["buf.yaml", "proto/coins", "third_party/googleapis"]
VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


def buf() -> str:
    found = shutil.which("buf") or str(ROOT / ".dev" / "tools" / "node_modules" / ".bin" / "buf")
    if not Path(found).exists():
        sys.exit("buf is missing; `make bootstrap` installs it")
    return found


def tag_exists(version: str) -> bool:
    return subprocess.run(["git", "rev-parse", "-q", "--verify", f"refs/tags/{version}"], cwd=ROOT,
                          capture_output=True).returncode == 0


def export_contracts(version: str, into: Path) -> str:
    """Copies the contracts as of the tag (or the working tree) into `into`; returns where they came from."""
    if tag_exists(version):
        archive = subprocess.run(["git", "archive", "--format=tar", version, *CONTRACT_PATHS], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(into, filter="data")
        return f"tag {version}"
    print(f"[release-contracts] no tag {version}: packing the working tree", file=sys.stderr)
    for path in CONTRACT_PATHS:
        source = ROOT / path
        if source.is_dir():
            shutil.copytree(source, into / path, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, into / path)
    return "the working tree"


def build(version: str, work: Path) -> Path:
    """The release's folder inside `work`: contracts, image, descriptor set, CHANGELOG, SHA256SUMS."""
    release = work / f"contracts-{version}"
    release.mkdir()
    source = export_contracts(version, release)
    # The image of our module alone (Google's protos ride along as imports): `buf breaking proto --against` it.
    subprocess.run([buf(), "build", "proto", "-o", "image.binpb"], cwd=release, check=True, capture_output=True)
    # Every file, error_details.proto included: the REST gateway needs it to print ErrorInfo.
    subprocess.run([buf(), "build", "--as-file-descriptor-set", "-o", "coins.pb"], cwd=release, check=True,
                   capture_output=True)
    if CHANGELOG.exists():
        shutil.copyfile(CHANGELOG, release / "CHANGELOG.md")
    files = sorted(p for p in release.rglob("*") if p.is_file())
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(release)}\n" for p in files)
    (release / "SHA256SUMS").write_text(sums)
    print(f"[release-contracts] {version} from {source}", file=sys.stderr)
    return release


def pack(release: Path, out: Path) -> None:
    """A reproducible .tar.gz: sorted entries, no owners, times zero."""
    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        info.mode = 0o755 if info.isdir() else 0o644
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in [release, *sorted(release.rglob("*"))]:
            tar.add(path, arcname=str(path.relative_to(release.parent)), recursive=False, filter=clean)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as zipped:
        zipped.write(buffer.getvalue())


def record_image(version: str, image: Path, releases: Path = RELEASES) -> Path:
    target = releases / f"{version}.binpb"
    if target.exists():
        if target.read_bytes() != image.read_bytes():
            sys.exit(f"{target} exists with other contents: a release's contracts never change")
        return target
    releases.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(image, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="vMAJOR.MINOR.PATCH")
    parser.add_argument("--out-dir", type=Path, default=DIST)
    args = parser.parse_args()
    if not VERSION.match(args.version):
        sys.exit(f"version {args.version!r} is not vMAJOR.MINOR.PATCH")
    with tempfile.TemporaryDirectory() as tmp:
        release = build(args.version, Path(tmp))
        archive = args.out_dir / f"contracts-{args.version}.tar.gz"
        pack(release, archive)
        image = record_image(args.version, release / "image.binpb")
    print(os.path.relpath(archive, Path.cwd()))
    print(os.path.relpath(image, Path.cwd()))


if __name__ == "__main__":
    main()
