from services.coin.main import build
from services.common.server import run

run("coin", build)
