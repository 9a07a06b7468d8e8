"""Crafted input (issue 18): forged cursors, NUL and control characters, a race on close-notice.

Each probe of the attack run gave a 500 (and a dropped connection); each is now a precise refusal, a problem
document, with nothing written: a forged cursor is 400 bad-cursor on every cursor-paged list of both services,
a NUL in a path or query string 400 nul-character, a control or bidi character in a body's text field 422
naming the field, and the loser of two concurrent close-notice calls 409 illegal-transition.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from services.kernel.pagination import encode_cursor
from services.kernel.problems import Conflict
from services.registry.ledger.models import LedgerEntry
from services.registry.registration.context import Ctx
from services.registry.registration.models import IssuedCode, Objection, Registration, Resource
from services.registry.registration.steps import move, registration_or_404
from services.scoring.records import Contest, Evaluation, ProductScore
from tests.api.registration.conftest import SHA, resource_body

PROBLEM_JSON = "application/problem+json"


def _forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


# What the attack run sent, and more of its kind: each shorter than any route's cursor bound (200 characters).
FORGED_CURSORS = {
    "a dict": "W3siYSI6MX1d",  # [{"a":1}]
    "a huge float": _forged("[1e30]"),
    "a fraction": _forged("[7.5]"),
    "an integer past 64 bits": _forged(f"[{2**70}]"),
    "null": _forged("[null]"),
    "a boolean": _forged("[true]"),
    "a NUL in a string": _forged('["a\\u0000"]'),
    "a bidi override in a string": _forged('["a\\u202e"]'),
    "a string too long for the key": _forged(f'["{"f" * 100}"]'),
    "the wrong width": _forged("[1, 2, 3]"),
    "an empty list": _forged("[]"),
    "not base64": "!!!",
    "not JSON": _forged("not json"),
    "nested lists": _forged("[" * 60 + "]" * 60),
}
# The other type than the key's: an id where a sequence is the key, a number where an id is.
OTHER_TYPE = {"id": _forged("[7]"), "seq": _forged('["7"]'), "when-id": _forged('[7, "01a2"]')}
# A ranked search's cursor is (tier, sequence).
FORGED_SEARCH_CURSORS = [_forged(text) for text in ("[0, 1e30]", '[0, "7"]', "[2, 7]", '[{"a": 1}, 7]', "[0, null]")]
# Every cursor-paged list: the role that may read it (None: anonymous), and the type of its sort key.
CURSOR_LISTS = {
    ("registry", "/public/notices"): (None, "id"),
    ("registry", "/public/authorizations"): (None, "id"),
    ("registry", "/catalog/search"): (None, "seq"),
    ("registry", "/catalog.jsonld"): (None, "seq"),
    ("registry", "/catalog.ttl"): (None, "seq"),
    ("registry", "/catalog.rdf"): (None, "seq"),
    ("registry", "/feeds/notices.atom"): (None, "when-id"),
    ("registry", "/feeds/registrations.atom"): (None, "when-id"),
    ("registry", "/feeds/prices.atom"): (None, "when-id"),
    ("registry", "/registrations"): ("registrar", "id"),
    ("registry", "/resources"): ("agency", "id"),
    ("registry", "/products"): ("operator", "id"),
    ("scoring", "/evaluations"): ("auditor", "id"),
    ("scoring", "/value-scores"): ("auditor", "id"),
}


def _cursor_paths(app) -> set[str]:
    return {path for path, operations in app.openapi()["paths"].items()
            for operation in operations.values()
            if any(p["name"] == "cursor" and p["in"] == "query" for p in operation.get("parameters", []))}


def test_the_probes_cover_every_cursor_paged_list_of_both_services(apps):
    assert {path for service, path in CURSOR_LISTS if service == "registry"} == _cursor_paths(apps.registry)
    assert {path for service, path in CURSOR_LISTS if service == "scoring"} == _cursor_paths(apps.scoring)


def _assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"].endswith(f"/{slug}") and body["status"] == status
    return body


async def test_a_forged_cursor_is_a_400_problem_on_every_cursor_paged_list(people, registry_client, scoring_client):
    clients = {"registry": registry_client, "scoring": scoring_client}
    headers = {}
    for role in {role for role, _ in CURSOR_LISTS.values() if role}:
        person = await people.person(role)
        headers[role] = {"registry": person.headers, "scoring": person.headers_for("pdr-scoring")}
    for (service, path), (role, key) in CURSOR_LISTS.items():
        probes = [{"cursor": cursor} for cursor in [*FORGED_CURSORS.values(), OTHER_TYPE[key]]]
        if path == "/catalog/search":
            probes += [{"cursor": cursor, "q": "交通"} for cursor in [*FORGED_CURSORS.values(), *FORGED_SEARCH_CURSORS]]
        for params in probes:
            response = await clients[service].get(path, params=params, headers=headers[role][service] if role else {})
            assert response.status_code == 400, (path, params, response.text)
            _assert_problem(response, 400, "bad-cursor")


async def test_a_cursor_the_service_issued_still_pages(flow, mint, registry_client, apps):
    agency = mint("agency")
    made = [await flow.resource(agency, name=f"资源{n}") for n in range(3)]
    seen, cursor = [], None
    while True:
        page = await registry_client.get("/resources", params={"limit": 1} | ({"cursor": cursor} if cursor else {}),
                                         headers=agency.headers)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(r["id"] for r in made)


async def test_scoring_evaluations_page_newest_first_with_their_own_cursors(people, scoring_client, apps):
    async with apps.scoring.state.db.sessions.begin() as session:
        for n in range(3):
            session.add(Evaluation(id=f"0000000000000000000000000000000{n}", run_id="run", subject_kind="region",
                                   subject_id="310000", period="2025", model_version="v1", total=50.0 + n,
                                   grade="B", rank=1, peers=1, inputs_digest="0" * 64))
    auditor = (await people.person("auditor")).headers_for("pdr-scoring")
    seen, cursor = [], None
    for _ in range(4):
        page = await scoring_client.get("/evaluations", params={"limit": 2} | ({"cursor": cursor} if cursor else {}),
                                        headers=auditor)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [f"0000000000000000000000000000000{n}" for n in (2, 1, 0)]
    # A cursor of the right shape but another key's type: still refused before SQL.
    forged = await scoring_client.get("/evaluations", params={"cursor": encode_cursor([2])}, headers=auditor)
    _assert_problem(forged, 400, "bad-cursor")


async def test_value_scores_page_by_their_two_column_key(people, scoring_client, apps):
    keys = [("product", "p1"), ("product", "p2"), ("resource", "p0")]
    async with apps.scoring.state.db.sessions.begin() as session:
        session.add_all(ProductScore(subject_kind=kind, subject_id=subject, total=1.0, inputs_digest="0" * 64)
                        for kind, subject in keys)
    auditor = (await people.person("auditor")).headers_for("pdr-scoring")
    seen, cursor = [], None
    for _ in range(4):
        page = await scoring_client.get("/value-scores", params={"limit": 1} | ({"cursor": cursor} if cursor else {}),
                                        headers=auditor)
        assert page.status_code == 200, page.text
        seen += [(item["subject_kind"], item["subject_id"]) for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == keys
    forged = await scoring_client.get("/value-scores", params={"cursor": encode_cursor(["product", 7])},
                                      headers=auditor)
    _assert_problem(forged, 400, "bad-cursor")


# NUL anywhere in a path or query string ----------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/public/notices?q=%00", "/public/notices?q=abc%00def", "/catalog/search?q=%00", "/catalog/search?region=%00",
    "/public/authorizations?region_code=11%000", "/resources/%00", "/public/notices/abc%00",
    "/registrations?subject_id=%00&state=submitted",
])
async def test_a_nul_in_the_registry_path_or_query_is_a_400_problem(mint, registry_client, url):
    response = await registry_client.get(url, headers=mint("registrar").headers)
    _assert_problem(response, 400, "nul-character")


async def test_a_nul_in_a_scoring_query_is_a_400_problem(people, scoring_client):
    auditor = (await people.person("auditor")).headers_for("pdr-scoring")
    for url in ("/evaluations?subject_id=%00", "/evaluations/%00", "/value-scores?kind=product%00"):
        _assert_problem(await scoring_client.get(url, headers=auditor), 400, "nul-character")


async def test_a_percent_sign_or_encoded_text_that_is_not_nul_passes(registry_client):
    for q in ("%2500", "100%", "%0A"):  # a literal "%00", a percent sign, a line break: search text, not NUL
        response = await registry_client.get(f"/public/notices?q={q}")
        assert response.status_code == 200, (q, response.text)


# Control and bidi characters in request bodies ---------------------------------------------------------------

async def _count(apps, model) -> int:
    async with apps.registry.state.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


REFUSED_IN_A_NAME = {"NUL": "\x00", "ESC": "\x1b", "BEL": "\x07", "CR LF": "\r\n", "DEL": "\x7f", "C1 CSI": "\x9b",
                     "RLO": "\u202e", "LRE": "\u202a", "PDF": "\u202c", "RLI": "\u2067", "PDI": "\u2069"}


@pytest.mark.parametrize("what", REFUSED_IN_A_NAME)
async def test_a_control_or_bidi_character_in_a_name_is_a_422_naming_the_field(mint, registry_client, apps, what):
    agency = mint("agency")
    ledger_before = await _count(apps, LedgerEntry)
    bad = f"城市交通{REFUSED_IN_A_NAME[what]}流量"
    for body, field in ((resource_body(name=bad), "body.name"),
                        (resource_body(data_items=[{"name": bad, "type": "string"}]), "body.data_items.0.name"),
                        (resource_body(domain=bad), "body.domain")):
        response = await registry_client.post("/resources", json=body, headers=agency.headers)
        problem = _assert_problem(response, 422, "validation")
        assert [error["field"] for error in problem["errors"]] == [field], problem
    assert await _count(apps, Resource) == 0 and await _count(apps, LedgerEntry) == ledger_before


async def test_multi_line_text_keeps_line_breaks_and_tabs_but_not_other_controls(mint, registry_client, apps):
    agency = mint("agency")
    kept = await registry_client.post("/resources", headers=agency.headers,
                                      json=resource_body(description="第一行\r\n第二行\t说明"))
    assert kept.status_code == 201 and kept.json()["description"] == "第一行\r\n第二行\t说明"
    for char in ("\x00", "\x1b", "\x0b", "\u2066"):
        refused = await registry_client.post("/resources", headers=agency.headers,
                                             json=resource_body(description=f"说明{char}文字"))
        problem = _assert_problem(refused, 422, "validation")
        assert problem["errors"][0]["field"] == "body.description"
    assert await _count(apps, Resource) == 1


async def test_names_are_stored_nfc_and_stripped(mint, registry_client):
    agency = mint("agency")
    created = await registry_client.post("/resources", headers=agency.headers,
                                         json=resource_body(name="\u3000Cafe\u0301 数据 "))
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Caf\u00e9 数据"


async def test_an_anonymous_objection_with_a_nul_or_bidi_override_writes_nothing(flow, mint, registry_client, apps):
    agency, registrar = mint("agency"), mint("registrar")
    resource = await flow.resource(agency)
    noticed = await flow.to_notice(registrar, (await flow.file(agency, resource["id"]))["id"])
    ledger_before = await _count(apps, LedgerEntry)
    objection = {"objector_name": "张三", "objector_id_number": "110101199003074518", "contact": "13800000000",
                 "grounds": "该数据含有本单位商业秘密", "evidence": [{"name": "合同.pdf", "sha256": SHA}]}
    for field, value in (("objector_name", "张\u202e三"), ("objector_name", "张三\x00"), ("contact", "138\x1b[2J"),
                         ("grounds", "商业秘密\x00"), ("objector_id_number", "110101\x00")):
        response = await registry_client.post(f"/public/notices/{noticed['id']}/objections",
                                              json=objection | {field: value})
        problem = _assert_problem(response, 422, "validation")
        assert [error["field"] for error in problem["errors"]] == [f"body.{field}"], problem
    assert await _count(apps, Objection) == 0 and await _count(apps, LedgerEntry) == ledger_before


async def test_a_nul_in_a_scoring_body_is_a_422_naming_the_field(people, scoring_client, apps):
    operator = (await people.person("operator")).headers_for("pdr-scoring")
    response = await scoring_client.post("/contests", headers=operator, json={
        "target_kind": "evaluation", "target_id": "abc", "reason": "该评价结果有误\x00，请复核"})
    problem = _assert_problem(response, 422, "validation")
    assert [error["field"] for error in problem["errors"]] == ["body.reason"]
    async with apps.scoring.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Contest)) == 0


# Two close-notice calls on one registration ------------------------------------------------------------------

async def _noticed_past_its_end(flow, mint) -> tuple[object, dict]:
    agency, registrar = mint("agency"), mint("registrar")
    resource = await flow.resource(agency)
    noticed = await flow.to_notice(registrar, (await flow.file(agency, resource["id"]))["id"])
    flow.clock.set(date.fromisoformat(noticed["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    return registrar, noticed


async def test_concurrent_close_notice_codes_once_and_the_losers_get_409(flow, mint, registry_client, apps):
    registrar, noticed = await _noticed_past_its_end(flow, mint)
    answers = await asyncio.gather(*[
        registry_client.post(f"/registrations/{noticed['id']}/close-notice", json={}, headers=registrar.headers)
        for _ in range(6)])
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409, 409, 409], \
        [answer.text for answer in answers]
    for loser in (answer for answer in answers if answer.status_code == 409):
        problem = _assert_problem(loser, 409, "illegal-transition")
        assert problem["current_state"] == "registered"
    async with apps.registry.state.db.sessions() as session:
        codes = (await session.scalars(select(IssuedCode.code).where(IssuedCode.registration_id == noticed["id"]))).all()
        closed = await session.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.action == "registration.notice_closed", LedgerEntry.subject_id == noticed["id"]))
    (winner,) = [answer.json() for answer in answers if answer.status_code == 200]
    assert list(codes) == [winner["query_code"]] and closed == 1


async def test_a_step_decided_on_a_stale_state_is_a_409_not_a_second_transition(flow, mint, apps):
    """The step itself is atomic: a request that read "in_notice" before another moved the registration on
    fails its compare-and-set, whatever lock its read took (none here), and writes nothing."""
    registrar, noticed = await _noticed_past_its_end(flow, mint)
    async with apps.registry.state.db.sessions() as session:
        ctx = Ctx(session, None, flow.clock.today, None, None)
        stale = await registration_or_404(ctx, noticed["id"], lock=False)
        assert stale.state == "in_notice"
        table = Registration.__table__  # another request closes the notice meanwhile
        await session.execute(update(table).where(table.c.id == stale.id).values(state="registered"))
        with pytest.raises(Conflict) as info:
            await move(ctx, stale, "close_notice")
        await session.rollback()
    problem = info.value
    assert (problem.status, problem.slug, problem.extensions["current_state"]) == (409, "illegal-transition",
                                                                                    "registered")
    after = await flow.client.get(f"/registrations/{noticed['id']}", headers=registrar.headers)
    assert after.json()["state"] == "in_notice"  # the simulated winner was rolled back with the loser
