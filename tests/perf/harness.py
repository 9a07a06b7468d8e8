"""Benchmark tools: the baseline /ping process, wrk load, and process memory.

Every benchmark compares against a baseline measured in the same run on the same machine, so the ratio is
what is asserted, never an absolute number. Load comes from `wrk` (Debian package, installed by `make bench`
and `.ci/run`), which keeps the load generator off the Python side of the comparison.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.system import free_port, wait_http

__all__ = ["best_alternating", "ping_server", "rss_mb", "wrk"]


@contextmanager
def ping_server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.perf.ping_app", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/ping", proc=proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _lua(method: str, body: str | None, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {body!r}".replace("'", '"'))
    for key, value in headers.items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    return "\n".join(lines) + "\n"


def wrk(url: str, *, seconds: int = 5, connections: int = 32, threads: int = 1, method: str = "GET",
        body: str | None = None, headers: dict[str, str] | None = None) -> float:
    """Requests per second that `url` sustains; fails if any response was not 2xx (wrk reports those), so a
    benchmark cannot pass by answering 401 quickly."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (make bench installs it: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(method, body, headers or {}))
    try:
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", script.name, url],
            capture_output=True, text=True, check=True, timeout=seconds + 30,
        ).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    if "Non-2xx or 3xx responses" in out:
        raise AssertionError(f"non-2xx responses during the benchmark:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise AssertionError(f"could not read wrk output:\n{out}")
    return float(match.group(1))


def best_alternating(first, second, *, rounds: int = 3) -> tuple[float, float]:
    """Each of two measurements' best round, the two alternating: a neighbour's burst on a 2-core machine only
    ever slows a round down, so it cannot decide a ratio between them."""
    firsts, seconds = [], []
    for _ in range(rounds):
        firsts.append(first())
        seconds.append(second())
    return max(firsts), max(seconds)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
