from services.auth.main import build
from services.common.server import run

run("auth", build)
