from services.auth.repository import AuthBase
from services.common.migrations import run_env

run_env(AuthBase.metadata)
