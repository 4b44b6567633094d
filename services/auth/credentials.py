"""Password hashing (argon2id, off the event loop) and access-token signing (ES256)."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.tokens import ACCESS_ALGORITHM, AUDIENCE, ISSUER

_hasher = PasswordHasher()  # argon2id; the library's defaults exceed OWASP's minimum
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("no account has this password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


class AccessTokenIssuer:
    def __init__(self, private_key_pem: bytes, ttl_s: int):
        self._key = private_key_pem
        self.ttl_s = ttl_s

    @classmethod
    def from_file(cls, path: str, ttl_s: int) -> "AccessTokenIssuer":
        return cls(Path(path).read_bytes(), ttl_s)

    def issue(self, user_id: str, email: str, roles: tuple[str, ...]) -> tuple[str, int]:
        """The token and its expiry (unix seconds)."""
        now = int(time.time())
        expires = now + self.ttl_s
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": user_id, "email": email, "roles": list(roles),
                  "iat": now, "exp": expires, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._key, algorithm=ACCESS_ALGORITHM), expires
