"""Campaign values as protobuf messages: the servicer's answers and the payloads of the campaign's domain events."""

from __future__ import annotations

from coins.v1 import resources_pb2 as res
from services.campaign.domain import Campaign, Tag
from services.common.convert import timestamp
from services.common.proto_enums import CAMPAIGN_STATUS, CAMPAIGN_TYPE


def campaign_message(campaign: Campaign) -> res.Campaign:
    policy = campaign.policy
    return res.Campaign(
        id=campaign.campaign_uuid, campaign_id=campaign.campaign_id, title=campaign.title,
        description=campaign.description, type=CAMPAIGN_TYPE.to_proto(campaign.type),
        status=CAMPAIGN_STATUS.to_proto(campaign.status),
        start_time=timestamp(campaign.start_time), end_time=timestamp(campaign.end_time),
        banner_image_url=campaign.banner_image_url, icon_url=campaign.icon_url,
        coin_policy=res.CoinPolicy(initial_allocation=policy.initial_allocation,
                                   idea_submission_reward=policy.idea_submission_reward,
                                   allow_reallocation=policy.allow_reallocation,
                                   allow_recycling=policy.allow_recycling, max_per_idea=policy.max_per_idea,
                                   max_rewarded_ideas=policy.max_rewarded_ideas),
        create_time=timestamp(campaign.created_at), update_time=timestamp(campaign.updated_at))


def tag_message(tag: Tag) -> res.Tag:
    return res.Tag(id=tag.id, campaign_id=tag.campaign_id, name=tag.name, description=tag.description,
                   color=tag.color, create_time=timestamp(tag.created_at))
