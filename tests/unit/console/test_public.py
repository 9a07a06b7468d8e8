"""Public pages without login (Art. 12): notices with search and paging, objections, lookup, prices."""

from __future__ import annotations

import re
from datetime import date

from services.console.certificates import verify_certificate

from .conftest import CONSOLE
from .helpers import in_notice, on_day, registered


async def test_notices_show_only_the_four_public_fields(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar)
    page = (await browser.page(f"/notices/{notice['id']}")).text
    assert "出行热力指数" in page and "按小时发布的道路拥堵热力指数" in page and "首次登记" in page
    assert "物流路径规划" not in page and "存证.pdf" not in page  # scenarios and materials stay confidential


async def test_notices_are_searched_and_paged(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    for n in range(22):
        await in_notice(registry_client, operator, registrar, f"公示产品{n:02d}")
    await in_notice(registry_client, operator, registrar, "独一无二的气象数据")
    first = (await browser.page("/notices")).text
    assert first.count('href="/notices/') == 20
    next_link = re.search(r'href="(/notices\?cursor=[^"]+)" rel="next"', first).group(1)
    second = (await browser.page(next_link.replace("&amp;", "&"))).text
    assert second.count('href="/notices/') == 3
    found = await browser.get("/notices?q=气象", headers={"HX-Request": "true"})
    assert "独一无二的气象数据" in found.text and "公示产品" not in found.text
    assert "<html" not in found.text  # htmx gets the rows only


async def test_an_objection_without_evidence_is_marked_on_the_field(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar)
    await browser.page(f"/notices/{notice['id']}")
    answer = await browser.post(f"/notices/{notice['id']}/objections", headers={"Origin": CONSOLE}, data={
        "csrf_token": browser.csrf, "objector_name": "王五", "objector_id_number": "12",
        "contact": "x@example.cn", "grounds": "理由"})
    assert answer.status_code == 422
    assert 'id="e-evidence"' in answer.text and 'value="王五"' in answer.text


async def test_an_objection_with_a_bad_id_number_shows_the_apis_field_error(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar)
    await browser.page(f"/notices/{notice['id']}")
    answer = await browser.post(f"/notices/{notice['id']}/objections", headers={"Origin": CONSOLE}, data={
        "csrf_token": browser.csrf, "objector_name": "王五", "objector_id_number": "12",
        "contact": "x@example.cn", "grounds": "理由"}, files={"evidence": ("a.pdf", b"a")})
    assert answer.status_code == 422
    assert 'id="e-objector_id_number"' in answer.text


async def test_lookup_shows_validity_and_a_certificate_verified_against_the_jwks(apps, browser, registry_client,
                                                                                people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    registration = await registered(apps, registry_client, operator, registrar)
    # Coded on the day after its notice: in force from then on (DOMAIN §1), looked up on that day.
    on_day(apps, date.fromisoformat(registration["valid_from"]))
    page = (await browser.page(f"/lookup?code={registration['query_code']}")).text
    assert "登记有效" in page and 'data-valid="true"' in page
    until = date.fromisoformat(registration["valid_until"])
    assert f"{until.year}年{until.month}月{until.day}日" in page  # as Chinese writes a date (formats.py)
    assert '<script type="application/json" id="registry-jwks">' in page and "/static/verify.js" in page


async def test_a_tampered_or_foreign_certificate_fails_verification(apps, console_app, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    registration = await registered(apps, registry_client, operator, registrar)
    code = registration["query_code"]
    token = (await registry_client.get(f"/public/codes/{code}/certificate")).json()["certificate"]
    assert (await verify_certificate(console_app, token, code)).valid
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert (await verify_certificate(console_app, f"{header}.{payload}.{flipped}", code)).reason == "cert.bad_signature"
    assert (await verify_certificate(console_app, token, "PDR-OTHER-CODE")).reason == "cert.other_code"
    from services.kernel.jose_keys import generate_es256

    forged = generate_es256().sign({"code": code, "sub": code, "iat": 1, "exp": 4102444800},
                                   typ="pdr-registration-certificate+jwt")
    assert (await verify_certificate(console_app, forged, code)).reason == "cert.unknown_key"
    plain_jwt = generate_es256().sign({"code": code, "sub": code, "iat": 1, "exp": 4102444800})
    assert (await verify_certificate(console_app, plain_jwt, code)).reason == "cert.bad_type"


async def test_an_unknown_code_says_so(browser):
    page = (await browser.page("/lookup?code=PDR-NO-SUCH-1")).text
    assert "未找到该查询码" in page


async def test_the_price_list_is_public(browser):
    page = await browser.page("/prices")
    assert page.status_code == 200 and "价格公示" in page.text


async def test_an_oversized_upload_is_refused_before_it_is_read(browser, console_app):
    await browser.page("/notices")
    limit = console_app.state.settings.upload_max_bytes + 1024 * 1024
    answer = await browser.post("/notices/0123abcd/objections", headers={"Content-Length": str(limit + 1)},
                                content=b"x" * 10)
    assert answer.status_code == 413
