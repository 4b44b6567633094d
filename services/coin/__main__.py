from services.common.server import run, unimplemented

run("coin", unimplemented("coin"))
