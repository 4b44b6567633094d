"""Sealed links (services/common/sealing.py): what one service seals with the platform's secret, another service
configured with the same secret opens; anything else is refused with BrokenSeal, never opened to garbage."""

import pytest

from services.common import sealing
from services.common.sealing import BrokenSeal

LINK = "https://coins.example/invitations/Zm9vYmFyYmF6cXV4cXV1eHF1dXg"


@pytest.fixture(autouse=True)
def platform_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Configured as a service's start-up does; the process's own key comes back after the test."""
    monkeypatch.setattr(sealing, "_cipher_v1", sealing._cipher_v1)
    sealing.configure("the platform's secret")


def test_a_sealed_link_opens_to_itself_and_shows_nothing_of_it():
    sealed = sealing.seal(LINK)
    assert sealing.open_sealed(sealed) == LINK
    assert b"invitations" not in sealed and b"Zm9vYmFy" not in sealed
    assert sealed[0] == sealing.VERSION
    assert sealing.open_sealed(sealing.seal("")) == ""
    assert sealing.open_sealed(sealing.seal("ünïcode ✓")) == "ünïcode ✓"


def test_each_seal_is_different_yet_opens_the_same():
    first, second = sealing.seal(LINK), sealing.seal(LINK)
    assert first != second  # a fresh nonce each time: equal links cannot be matched up on the stream
    assert sealing.open_sealed(first) == sealing.open_sealed(second) == LINK


def test_another_service_with_the_same_secret_opens_it():
    sealed = sealing.seal(LINK)
    sealing.configure("the platform's secret")  # as another process derives the key again
    assert sealing.open_sealed(sealed) == LINK


def test_a_platform_with_another_secret_cannot_open_it():
    sealed = sealing.seal(LINK)
    sealing.configure("another platform's secret")
    with pytest.raises(BrokenSeal, match="key"):
        sealing.open_sealed(sealed)


def test_an_empty_secret_keeps_the_key_configured_before():
    sealed = sealing.seal(LINK)
    sealing.configure("")
    assert sealing.open_sealed(sealed) == LINK


@pytest.mark.parametrize("position", [1, 5, 13, 20, -1])  # nonce, ciphertext, tag
def test_a_flipped_bit_anywhere_is_refused(position: int):
    sealed = bytearray(sealing.seal(LINK))
    sealed[position] ^= 0x01
    with pytest.raises(BrokenSeal):
        sealing.open_sealed(bytes(sealed))


def test_unknown_versions_truncated_and_empty_data_are_refused():
    sealed = sealing.seal(LINK)
    with pytest.raises(BrokenSeal, match="version 2"):
        sealing.open_sealed(bytes([2]) + sealed[1:])
    with pytest.raises(BrokenSeal, match="too short"):
        sealing.open_sealed(sealed[:20])
    with pytest.raises(BrokenSeal, match="too short"):
        sealing.open_sealed(b"")
    with pytest.raises(BrokenSeal):
        sealing.open_sealed(sealed[:-1])  # long enough, but its tag is cut
