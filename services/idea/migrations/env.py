from services.common.migrations import run_env
from services.idea.repository import IdeaBase

run_env(IdeaBase.metadata)
