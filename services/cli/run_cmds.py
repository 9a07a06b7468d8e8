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

import typer
from rich.console import Console
from rich.table import Table

from .common import PROCESSES, SERVICES, DataDir, run, service_db, use_data_dir

__all__ = ["DEFAULT_PORTS", "UVICORN_OPTIONS", "register", "service_env", "start_services"]

console = Console()
DEFAULT_PORTS = {"auth": 8001, "registry": 8002, "scoring": 8003, "console": 8004}
# How every service is served; benchmarks start their baseline app with the same options.
UVICORN_OPTIONS = {
    "log_config": None, "access_log": False, "proxy_headers": True, "timeout_graceful_shutdown": 30,
    "server_header": False,
}


class StartupFailed(RuntimeError):
    """A process of `pdr up` could not start: the message names it (and its port)."""


def _migrate(services: tuple[str, ...] = SERVICES) -> None:
    from services.kernel.migrate import upgrade

    for service in services:
        upgrade(service)


def _demo_credentials(data_dir: Path) -> dict:
    """Demo client secrets are made once per data directory and kept beside the databases."""
    from services.kernel.private_files import write_private

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


def _died(name: str, proc: subprocess.Popen, ports: dict[str, int] | None = None) -> str:
    port = f" (port {ports[name]})" if ports and name in ports else ""
    return f"{name}{port} exited with code {proc.returncode} during startup; its output above says why"


def _wait_ready(urls: dict[str, str], procs: dict[str, subprocess.Popen], timeout: float = 60,
                ports: dict[str, int] | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            if procs[name].poll() is not None:
                raise StartupFailed(_died(name, procs[name], ports))
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    pending.pop(name)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        raise StartupFailed(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
    # A process that failed to bind may still be exiting while another program answered on its port.
    for name, proc in procs.items():
        if proc.poll() is not None:
            raise StartupFailed(_died(name, proc, ports))


def busy_ports(host: str, ports: dict[str, int]) -> list[str]:
    """What stands in the way of serving each process on its port: another program listening there, or two
    processes given one port. Checked before anything starts, so that `pdr up` never reports a stranger's
    answers on a busy port as its own service being ready."""
    problems = []
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            problems.append(f"{name} and {seen[port]} were both given port {port}")
            continue
        seen[port] = name
        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
            # As uvicorn binds: SO_REUSEADDR, so a port with connections in TIME_WAIT is free, a listener is not.
            with socket.create_server((host, port), family=family, reuse_port=False):
                pass
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            problems.append(f"{name} cannot listen on {host}:{port}: {reason} "
                            f"(stop what holds it, or choose another port with --{name}-port)")
    return problems


def _refuse_busy_ports(host: str, ports: dict[str, int]) -> None:
    problems = busy_ports(host, ports)
    for problem in problems:
        console.print(f"[red]pdr up: {problem}[/red]", soft_wrap=True)
    if problems:
        raise typer.Exit(1)


def _seed_demo(urls: dict[str, str], creds: dict[str, str]) -> None:
    """The demo steps over HTTP; a refused or failed call is one line naming the call (common's wording)."""
    import httpx

    from .common import explain_response, unreachable
    from .demo import seed_registry_demo

    try:
        seed_registry_demo(urls, creds)
    except httpx.HTTPStatusError as exc:
        raise StartupFailed(f"demo: {explain_response(exc.response)}") from None
    except httpx.HTTPError as exc:
        try:
            url = str(exc.request.url)
        except RuntimeError:  # no request attached
            url = "the demo"
        raise StartupFailed(f"demo: {unreachable(url, exc)}") from None


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
        procs[service] = subprocess.Popen(  # noqa: S603 (this interpreter, this package, a fixed service name)
            [sys.executable, "-m", "services.cli", "serve", service], env=env, stdout=out, stderr=out,
        )
    return procs


def register(app: typer.Typer) -> None:  # noqa: PLR0915 (up, serve, migrate; up reads top to bottom)
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
        ports = {"auth": auth_port, "registry": registry_port, "scoring": scoring_port, "console": console_port}
        _refuse_busy_ports(host, ports)
        data_dir = data_dir or Path("var")
        use_data_dir(data_dir)
        console.print(f"[bold]PDR[/bold] data in {data_dir.resolve()}")
        _migrate()
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
            _wait_ready(urls, procs, ports=ports)
            if demo:
                _seed_demo(urls, creds)
            _print_urls(urls, seeded)
            while not stopping and all(p.poll() is None for p in procs.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            stopping = True  # Ctrl-C reached the children too: their exit is not a failure
        except RuntimeError as exc:
            console.print(f"[red]pdr up: {exc}[/red]", soft_wrap=True)
            _stop(procs)
            raise typer.Exit(1) from None
        dead = [name for name, proc in procs.items() if proc.returncode is not None]
        console.print("stopping…")
        _stop(procs)
        if dead and not stopping:
            codes = ", ".join(str(procs[name].returncode) for name in dead)
            console.print(f"[red]pdr up: {', '.join(dead)} stopped unexpectedly (exit code {codes}); every process "
                          "was stopped[/red]", soft_wrap=True)
            raise typer.Exit(1)

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
        console.print(f"Get a token into $TOKEN: TOKEN=$(curl -s -X POST {urls['auth']}/oauth/token "
                      "-d grant_type=password -d username=operator -d 'password=Demo-pass-2026!' "
                      "-d audience=pdr-registry | jq -r .access_token)", soft_wrap=True, highlight=False)
