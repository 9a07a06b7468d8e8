"""Which sections each role may open in the console. The APIs still check every object; the console does not
offer pages a role cannot use (every role, anonymous included; machine clients cannot log in at all)."""

from __future__ import annotations

import pytest

SECTIONS = {"/workspace": {"operator", "agency"}, "/workspace/agreements": {"operator", "agency"},
            "/registrar": {"registrar", "admin"},
            "/oversight/compliance": {"authority", "auditor", "admin", "registrar"},
            "/oversight/evaluations": {"authority", "auditor", "admin"}}
PUBLIC = ("/", "/notices", "/lookup", "/prices")


@pytest.mark.parametrize("role", ["admin", "authority", "registrar", "agency", "operator", "auditor"])
async def test_each_role_opens_its_sections_and_is_refused_the_others(browser, people, role):
    person = await people.person(role)
    await browser.login(person.username)
    for url, allowed in SECTIONS.items():
        answer = await browser.get(url)
        assert answer.status_code == (200 if role in allowed else 403), (role, url, answer.text[-500:])
    for url in PUBLIC:
        assert (await browser.get(url)).status_code == 200


async def test_anonymous_visitors_see_public_pages_and_are_asked_to_log_in_elsewhere(browser):
    for url in PUBLIC:
        assert (await browser.get(url)).status_code == 200
    for url in SECTIONS:
        answer = await browser.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


async def test_an_operator_cannot_open_another_organizations_registration(browser, registry_client, people):
    from .helpers import filed_product

    owner = await people.person("operator")
    stranger = await people.person("operator")
    _, registration = await filed_product(registry_client, owner)
    await browser.login(stranger.username)
    answer = await browser.get(f"/workspace/registrations/{registration['id']}")
    assert answer.status_code in (403, 404)
    assert "出行热力指数" not in answer.text


async def test_a_malformed_id_in_a_url_is_a_missing_page(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    for url in ("/workspace/registrations/..%2F..%2Fadmin", "/workspace/products/XYZ", "/notices/<x>"):
        assert (await browser.get(url)).status_code == 404
