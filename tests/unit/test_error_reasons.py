"""Every reason an error can carry is declared in proto/coins/v1/errors.proto, where clients in every language
read it: the Python constants, the refusals the ledger's SQL functions raise, and no literal elsewhere."""

import re
from pathlib import Path

import pytest

from services.common import errors
from services.common.errors import FailedPrecondition

SERVICES = Path(__file__).resolve().parents[2] / "services"
# Raised by the ledger for operators only (a write the append-only trigger refused), never sent to a client.
NOT_FOR_CLIENTS = {"LEDGER_APPEND_ONLY"}


def test_the_python_constants_are_declared_reasons():
    constants = {value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)}
    assert constants - {errors.ERROR_DOMAIN} <= errors.REASONS
    # The rest name gRPC statuses that no rule of ours raises.
    assert {errors.reason_for_status(code) for code in ("UNIMPLEMENTED", "DEADLINE_EXCEEDED", "CANCELLED")} == {
        "UNIMPLEMENTED", "DEADLINE_EXCEEDED", "INTERNAL"}


def test_the_ledger_raises_only_declared_reasons():
    raised = set()
    ledger = SERVICES / "coin" / "migrations"
    for migration in [*(ledger / "versions").glob("*.py"), *(ledger / "sql").glob("*.sql")]:
        raised |= set(re.findall(r"RAISE EXCEPTION '([A-Z_0-9]+)'", migration.read_text()))
    assert raised - NOT_FOR_CLIENTS <= errors.REASONS


def test_no_reason_is_written_as_a_literal_outside_errors_py():
    call = re.compile(r"(?:FailedPrecondition|NotFound|AlreadyExists|DomainError|InvalidArgument)\(\s*\"[A-Z_0-9]+\"")
    offenders = [str(path.relative_to(SERVICES)) for path in SERVICES.rglob("*.py")
                 if "migrations" not in path.parts and call.search(path.read_text())]
    assert offenders == []


def test_an_undeclared_reason_is_refused_where_it_is_raised():
    with pytest.raises(ValueError):
        FailedPrecondition("SOMETHING_NEW", "a reason nobody declared")
