"""Steps of the browser story, as a person does them: log in, fill a form, press a button."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "Demo-pass-2026!"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")


def log_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("load")


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def state_of(page) -> str:
    """The registration state the page shows; the page's text in the failure message when it shows none."""
    found = page.locator("#registration-state")
    if found.count() == 0:
        raise AssertionError(f"no registration state on {page.url}:\n{page.content()[:3000]}")
    return found.get_attribute("data-state")
