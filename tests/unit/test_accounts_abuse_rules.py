"""Rules and helpers behind PRODUCT.md "Accounts and abuse" that need no running service."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import threading
import time
from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from coins.v1 import auth_service_pb2 as auth_pb
from services.auth import domain
from services.auth.credentials import AccessTokenIssuer, Passwords
from services.auth.domain import Account
from services.auth.servicer import client_address
from services.common import idempotency
from services.common.config import Settings
from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.tokens import AccessTokenVerifier
from tools.devstack import ensure_keys


def account(**overrides) -> Account:
    fields = dict(id="u1", email="ann@example.org", full_name="Ann", roles=(), active=True, email_verified=False,
                  created_at=datetime.now(timezone.utc))
    return Account(**{**fields, **overrides})


# ---- 3. password hashing is bounded --------------------------------------------------------------------------------

class CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting how many hashes run at once."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self._lock = threading.Lock()
        self.running = self.most = 0

    def hash(self, password, *, salt=None):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)
            return super().hash(password)
        finally:
            with self._lock:
                self.running -= 1


async def test_password_hashing_never_runs_more_than_the_setting_in_parallel():
    hasher = CountingHasher()
    passwords = Passwords(2, hasher)
    hashes = await asyncio.gather(*(passwords.hash(f"password number {n}") for n in range(10)))
    assert hasher.most == 2
    assert await passwords.verify(hashes[3], "password number 3")
    await passwords.close()


async def test_cancelled_calls_do_not_free_a_slot_while_their_hash_still_runs():
    hasher = CountingHasher()
    passwords = Passwords(2, hasher)
    abandoned = [asyncio.ensure_future(passwords.hash(f"abandoned {n}")) for n in range(6)]
    await asyncio.sleep(0.005)
    for call in abandoned:
        call.cancel()
    await asyncio.gather(*(passwords.hash(f"next {n}") for n in range(6)))
    assert hasher.most == 2
    await passwords.close()


def test_hashing_needs_at_least_one_slot():
    with pytest.raises(ValueError, match="COINS_PASSWORD_HASHING_CONCURRENCY"):
        Passwords(0)


# ---- 4. the client address -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("forwarded_for,hops,expected", [
    (["198.51.100.7"], 1, "198.51.100.7"),  # the gateway appended the peer it saw
    (["6.6.6.6, 198.51.100.7"], 1, "198.51.100.7"),  # what the client wrote itself is ignored
    (["6.6.6.6, 198.51.100.7, 10.0.0.9"], 2, "198.51.100.7"),  # ingress, then the gateway
    (["6.6.6.6,198.51.100.7", "10.0.0.9"], 2, "198.51.100.7"),  # repeated headers read as one list
    (["198.51.100.7"], 2, "127.0.0.1"),  # fewer entries than proxies: not through them; the peer it is
    ([], 1, "127.0.0.1"),
    (["198.51.100.7"], 0, "127.0.0.1"),  # no proxy trusted
    ([" , "], 1, "127.0.0.1"),
])
def test_the_client_is_the_entry_the_trusted_proxies_vouch_for(forwarded_for, hops, expected):
    assert client_address(forwarded_for, "ipv4:127.0.0.1:50123", hops) == expected


def test_peer_addresses_lose_their_port():
    assert client_address([], "ipv6:[2001:db8::1]:443", 1) == "2001:db8::1"
    assert client_address([], "unix:/tmp/socket", 1) == "unix:/tmp/socket"


def test_new_settings_have_safe_defaults():
    settings = Settings.from_env("auth", {})
    assert settings.trusted_proxy_hops == 1
    assert settings.password_hashing_concurrency == 2
    assert settings.registrations_per_address == 20
    assert settings.email_verification_ttl_s == 48 * 3600
    assert Settings.from_env("auth", {"COINS_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2


# ---- 5. the first admin --------------------------------------------------------------------------------------------

def test_the_first_admin_email_may_not_belong_to_someone_else():
    with pytest.raises(domain.FirstAdminRefused, match="ann@example.org"):
        domain.check_first_admin(account())
    domain.check_first_admin(account(roles=("admin",)))


# ---- 6. deactivation -----------------------------------------------------------------------------------------------

def test_an_admin_cannot_deactivate_itself():
    with pytest.raises(FailedPrecondition):
        domain.deactivation_allowed("a1", "a1")
    domain.deactivation_allowed("a1", "u2")


# ---- 7. verification -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("found,used,expired,says", [
    (False, False, False, "not valid"), (True, True, False, "already used"), (True, False, True, "expired")])
def test_a_verification_token_works_once_within_its_lifetime(found, used, expired, says):
    with pytest.raises(InvalidArgument, match=says) as refused:
        domain.check_verification(found=found, used=used, expired=expired)
    assert refused.value.field == "token"
    domain.check_verification(found=True, used=False, expired=False)


def test_the_verification_link_carries_the_token():
    assert domain.verification_link("https://coins.example", "a-b_c") == "https://coins.example/verify-email?token=a-b_c"


def test_a_verified_user_gets_no_new_link():
    with pytest.raises(FailedPrecondition):
        domain.resend_allowed(account(email_verified=True))
    domain.resend_allowed(account())


@pytest.mark.parametrize("verified", [True, False])
def test_access_tokens_say_whether_the_email_is_verified(verified):
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    token, _ = AccessTokenIssuer(private, 60).issue(account(email_verified=verified))
    assert AccessTokenVerifier(public).verify(token).email_verified is verified


# ---- 8. idempotent registration -----------------------------------------------------------------------------------

def test_a_stored_registration_fingerprint_holds_nothing_guessable_of_the_password():
    def key(password: str, email: str = "ann@example.org"):
        request = auth_pb.RegisterRequest(email=email, password=password, full_name="Ann", request_id="r1")
        return idempotency.key_of("/coins.v1.AuthService/Register", request, "anonymous")

    idempotency.configure("the platform's secret")
    first = key("first password").fingerprint
    assert first == key("first password").fingerprint  # a retry is recognised
    assert first != key("other password").fingerprint  # another password is another request
    assert first != key("first password", "bo@example.org").fingerprint
    # Without the platform's key, the digest of the request with the password alone does not match.
    plain = auth_pb.RegisterRequest(email="ann@example.org", password="first password", full_name="Ann")
    assert first != hashlib.sha256(plain.SerializeToString(deterministic=True)).hexdigest()
    idempotency.configure("another platform")
    assert key("first password").fingerprint != first


# ---- 10. key files -------------------------------------------------------------------------------------------------

def test_keys_are_private_from_the_moment_they_exist(tmp_path):
    previous = os.umask(0)  # the most permissive umask: the modes must not depend on it
    try:
        ensure_keys(tmp_path / "keys")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    files = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert files == ["jwt-private.pem", "jwt-public.pem", "service-token-secret"]
    for path in (tmp_path / "keys").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_existing_keys_are_kept(tmp_path):
    ensure_keys(tmp_path / "keys")
    before = {p.name: p.read_bytes() for p in (tmp_path / "keys").iterdir()}
    ensure_keys(tmp_path / "keys")
    assert {p.name: p.read_bytes() for p in (tmp_path / "keys").iterdir()} == before
