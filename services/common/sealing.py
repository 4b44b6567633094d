"""Sealed links: bearer secrets (invitation and email verification links) that travel inside domain events, readable
only by a service holding the platform's secret. Outboxes, streams and dead-letter copies keep the ciphertext, so a
consumer that merely reads the stream (search, analytics) or a copy of it admits nobody.

A sealed value is `version (1 byte) | nonce (12 random bytes) | AES-256-GCM ciphertext and tag`; the version byte is
also authenticated as associated data. The key is derived by HKDF-SHA256 from COINS_SERVICE_TOKEN_SECRET, which every
service shares, under a label of its own, so it is no key used for anything else. The version names the key: a later
key gets a new version while values sealed under the old one still open."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
KEY_LABEL = b"coins-sealed-links-v1"
NONCE_BYTES = 12  # 96 bits, GCM's native nonce; random nonces are safe far beyond the number of links we seal
TAG_BYTES = 16


class BrokenSeal(ValueError):
    """The data was not sealed under this platform's key (another secret, an unknown version) or was altered."""


def _cipher(secret: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_LABEL).derive(secret)
    return AESGCM(key)


# Replaced at start-up by the platform's key; a process never configured (unit tests) seals for itself alone.
_cipher_v1 = _cipher(secrets.token_bytes(32))


def configure(secret: str) -> None:
    """The key everything is sealed with; every service needs the same secret to open what another sealed."""
    global _cipher_v1
    if secret:
        _cipher_v1 = _cipher(secret.encode())


def seal(text: str) -> bytes:
    header = bytes([VERSION])
    nonce = secrets.token_bytes(NONCE_BYTES)
    return header + nonce + _cipher_v1.encrypt(nonce, text.encode(), header)


def open_sealed(data: bytes) -> str:
    """The text `seal()` sealed; BrokenSeal when it cannot be opened with this platform's key."""
    if len(data) < 1 + NONCE_BYTES + TAG_BYTES:
        raise BrokenSeal("too short to be a sealed value")
    if data[0] != VERSION:
        raise BrokenSeal(f"sealed under an unknown key version {data[0]}")
    nonce, ciphertext = data[1:1 + NONCE_BYTES], data[1 + NONCE_BYTES:]
    try:
        return _cipher_v1.decrypt(nonce, ciphertext, data[:1]).decode()
    except InvalidTag:
        raise BrokenSeal("not sealed with this platform's key, or altered") from None
