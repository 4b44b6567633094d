from services.analytics.repository import METADATA
from services.common.migrations import run_env

run_env(METADATA)
