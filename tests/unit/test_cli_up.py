"""``pdr up`` names a busy port and a process that dies during startup, and exits non-zero before it prints
"PDR is running" (issue 16: with a busy port it printed "PDR is running" — another program's /readyz answered —
then stopped and exited 0)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from services.cli import run_cmds
from services.cli.main import app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listener():
    """Another program listening on a port."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock.getsockname()[1]


def _ports(**given: int) -> list[str]:
    ports = {name: given.get(name) or _free_port() for name in ("auth", "registry", "scoring", "console")}
    return [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]


def test_a_busy_port_is_named_with_its_service_and_nothing_starts(tmp_path, listener):
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "up", "--data-dir", str(tmp_path / "data"), "--no-demo",
         *_ports(registry=listener)], capture_output=True, text=True, check=False, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"registry cannot listen on 127.0.0.1:{listener}: Address already in use" in output
    assert "--registry-port" in output  # how to choose another
    assert "PDR is running" not in output and "Traceback" not in output
    assert not (tmp_path / "data").exists()  # refused before anything was made


def test_two_processes_given_one_port_are_refused():
    port = _free_port()
    problems = run_cmds.busy_ports("127.0.0.1", {"auth": port, "registry": port, "scoring": _free_port()})
    assert problems == [f"registry and auth were both given port {port}"]


def test_free_ports_pass():
    assert run_cmds.busy_ports("127.0.0.1", {"auth": _free_port(), "console": _free_port()}) == []


def test_a_process_that_dies_during_startup_is_named_and_up_exits_non_zero(tmp_path, monkeypatch):
    # The registry exits at once with code 3 (as uvicorn does when, say, its settings are refused); the others run.
    def start(env, log_dir=None):
        code = dict.fromkeys(run_cmds.PROCESSES, "import time; time.sleep(60)") | {"registry": "raise SystemExit(3)"}
        return {name: subprocess.Popen([sys.executable, "-c", code[name]]) for name in run_cmds.PROCESSES}

    monkeypatch.setattr(run_cmds, "start_services", start)
    monkeypatch.setattr(run_cmds, "_migrate", lambda *a: None)  # migrations are tested on their own
    result = CliRunner().invoke(app, ["up", "--data-dir", str(tmp_path), "--no-demo", *_ports()])
    assert result.exit_code == 1, result.output
    assert "registry (port" in result.output and "exited with code 3 during startup" in result.output
    assert "PDR is running" not in result.output


def test_wait_ready_refuses_a_stranger_answering_while_our_process_died():
    # Our process has exited; something else may well answer /readyz on its port. It is not ready: it is dead.
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    dead.wait()
    with pytest.raises(run_cmds.StartupFailed, match=r"scoring \(port 8003\) exited with code 1"):
        run_cmds._wait_ready({}, {"scoring": dead}, ports={"scoring": 8003})


def test_a_process_that_dies_while_running_stops_everything_and_exits_non_zero(tmp_path, monkeypatch):
    def start(env, log_dir=None):
        code = dict.fromkeys(run_cmds.PROCESSES, "import time; time.sleep(60)")
        code["scoring"] = "import time; time.sleep(1); raise SystemExit(5)"
        return {name: subprocess.Popen([sys.executable, "-c", code[name]]) for name in run_cmds.PROCESSES}

    monkeypatch.setattr(run_cmds, "start_services", start)
    monkeypatch.setattr(run_cmds, "_migrate", lambda *a: None)
    monkeypatch.setattr(run_cmds, "_wait_ready", lambda *a, **k: None)  # ready at once: the failure comes later
    result = CliRunner().invoke(app, ["up", "--data-dir", str(tmp_path), "--no-demo", *_ports()])
    assert result.exit_code == 1, result.output
    assert "PDR is running" in result.output
    assert "scoring stopped unexpectedly (exit code 5)" in result.output
