from services.common.server import run, unimplemented

run("notification", unimplemented("notification"))
