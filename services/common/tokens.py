"""Access tokens (ES256 JWTs minted by the auth service, checked everywhere) and service tokens (HS256 JWTs that
prove a call comes from another service of the mesh; the gateway never accepts them)."""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path

import jwt

from services.common.context import Caller
from services.common.errors import Unauthenticated

ISSUER = "coins-auth"
AUDIENCE = "coins"
SERVICE_ISSUER = "coins-mesh"
ACCESS_ALGORITHM = "ES256"
SERVICE_ALGORITHM = "HS256"
CLOCK_LEEWAY_S = 5


class AccessTokenVerifier:
    """Verifies each distinct token once and remembers the result until it expires: signature checks cost
    ~0.3 ms of CPU, and a client sends the same token on every call."""

    def __init__(self, public_key_pem: bytes, cache_size: int = 10_000):
        self._key = public_key_pem
        self._cache: OrderedDict[str, tuple[Caller, float]] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_file(cls, path: str) -> "AccessTokenVerifier":
        return cls(Path(path).read_bytes())

    def verify(self, token: str) -> Caller:
        cached = self._cache.get(token)
        now = time.time()
        if cached is not None:
            caller, expires_at = cached
            if now < expires_at + CLOCK_LEEWAY_S:
                return caller
            del self._cache[token]
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ACCESS_ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=CLOCK_LEEWAY_S,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the access token has expired; refresh it") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the access token is not valid") from None
        caller = Caller(
            user_id=str(claims["sub"]),
            email=str(claims.get("email", "")),
            roles=frozenset(claims.get("roles", ())),
            token=token,
            email_verified=claims.get("email_verified") is True,
        )
        self._cache[token] = (caller, float(claims["exp"]))
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return caller


class ServiceTokens:
    """Mints this service's own token (cached, renewed before expiry) and verifies other services' tokens."""

    LIFETIME_S = 3600

    def __init__(self, secret: str, service: str):
        self._secret = secret
        self._service = service
        self._token = ""
        self._renew_at = 0.0
        self._verified: dict[str, tuple[str, float]] = {}

    @property
    def enabled(self) -> bool:
        return bool(self._secret)

    def token(self) -> str:
        now = time.time()
        if now >= self._renew_at:
            claims = {"iss": SERVICE_ISSUER, "sub": f"service:{self._service}", "iat": int(now),
                      "exp": int(now + self.LIFETIME_S)}
            self._token = jwt.encode(claims, self._secret, algorithm=SERVICE_ALGORITHM)
            self._renew_at = now + self.LIFETIME_S / 2
        return self._token

    def verify(self, token: str) -> str:
        """The calling service's name."""
        if not self.enabled:
            raise Unauthenticated("service calls are refused: COINS_SERVICE_TOKEN_SECRET is not set")
        cached = self._verified.get(token)
        if cached and time.time() < cached[1]:
            return cached[0]
        try:
            claims = jwt.decode(token, self._secret, algorithms=[SERVICE_ALGORITHM], issuer=SERVICE_ISSUER,
                                options={"require": ["exp", "sub", "iss"]})
        except jwt.PyJWTError:
            raise Unauthenticated("the service token is not valid") from None
        subject = str(claims["sub"])
        if not subject.startswith("service:"):
            raise Unauthenticated("the service token is not valid")
        if len(self._verified) > 1000:
            self._verified.clear()
        self._verified[token] = (subject.removeprefix("service:"), float(claims["exp"]))
        return self._verified[token][0]
