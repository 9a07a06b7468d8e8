"""Steps of the browser story, as a person does them: log in, fill a form, press a button."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx

from services.kernel.timeutil import china_today

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


def product_past_its_notice(system, name: str, *, close: bool) -> tuple[str, str]:
    """A product filed, accepted and approved weeks ago through the registry's API, so its public notice has
    ended by today; ``close`` also codes it on the day after the notice. The registry in demo mode takes each
    step's date from X-PDR-Demo-Date, and only a day up to today: nothing is dated after today.
    Returns (product id, registration id)."""
    def as_of(user: str, day: date) -> dict:
        return {"Authorization": f"Bearer {system.token(user)['access_token']}", "X-PDR-Demo-Date": day.isoformat()}

    registry, filed_on = system.urls["registry"], china_today() - timedelta(days=40)
    product = httpx.post(f"{registry}/products", headers=as_of("operator", filed_on), json={
        "name": name, "description": "按小时发布的道路拥堵热力指数", "form": "api", "use_type": "industry",
        "region_code": "110000", "scenarios": ["物流路径规划"]}).json()
    answer = httpx.post(f"{registry}/registrations", headers=as_of("operator", filed_on), json={
        "subject_type": "product", "subject_id": product["id"], "type": "first",
        "attachments": [{"name": "存证.pdf", "sha256": "cd" * 32}]})
    for action, body, day in (("accept", None, filed_on), ("approve", {}, filed_on + timedelta(days=1))):
        answer = httpx.post(f"{registry}/registrations/{answer.json()['id']}/{action}",
                            headers=as_of("registrar", day), json=body)
        assert answer.status_code == 200, answer.text
    ends = date.fromisoformat(answer.json()["deadlines"]["notice_ends_on"])
    assert ends < china_today(), "the notice has ended by today"
    if close:
        closed = httpx.post(f"{registry}/registrations/{answer.json()['id']}/close-notice",
                            headers=as_of("registrar", ends + timedelta(days=1)))
        assert closed.status_code == 200, closed.text
    return product["id"], answer.json()["id"]
