from services.common.server import run, unimplemented

run("campaign", unimplemented("campaign"))
