"""Password hashing (argon2id, off the event loop, bounded) and access-token signing (ES256)."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.auth.domain import Account
from services.common.tokens import ACCESS_ALGORITHM, AUDIENCE, ISSUER

# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = PasswordHasher().hash("no account has this password")


class Passwords:
    """argon2id (the library's defaults exceed OWASP's minimum) in a pool of `parallel` threads of its own: each
    hash costs a core for ~0.1 s and 64 MiB, so a burst of sign-ins queues instead of piling up threads. A pool,
    not a semaphore around asyncio.to_thread: a cancelled call would free its slot while its thread still hashes."""

    def __init__(self, parallel: int, hasher: PasswordHasher | None = None):
        if parallel < 1:
            raise ValueError(f"COINS_PASSWORD_HASHING_CONCURRENCY must be at least 1, got {parallel}")
        self._hasher = hasher or PasswordHasher()
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="argon2")

    async def hash(self, password: str) -> str:
        return await asyncio.wrap_future(self._pool.submit(self._hasher.hash, password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.wrap_future(self._pool.submit(check))

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class AccessTokenIssuer:
    def __init__(self, private_key_pem: bytes, ttl_s: int):
        self._key = private_key_pem
        self.ttl_s = ttl_s

    @classmethod
    def from_file(cls, path: str, ttl_s: int) -> AccessTokenIssuer:
        return cls(Path(path).read_bytes(), ttl_s)

    def issue(self, account: Account) -> tuple[str, int]:
        """The token and its expiry (unix seconds)."""
        now = int(time.time())
        expires = now + self.ttl_s
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": account.id, "email": account.email,
                  "email_verified": account.email_verified, "roles": list(account.roles),
                  "iat": now, "exp": expires, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._key, algorithm=ACCESS_ALGORITHM), expires
