from services.common.server import run
from services.idea.main import build

run("idea", build)
