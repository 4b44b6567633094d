import sys

if len(sys.argv) > 1:
    from services.search.command import main

    sys.exit(main())
else:
    from services.common.server import run
    from services.search.main import build

    run("search", build)
