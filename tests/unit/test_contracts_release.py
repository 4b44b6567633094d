"""The breaking-change gate and the release archive, on scratch copies of the contracts: `make breaking` compares
proto/ with the newest release image (proto/releases/), so a change that would break a generated client fails
`make test`; `make release-contracts` packs the same thing every time."""

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from tools import release_contracts

ROOT = Path(__file__).resolve().parents[2]


def newest_release() -> Path:
    images = sorted(ROOT.glob("proto/releases/v*.binpb"),
                    key=lambda p: tuple(int(n) for n in re.findall(r"\d+", p.stem)))
    assert images, "no release image in proto/releases: `make release-contracts VERSION=...` writes one"
    return images[-1]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """buf.yaml, proto/coins and the vendored Google protos, copied: the tests edit the copy."""
    shutil.copyfile(ROOT / "buf.yaml", tmp_path / "buf.yaml")
    shutil.copytree(ROOT / "proto" / "coins", tmp_path / "proto" / "coins")
    shutil.copytree(ROOT / "third_party" / "googleapis", tmp_path / "third_party" / "googleapis")
    return tmp_path


def gate(workspace: Path) -> subprocess.CompletedProcess:
    """What `make breaking` runs, in another folder."""
    return subprocess.run([release_contracts.buf(), "breaking", "proto", "--against", str(newest_release())],
                          cwd=workspace, capture_output=True, text=True, timeout=120)


def edit(workspace: Path, name: str, old: str, new: str) -> None:
    path = workspace / "proto" / "coins" / "v1" / name
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not once in {name}"
    path.write_text(text.replace(old, new))


def complaints_about(result: subprocess.CompletedProcess, file: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"proto/coins/v1/{file}:")]


def test_the_release_image_holds_the_released_contracts():
    image = descriptor_pb2.FileDescriptorSet.FromString(newest_release().read_bytes())  # an image reads as one
    files = {f.name: f for f in image.file}
    assert "coins/v1/coin_service.proto" in files and "google/api/annotations.proto" in files
    request = next(m for m in files["coins/v1/coin_service.proto"].message_type if m.name == "AllocateCoinsRequest")
    assert {f.name: f.number for f in request.field}["amount"] == 3


def test_the_gate_fails_a_renamed_field_and_a_removed_method(scratch):
    edit(scratch, "coin_service.proto", "// More than 0.\n  int64 amount = 3", "// More than 0.\n  int64 coins = 3")
    edit(scratch, "idea_service.proto", "rpc GetIdea(", "rpc FetchIdea(")
    result = gate(scratch)
    assert result.returncode != 0
    coin = "\n".join(complaints_about(result, "coin_service.proto"))
    assert 'Field "3" on message "AllocateCoinsRequest" changed name from "amount" to "coins"' in coin
    assert any('"GetIdea" on service "IdeaService" was deleted' in line
               for line in complaints_about(result, "idea_service.proto"))


def test_the_gate_lets_an_added_field_through(scratch):
    edit(scratch, "coin_service.proto", "message GetCoinBalanceRequest {\n",
         "message GetCoinBalanceRequest {\n  // As of this time; now when unset.\n  string as_of = 90;\n")
    assert complaints_about(gate(scratch), "coin_service.proto") == []


def test_the_release_archive_is_reproducible_and_complete(tmp_path):
    archives = []
    for attempt in ("first", "second"):
        work = tmp_path / attempt
        work.mkdir()
        release = release_contracts.build("v0.1.0", work)
        release_contracts.pack(release, work / "contracts.tar.gz")
        archives.append((work / "contracts.tar.gz").read_bytes())
    assert archives[0] == archives[1]
    with tarfile.open(tmp_path / "first" / "contracts.tar.gz") as tar:
        names = set(tar.getnames())
        sums = tar.extractfile("contracts-v0.1.0/SHA256SUMS").read().decode()
    assert {"contracts-v0.1.0/coins.pb", "contracts-v0.1.0/image.binpb", "contracts-v0.1.0/buf.yaml",
            "contracts-v0.1.0/proto/coins/v1/coin_service.proto",
            "contracts-v0.1.0/third_party/googleapis/google/rpc/error_details.proto"} <= names
    assert "  coins.pb\n" in sums and "  proto/coins/v1/coin_service.proto\n" in sums
    # The descriptor set carries error_details.proto, which no contract imports: gateways need it for ErrorInfo.
    descriptors = descriptor_pb2.FileDescriptorSet.FromString(
        (tmp_path / "first" / "contracts-v0.1.0" / "coins.pb").read_bytes())
    assert "google/rpc/error_details.proto" in {f.name for f in descriptors.file}


def test_a_released_image_is_never_replaced(tmp_path):
    image = tmp_path / "image.binpb"
    image.write_bytes(b"first")
    releases = tmp_path / "releases"
    release_contracts.record_image("v9.9.9", image, releases)
    release_contracts.record_image("v9.9.9", image, releases)  # the same bytes again: fine
    image.write_bytes(b"other")
    with pytest.raises(SystemExit, match="never change"):
        release_contracts.record_image("v9.9.9", image, releases)
    assert (releases / "v9.9.9.binpb").read_bytes() == b"first"
