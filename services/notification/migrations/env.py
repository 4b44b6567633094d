from services.common.migrations import run_env
from services.notification.repository import METADATA

run_env(METADATA)
