from services.common.server import run, unimplemented

run("search", unimplemented("search"))
