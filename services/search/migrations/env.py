from services.common.migrations import run_env
from services.search.repository import METADATA

run_env(METADATA)
