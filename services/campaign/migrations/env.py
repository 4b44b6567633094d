from services.campaign.repository import CampaignBase
from services.common.migrations import run_env

run_env(CampaignBase.metadata)
