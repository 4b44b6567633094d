from services.common.server import run, unimplemented

run("analytics", unimplemented("analytics"))
