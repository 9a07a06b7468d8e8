"""The baseline: a bare FastAPI app with one /ping route, served exactly as the services are."""

from __future__ import annotations

import sys

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    import uvicorn

    from services.cli.run_cmds import UVICORN_OPTIONS

    uvicorn.run("tests.perf.ping_app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]),
                workers=1, **UVICORN_OPTIONS)
