from services.common.server import run, unimplemented

run("idea", unimplemented("idea"))
