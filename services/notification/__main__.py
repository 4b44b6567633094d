from services.common.server import run
from services.notification.main import build

run("notification", build)
