"""Browser tests: the real services and the console as processes, driven by Playwright in Debian's chromium.

Chromium comes from the distribution (`make chromium`); Playwright never downloads a browser here. The
registry and the console run in demo mode, so a test may date registration steps weeks back and find a public
notice ended by today (10 working days cannot pass in a test; no step may be dated after today).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system import RunningSystem, start_system, wait_http

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[RunningSystem]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    running = start_system(tmp_path_factory.mktemp("browser"), {
        "PDR_REGISTRY_DEMO": "true", "PDR_CONSOLE_DEMO": "true",
        "PDR_CONSOLE_SESSION_SECRET": "browser-test-session-secret-0123456789"})
    running.urls["console"] = f"http://127.0.0.1:{running.env['PDR_CONSOLE_PORT']}"
    try:
        wait_http(f"{running.urls['console']}/readyz", proc=running.procs["console"])
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def evidence_file(tmp_path) -> Path:
    path = tmp_path / "证据-evidence.pdf"
    path.write_bytes(b"%PDF-1.4 evidence of an objection\n" * 20)
    return path
