import sys

if len(sys.argv) > 1:
    from services.analytics.command import main

    sys.exit(main())
else:
    from services.analytics.main import build
    from services.common.server import run

    run("analytics", build)
