"""Serves the built web app (web/dist) to the Envoy gateway, which routes the app's own paths here and every API
path to the services. A client-side route (/c/green-office/submit) gets index.html; a missing asset is a 404.

    python -m tools.webserver --port 8090 [--dir web/dist]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
NOT_BUILT = "The web app is not built yet: run `make web`, then reload this page.\n"
# Vite puts a content hash in every asset's name: a changed file is a new URL, so browsers may keep them for good.
IMMUTABLE = "public, max-age=31536000, immutable"


def app(dist: Path) -> web.Application:
    dist = dist.resolve()

    async def serve(request: web.Request) -> web.StreamResponse:
        index = dist / "index.html"
        if not index.exists():
            return web.Response(status=503, text=NOT_BUILT)
        wanted = (dist / request.path.lstrip("/")).resolve()
        if wanted.is_relative_to(dist) and wanted.is_file():
            # FileResponse sends the .gz beside a file (written by the build) to clients that accept gzip.
            cache = IMMUTABLE if request.path.startswith("/assets/") else "no-cache"
            return web.FileResponse(wanted, headers={"cache-control": cache})
        if request.path.startswith("/assets/"):
            return web.Response(status=404, text="no such file\n")
        return web.FileResponse(index, headers={"cache-control": "no-cache"})

    application = web.Application()
    application.router.add_get("/{tail:.*}", serve)  # HEAD too
    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--dir", type=Path, default=DIST)
    args = parser.parse_args()
    web.run_app(app(args.dir), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
