import base64

import pytest

from services.common import paging, validation
from services.common.errors import InvalidArgument


@pytest.mark.parametrize("value", ["a@b.co", "first.last+tag@sub.example.org"])
def test_accepts_ordinary_emails(value):
    assert validation.email("email", f"  {value} ") == value


@pytest.mark.parametrize("value", ["", "plain", "a@", "@b.co", "a b@c.de", "a@b", "x" * 250 + "@b.co"])
def test_refuses_malformed_emails_naming_the_field(value):
    with pytest.raises(InvalidArgument) as raised:
        validation.email("email", value)
    assert raised.value.field == "email"


def test_text_is_trimmed_and_bounded():
    assert validation.text("title", "  hello ", max_length=5) == "hello"
    with pytest.raises(InvalidArgument, match="longer than 5"):
        validation.text("title", "toolong", max_length=5)
    with pytest.raises(InvalidArgument, match="required"):
        validation.text("title", "   ", max_length=5)
    with pytest.raises(InvalidArgument, match="control characters"):
        validation.text("title", "a\x00b", max_length=5)
    assert validation.text("note", "", max_length=5, required=False) == ""


def test_uuid_must_be_canonical():
    value = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert str(validation.uuid_id("idea_id", value)) == value
    for bad in ("", "nope", "0f8fad5bd9cb469fa16570867728950e", "{" + value + "}"):
        with pytest.raises(InvalidArgument):
            validation.uuid_id("idea_id", bad)


@pytest.mark.parametrize("value,ok", [("abc", True), ("my-campaign-2", True), ("ab", False), ("Caps", False),
                                      ("a/b-c", False), ("x" * 101, False)])
def test_slugs(value, ok):
    if ok:
        assert validation.slug("campaign_id", value) == value
    else:
        with pytest.raises(InvalidArgument):
            validation.slug("campaign_id", value)


def test_enum_values_out_of_range_are_refused():
    known = {1, 2}
    assert validation.enum_value("role", 2, known) == 2
    with pytest.raises(InvalidArgument, match="no value 7"):
        validation.enum_value("role", 7, known)
    with pytest.raises(InvalidArgument, match="required"):
        validation.enum_value("role", 0, known)
    assert validation.enum_value("status", 0, known, required=False) == 0


def test_page_size_defaults_and_bounds():
    assert validation.page_size(0) == 50
    assert validation.page_size(200) == 200
    for bad in (-1, 201):
        with pytest.raises(InvalidArgument, match="page_size"):
            validation.page_size(bad)


def test_page_tokens_round_trip_and_reject_forgeries():
    token = paging.encode({"after": "m@x.org"})
    assert paging.decode(token) == {"after": "m@x.org"}
    assert paging.decode("") == {}
    unsigned = base64.urlsafe_b64encode(b'{"offset":2}').decode()
    for forged in ("%%%", "WzFd", unsigned, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        with pytest.raises(InvalidArgument):
            paging.decode(forged)
    with pytest.raises(InvalidArgument):
        paging.offset(paging.encode({"offset": -1}))
