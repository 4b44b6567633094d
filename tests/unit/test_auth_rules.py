import pytest

from services.auth import domain
from services.auth.domain import RefreshVerdict
from services.common.errors import FailedPrecondition, InvalidArgument


def test_registration_normalises_and_checks_every_field():
    new = domain.registration(" Ann@Example.com ", "long enough password", "  Ann  ")
    assert (new.email, new.full_name) == ("Ann@Example.com", "Ann")
    with pytest.raises(InvalidArgument) as short:
        domain.registration("a@b.co", "short", "Ann")
    assert short.value.field == "password"
    with pytest.raises(InvalidArgument) as blank:
        domain.registration("a@b.co", " " * 12, "Ann")
    assert blank.value.field == "password"
    with pytest.raises(InvalidArgument) as nameless:
        domain.registration("a@b.co", "long enough password", "")
    assert nameless.value.field == "full_name"


def test_email_key_ignores_case_and_spaces():
    assert domain.email_key(" Ann@Example.COM") == domain.email_key("ann@example.com")


def test_refresh_tokens_are_random_and_stored_only_as_digests():
    first, second = domain.new_secret_token(), domain.new_secret_token()
    assert first != second and len(first) >= 40
    assert domain.secret_token_digest(first) != first.encode()
    assert len(domain.secret_token_digest(first)) == 32


@pytest.mark.parametrize("used,revoked,expired,verdict", [
    (False, False, False, RefreshVerdict.ROTATE),
    (True, False, False, RefreshVerdict.REUSED),
    (True, True, False, RefreshVerdict.DEAD),
    (False, False, True, RefreshVerdict.DEAD),
])
def test_refresh_verdicts(used, revoked, expired, verdict):
    assert domain.judge_refresh(used=used, revoked=revoked, expired=expired) is verdict


def test_reuse_is_reported_distinctly():
    assert domain.refresh_refused(RefreshVerdict.REUSED).metadata["reuse_detected"] == "true"
    assert "reuse_detected" not in domain.refresh_refused(RefreshVerdict.DEAD).metadata


def test_an_admin_cannot_revoke_its_own_admin_role():
    with pytest.raises(FailedPrecondition):
        domain.role_change_allowed("u1", "u1", "admin", granting=False)
    domain.role_change_allowed("u1", "u2", "admin", granting=False)
    domain.role_change_allowed("u1", "u1", "sponsor", granting=False)
    with pytest.raises(InvalidArgument):
        domain.role_change_allowed("u1", "u2", "wizard", granting=True)
