from services.campaign.main import build
from services.common.server import run

run("campaign", build)
