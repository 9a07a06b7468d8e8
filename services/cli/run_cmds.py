"""``pdr up``, ``pdr serve`` and ``pdr migrate``: run the system on the embedded default or any database."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from services.kernel.migrate import upgrade
from services.kernel.private_files import write_private

from .common import PROCESSES, SERVICES, DataDir, run, service_db, use_data_dir

__all__ = ["DEFAULT_PORTS", "UVICORN_OPTIONS", "register", "service_env", "start_services"]

console = Console()
DEFAULT_PORTS = {"auth": 8001, "registry": 8002, "scoring": 8003, "console": 8004}
# How every service is served; benchmarks start their baseline app with the same options.
UVICORN_OPTIONS = {
    "log_config": None, "access_log": False, "proxy_headers": True, "timeout_graceful_shutdown": 30,
    "server_header": False,
}


def _migrate(services: tuple[str, ...] = SERVICES) -> None:
    for service in services:
        upgrade(service)


def _demo_credentials(data_dir: Path) -> dict:
    """Demo client secrets are made once per data directory and kept beside the databases."""
    path = data_dir / "demo-credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    creds = {"gov-portal": secrets.token_urlsafe(24), "scoring-service": secrets.token_urlsafe(24)}
    write_private(path, json.dumps(creds))
    return creds


def _seed_identities(client_secrets: dict) -> dict:
    from services.auth.demo import seed_demo
    from services.auth.secrets import ClientSecrets
    from services.auth.settings import AuthSettings

    async def work():
        db = await service_db("auth")
        try:
            async with db.sessions.begin() as session:
                return await seed_demo(session, ClientSecrets(AuthSettings().client_secret_pepper), client_secrets)
        finally:
            await db.dispose()

    return run(work)


def _wait_ready(urls: dict[str, str], procs: dict[str, subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            if procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with code {procs[name].returncode}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    pending.pop(name)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")


def _stop(procs: dict[str, subprocess.Popen]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def service_env(ports: dict[str, int], host: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment that wires the three services to each other (used by `pdr up` and the e2e tests)."""
    issuer = f"http://{host}:{ports['auth']}"
    env = dict(os.environ)
    for service, port in ports.items():
        prefix = f"PDR_{service.upper()}_"
        env[prefix + "PORT"] = str(port)
        env[prefix + "HOST"] = host
        env[prefix + "ISSUER"] = issuer
    env["PDR_SCORING_REGISTRY_URL"] = f"http://{host}:{ports['registry']}"
    for service in SERVICES:
        env[f"PDR_CONSOLE_{service.upper()}_URL"] = f"http://{host}:{ports[service]}"
    if "console" not in ports:  # callers that name only the three services still get a console, on a free port
        env["PDR_CONSOLE_PORT"] = str(_free_port(host))
        env["PDR_CONSOLE_HOST"] = host
    env["PDR_SCORING_TOKEN_URL"] = f"{issuer}/oauth/token"
    env.update(extra or {})
    return env


def start_services(env: dict[str, str], log_dir: Path | None = None) -> dict[str, subprocess.Popen]:
    procs = {}
    for service in PROCESSES:
        out = open(log_dir / f"{service}.log", "ab") if log_dir else None  # noqa: SIM115 (lives with the child)
        procs[service] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", service], env=env, stdout=out, stderr=out,
        )
    return procs


def register(app: typer.Typer) -> None:
    @app.command()
    def up(
        data_dir: DataDir = Path("var"),
        demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Seed demo identities and data")] = True,
        host: Annotated[str, typer.Option()] = "127.0.0.1",
        auth_port: Annotated[int, typer.Option()] = DEFAULT_PORTS["auth"],
        registry_port: Annotated[int, typer.Option()] = DEFAULT_PORTS["registry"],
        scoring_port: Annotated[int, typer.Option()] = DEFAULT_PORTS["scoring"],
        console_port: Annotated[int, typer.Option()] = DEFAULT_PORTS["console"],
    ) -> None:
        """Migrate and start the three services and the web console in the foreground; Ctrl-C stops them all."""
        data_dir = data_dir or Path("var")
        use_data_dir(data_dir)
        console.print(f"[bold]PDR[/bold] data in {data_dir.resolve()}")
        _migrate()
        ports = {"auth": auth_port, "registry": registry_port, "scoring": scoring_port, "console": console_port}
        extra: dict[str, str] = {}
        seeded = None
        if demo:
            creds = _demo_credentials(data_dir)
            seeded = _seed_identities(creds)
            extra = {"PDR_SCORING_CLIENT_ID": "scoring-service", "PDR_SCORING_CLIENT_SECRET": creds["scoring-service"],
                     "PDR_REGISTRY_DEMO": "true", "PDR_SCORING_DEMO": "true", "PDR_CONSOLE_DEMO": "true"}
        env = service_env(ports, host, extra)
        procs = start_services(env)
        urls = {s: f"http://{host}:{p}" for s, p in ports.items()}
        stopping = False

        def on_signal(signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, on_signal)
        try:
            _wait_ready(urls, procs)
            if demo:
                from .demo import seed_registry_demo

                seed_registry_demo(urls, creds)
            _print_urls(urls, seeded)
            while not stopping and all(p.poll() is None for p in procs.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]")
            _stop(procs)
            raise typer.Exit(1) from None
        console.print("stopping…")
        _stop(procs)

    @app.command()
    def serve(
        service: Annotated[str, typer.Argument(help="auth | registry | scoring | console")],
        host: Annotated[str | None, typer.Option(help="Default from PDR_<SERVICE>_HOST")] = None,
        port: Annotated[int | None, typer.Option(help="Default from PDR_<SERVICE>_PORT")] = None,
        workers: Annotated[int, typer.Option()] = 1,
    ) -> None:
        """Serve one service with uvicorn (settings from env); SIGTERM drains in-flight requests."""
        import uvicorn

        if service not in PROCESSES:
            raise typer.BadParameter(f"unknown service {service!r}")
        prefix = f"PDR_{service.upper()}_"
        uvicorn.run(
            f"services.{service}.main:create_app", factory=True,
            host=host or os.environ.get(prefix + "HOST", "127.0.0.1"),
            port=port or int(os.environ.get(prefix + "PORT", DEFAULT_PORTS[service])),
            workers=workers, **UVICORN_OPTIONS,
        )

    @app.command()
    def migrate(
        services: Annotated[list[str] | None, typer.Argument(help="Services to migrate (default: all)")] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Upgrade each service's database to the newest migration."""
        use_data_dir(data_dir)
        chosen = tuple(services or SERVICES)
        for service in chosen:
            if service not in SERVICES:
                raise typer.BadParameter(f"unknown service {service!r}")
        _migrate(chosen)
        console.print(f"migrated: {', '.join(chosen)}")


def _print_urls(urls: dict[str, str], seeded: dict | None) -> None:
    table = Table(title="PDR is running (Ctrl-C stops every process)")
    table.add_column("service")
    table.add_column("URL")
    table.add_column("API docs")
    for name in SERVICES:
        table.add_row(name, urls[name], f"{urls[name]}/docs")
    table.add_row("registry GraphQL", f"{urls['registry']}/graphql", "")
    if "console" in urls:
        table.add_row("web console", urls["console"], "")
    console.print(table)
    if seeded:
        creds = Table(title="Demo credentials")
        creds.add_column("kind")
        creds.add_column("name")
        creds.add_column("secret")
        for username, password in seeded["accounts"].items():
            creds.add_row("account", username, password)
        for client_id, secret in seeded["clients"].items():
            creds.add_row("client", client_id, secret)
        console.print(creds)
        console.print(f"Get a token: curl -s -X POST {urls['auth']}/oauth/token "
                      "-d grant_type=password -d username=operator -d 'password=Demo-pass-2026!' -d audience=pdr-registry")
