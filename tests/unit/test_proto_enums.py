"""Each domain concept and its proto enum name the same values, both ways, and requests are range-checked."""

import pytest

from services.common import proto_enums
from services.common.concepts import CampaignStatus
from services.common.errors import InvalidArgument


@pytest.mark.parametrize("mapping", proto_enums.ALL, ids=lambda m: m.concept.__name__)
def test_every_proto_value_has_one_concept_and_back(mapping):
    proto_values = {number for name, number in mapping.proto.items() if not name.endswith("_UNSPECIFIED")}
    assert {mapping.to_proto(member) for member in mapping.concept} == proto_values
    for member in mapping.concept:
        assert mapping.from_proto("field", mapping.to_proto(member)) is member


def test_requests_naming_no_value_are_refused():
    status = proto_enums.CAMPAIGN_STATUS
    assert status.from_proto("status", 0, required=False) is None
    assert status.to_proto(None) == 0 and status.to_proto("active") == status.to_proto(CampaignStatus.ACTIVE)
    for number, required in ((0, True), (7, False), (-1, False)):
        with pytest.raises(InvalidArgument) as refused:
            status.from_proto("status", number, required=required)
        assert refused.value.field == "status"
