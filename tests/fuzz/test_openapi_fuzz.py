"""Schemathesis against the live gateway, from docs/openapi.json: every external route, as a signed-in member and as
a campaign manager, with valid (positive) and invalid (negative) requests. No answer may be a 5xx, and every answer
must match the document: status documented, content type and body as described, errors as google.rpc.Status.

`pytest -s` prints the requests tried per route; `make fuzz` runs many more."""

from __future__ import annotations

import re

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.runs import DERANDOMIZE, Tally, examples
from tools.generate import OPENAPI

UNIMPLEMENTED = 12


@schemathesis.check
def no_server_error(ctx, response, case) -> None:
    """Any 5xx fails but 501 UNIMPLEMENTED: search and analytics answer it until their issues land."""
    if response.status_code >= 500 and not (response.status_code == 501
                                            and response.json().get("code") == UNIMPLEMENTED):
        raise AssertionError(f"server error {response.status_code}")


EXAMPLES = examples(in_suite=2)  # schemathesis' cases are slow to make: about 40 s on 2 busy cores
CHECKS = [no_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Failed sign-ins from one address are throttled for everyone on it (127.0.0.1 here): in the shared test stack,
# a handful, so the other tests can still sign in.
SIGN_IN = "POST /auth/login"
# A live stream answers for as long as the client listens (heartbeats keep it open): no request to it ends, so
# schemathesis cannot judge its answer. tests/e2e/test_notifications.py reads it line by line instead.
ENDLESS = {"GET /notifications:stream"}


def test_the_gateway_answers_every_generated_request_as_documented(stack, fuzz_world):
    schema = schemathesis.openapi.from_path(OPENAPI)
    base_url = f"http://127.0.0.1:{stack.ports.gateway}"
    real = {"campaignId": fuzz_world.campaign_id, "ideaId": fuzz_world.idea_id, "tagId": fuzz_world.tag_id,
            "userId": fuzz_world.member.id}
    callers = [{"authorization": f"Bearer {user.account.access_token}"}
               for user in (fuzz_world.member, fuzz_world.manager)]
    tally = Tally("REST through the gateway (schemathesis): requests per route")
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.label in ENDLESS:
                continue
            known = {name: real[name] for name in re.findall(r"{(\w+)}", operation.path) if name in real}
            count = EXAMPLES if operation.label != SIGN_IN or not DERANDOMIZE else 1
            for mode in GenerationMode:
                cases = st.one_of(operation.as_strategy(mode, path_parameters=known),
                                  operation.as_strategy(mode)) if known else operation.as_strategy(mode)
                _fuzz(cases, callers, count * len(callers),
                      lambda case, headers: _try(case, base_url, session, headers, tally))
    print("\n" + tally.report())
    assert not tally.failed, tally.report()


def _fuzz(cases, callers: list[dict[str, str]], count: int, attempt) -> None:
    @settings(max_examples=count, deadline=None, database=None, derandomize=DERANDOMIZE,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases, headers=st.sampled_from(callers))
    def run(case, headers):
        attempt(case, headers)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to make invalid: a route without parameters or body has no negative cases


def _try(case, base_url: str, session: requests.Session, headers: dict[str, str], tally: Tally) -> None:
    label = case.operation.label
    try:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=15)
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as failures:
        tally.record(label, str(failures))
    except requests.RequestException as error:
        tally.record(label, f"{error!r}\n{case.as_curl_command(headers=headers)}")
    else:
        tally.record(label)


def test_a_path_or_query_that_is_not_utf8_is_a_bad_request(gateway, fuzz_world):
    """Envoy passes `%FF` on into a string field, which then is no valid protobuf message."""
    for path in (f"/campaigns/{fuzz_world.campaign_id}%FF", "/campaigns?pageToken=%FF"):
        answer = gateway.get(path, headers=fuzz_world.member.account.bearer)
        assert answer.status_code == 400, f"GET {path}: {answer.status_code} {answer.text}"
        assert answer.json()["code"] == 3
