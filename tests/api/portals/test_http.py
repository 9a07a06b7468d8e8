"""HTTP conventions portals expect (issue 15, item 4): conditional GET with ETag/Last-Modified and 304, caching
fields, a CORS allow-list, Location on every 201, one pagination convention (cursor or after + RFC 8288 Link),
and unknown query parameters refused with 400 problem+json. Public reads show public records only (Art. 12).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute

from services.kernel.conditional import CacheRules, ConditionalGet, last_modified
from services.kernel.identifiers import with_uscc_check
from services.kernel.links import ResponseLinks, link_next, location_templates
from services.registry.catalog import search as search_module
from services.registry.main import create_app as create_registry
from services.registry.settings import RegistrySettings
from tests.api.registration.conftest import clock, flow, mint, resource_body  # noqa: F401  (fixtures)
from tests.api.registration.test_notice_and_objections import OBJECTION

pytestmark = pytest.mark.asyncio(loop_scope="session")
NEXT = re.compile(r'<([^>]+)>; rel="next"')


def _next_url(response: httpx.Response) -> str | None:
    match = NEXT.search(response.headers.get("link", ""))
    return match.group(1) if match else None


async def _notices(flow, mint, count: int) -> None:
    agency, registrar = mint("agency", org_name="北京市交通委员会"), mint("registrar")
    for index in range(count):
        resource = await flow.resource(agency, name=f"交通流量数据{index}")
        filed = await flow.file(agency, resource["id"])
        await flow.to_notice(registrar, filed["id"])


# --- conditional GET ------------------------------------------------------------------------------------------

async def test_a_public_read_has_a_strong_etag_and_a_matching_if_none_match_gets_304_without_a_body(flow, mint):
    await _notices(flow, mint, 1)
    first = await flow.client.get("/public/notices")
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)  # strong: no W/ prefix
    assert first.headers["cache-control"] == "public, max-age=60"
    assert first.headers["vary"] == "Authorization"
    again = await flow.client.get("/public/notices", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag and again.headers["cache-control"] == "public, max-age=60"
    assert "content-type" not in again.headers
    # A weak form of the same tag, or one among several, matches too (RFC 9110 §13.1.2); another tag does not.
    for header in (f"W/{tag}", f'"other", {tag}', "*"):
        assert (await flow.client.get("/public/notices", headers={"If-None-Match": header})).status_code == 304
    stale = await flow.client.get("/public/notices", headers={"If-None-Match": '"0123"'})
    assert stale.status_code == 200 and stale.json() == first.json()


async def test_head_is_answered_wherever_get_is_with_the_same_header_section_and_no_content(flow, mint):
    # RFC 9110 §9.3.2: link checkers and harvesters ask HEAD first.
    await _notices(flow, mint, 1)
    for path in ("/public/notices", "/catalog.ttl", "/catalog/search?q=交通", "/healthz"):
        got, head = await flow.client.get(path), await flow.client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and got.content != b""
        assert head.headers["content-length"] == str(len(got.content))
        for name in ("content-type", "etag", "cache-control", "link", "x-total-count"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    tag = (await flow.client.get("/public/notices")).headers["etag"]
    assert (await flow.client.head("/public/notices", headers={"If-None-Match": tag})).status_code == 304
    # A harvest page is the same document until the catalogue changes (its dct:modified is the catalogue's latest
    # change, not the time of the request), so a harvester's conditional GET is answered 304.
    page = await flow.client.get("/catalog.ttl")
    assert (await flow.client.get("/catalog.ttl", headers={"If-None-Match": page.headers["etag"]})).status_code == 304
    missing = await flow.client.head("/public/notices/0123456789abcdef")
    assert missing.status_code == 404 and missing.content == b""
    assert missing.headers["content-type"] == "application/problem+json"
    assert (await flow.client.head("/resources")).status_code == 401  # a HEAD is the GET it stands for


async def test_the_etag_changes_when_the_public_record_changes(flow, mint):
    await _notices(flow, mint, 1)
    tag = (await flow.client.get("/public/notices")).headers["etag"]
    await _notices(flow, mint, 1)
    changed = await flow.client.get("/public/notices", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and len(changed.json()["items"]) == 2
    assert changed.headers["etag"] != tag


async def test_an_authenticated_read_is_private_and_revalidated(flow, mint):
    agency = mint("agency")
    resource = await flow.resource(agency)
    response = await flow.client.get(f"/resources/{resource['id']}", headers=agency.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-cache"
    assert "vary" not in response.headers
    cached = await flow.client.get(f"/resources/{resource['id']}",
                                   headers={**agency.headers, "If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304


async def test_errors_and_health_checks_are_not_tagged(flow):
    missing = await flow.client.get("/public/nothing-here")
    assert missing.status_code == 404 and "etag" not in missing.headers
    health = await flow.client.get("/healthz")
    assert health.status_code == 200 and "etag" not in health.headers and "cache-control" not in health.headers


async def test_catalog_search_answers_304_from_its_version_key_and_a_change_invalidates_it(flow, mint, monkeypatch):
    agency, registrar = mint("agency"), mint("registrar")
    await flow.registered_resource(agency, registrar)
    page = await flow.client.get("/catalog/search", params={"q": "交通"})
    assert page.status_code == 200 and len(page.json()["items"]) == 1
    tag = page.headers["etag"]
    searched = search_module.search

    async def not_searched(*args, **kwargs):
        raise AssertionError("a 304 from the version key runs no search")

    monkeypatch.setattr(search_module, "search", not_searched)
    assert (await flow.client.get("/catalog/search", params={"q": "交通"},
                                  headers={"If-None-Match": tag})).status_code == 304
    monkeypatch.setattr(search_module, "search", searched)
    # The tag names the query and the viewer: another query, or a signed-in caller, does not share it.
    assert (await flow.client.get("/catalog/search", params={"q": "流量"},
                                  headers={"If-None-Match": tag})).status_code == 200
    assert (await flow.client.get("/catalog/search", params={"q": "交通"},
                                  headers={**agency.headers, "If-None-Match": tag})).status_code == 200
    await flow.registered_resource(agency, registrar, name="交通卡口数据")
    fresh = await flow.client.get("/catalog/search", params={"q": "交通"}, headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and len(fresh.json()["items"]) == 2


async def test_the_catalogue_version_moves_with_every_insert_update_delete_and_import_of_an_entry(apps, flow, mint):
    from services.registry.registration.models import Resource
    from tests.perf.test_registry_perf import catalogue_csv

    db = apps.registry.state.db
    agency = mint("agency")
    versions = [await search_module.version(db)]
    created = await flow.resource(agency, name="版本数据")  # insert
    versions.append(await search_module.version(db))
    await flow.client.patch(f"/resources/{created['id']}", json={"description": "改"}, headers=agency.headers)
    versions.append(await search_module.version(db))  # update
    async with db.sessions.begin() as session:  # delete (a draft removed through the ORM, as the registry does)
        await session.delete(await session.get(Resource, created["id"]))
    versions.append(await search_module.version(db))
    imported = await flow.client.post("/catalog/import", headers=agency.headers,
                                      files={"file": ("catalogue.csv", catalogue_csv(3), "text/csv")})
    assert imported.status_code in (200, 201), imported.text
    versions.append(await search_module.version(db))  # import
    assert versions == sorted(versions) and len(set(versions)) == len(versions), versions


async def test_a_code_lookup_says_when_its_registration_last_changed(flow, mint):
    agency, registrar = mint("agency"), mint("registrar")
    _, registered = await flow.registered_resource(agency, registrar)
    response = await flow.client.get(f"/public/codes/{registered['query_code']}")
    assert response.status_code == 200 and "updated_at" not in response.json()
    changed = response.headers["last-modified"]
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT", changed)
    since = await flow.client.get(f"/public/codes/{registered['query_code']}", headers={"If-Modified-Since": changed})
    assert since.status_code == 304 and since.headers["last-modified"] == changed


async def _conditional_app() -> FastAPI:
    app = FastAPI()
    changed = datetime(2026, 3, 1, 8, 30, 15, 999, tzinfo=UTC)

    @app.get("/record")
    async def record(response: Response) -> dict:
        last_modified(response, changed)
        return {"id": "r1"}

    @app.get("/stream")
    async def stream() -> Response:
        from fastapi.responses import StreamingResponse

        async def chunks():
            yield b"a"
            yield b"b"
        return StreamingResponse(chunks(), media_type="text/plain")

    return ConditionalGet(app, CacheRules(public_max_age=30))


async def test_last_modified_and_if_modified_since_are_honoured_unless_if_none_match_is_sent():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=await _conditional_app()),
                                 base_url="http://t") as client:
        full = await client.get("/record")
        assert full.headers["last-modified"] == "Sun, 01 Mar 2026 08:30:15 GMT"
        assert full.headers["cache-control"] == "public, max-age=30"
        since = {"If-Modified-Since": "Sun, 01 Mar 2026 08:30:15 GMT"}
        assert (await client.get("/record", headers=since)).status_code == 304
        earlier = {"If-Modified-Since": "Sun, 01 Mar 2026 08:30:14 GMT"}
        assert (await client.get("/record", headers=earlier)).status_code == 200
        assert (await client.get("/record", headers={"If-Modified-Since": "not a date"})).status_code == 200
        # If-None-Match takes precedence (RFC 9110 §13.2.2): a stale tag means a full answer whatever the date.
        assert (await client.get("/record", headers={**since, "If-None-Match": '"x"'})).status_code == 200
        streamed = await client.get("/stream")
        assert streamed.text == "ab" and "etag" not in streamed.headers


async def test_an_event_streams_head_goes_out_before_its_first_event():
    sent: list[dict] = []

    async def stream(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        assert sent, "the head was held back waiting for the first event"
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": False})

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/events/stream", "headers": [], "query_string": b""}
    for middleware in (ConditionalGet(stream, CacheRules()), ResponseLinks(stream, {})):
        sent.clear()
        await middleware(dict(scope), receive, send)
        assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
        assert b"etag" not in dict(sent[0]["headers"])


# --- CORS -----------------------------------------------------------------------------------------------------

async def _cors_client(databases, origins: list[str]) -> httpx.AsyncClient:
    app = create_registry(RegistrySettings(database_url=databases["registry"].url, log_json=False,
                                           cors_origins=origins))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry.test")


async def test_no_cross_origin_access_unless_the_origin_is_on_the_allow_list(databases, clean):
    async with await _cors_client(databases, []) as client:
        response = await client.get("/healthz", headers={"Origin": "https://portal.example.gov.cn"})
        assert "access-control-allow-origin" not in response.headers
    async with await _cors_client(databases, ["https://portal.example.gov.cn"]) as client:
        allowed = await client.get("/healthz", headers={"Origin": "https://portal.example.gov.cn"})
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example.gov.cn"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        assert "ETag" in allowed.headers["access-control-expose-headers"]
        other = await client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = await client.options("/public/notices", headers={
            "Origin": "https://portal.example.gov.cn", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization, If-None-Match"})
        assert preflight.status_code == 200
        assert "GET" in preflight.headers["access-control-allow-methods"]
        assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()
        refused = await client.options("/public/notices", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert refused.status_code == 400


async def test_a_wildcard_allow_list_never_allows_credentials(databases, clean):
    async with await _cors_client(databases, ["*"]) as client:
        response = await client.get("/healthz", headers={"Origin": "https://any.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


# --- Location on 201 ------------------------------------------------------------------------------------------

async def test_every_201_route_of_every_service_names_what_it_created(apps):
    for app in (apps.auth, apps.registry, apps.scoring):
        created = [route.path for route in app.routes
                   if isinstance(route, APIRoute) and route.status_code == 201]
        templates = _templates(app)
        assert created and set(created) == set(templates), app.title
        reads = {_shape(route.path) for route in app.routes if isinstance(route, APIRoute) and "GET" in route.methods}
        for template in templates.values():
            assert _shape(template.split("?")[0]) in reads, template  # Location always names a readable route


def _shape(path: str) -> str:
    return re.sub(r"{[^}]+}", "{}", path)


def _templates(app) -> dict[str, str]:
    middleware = next(m for m in app.user_middleware if m.cls is ResponseLinks)
    return middleware.kwargs["templates"]


def test_a_201_route_without_an_item_route_or_a_declared_location_refuses_to_build():
    app = FastAPI()

    @app.post("/things", status_code=201)
    async def create() -> dict:
        return {"id": "1"}

    with pytest.raises(LookupError, match="/things"):
        location_templates(app.routes, {})
    assert location_templates(app.routes, {"/things": "/things?id={id}"}) == {"/things": "/things?id={id}"}


async def test_created_records_carry_a_location_that_reads_them_back(flow, mint):
    agency, registrar = mint("agency"), mint("registrar")
    response = await flow.client.post("/resources", json=_resource(), headers=agency.headers)
    assert response.status_code == 201
    location = response.headers["location"]
    assert location == f"/resources/{response.json()['id']}"
    assert (await flow.client.get(location, headers=agency.headers)).json() == response.json()
    filed = await flow.client.post("/registrations", headers=agency.headers, json={
        "subject_type": "resource", "subject_id": response.json()["id"], "type": "first",
        "attachments": [{"name": "存证记录.pdf", "sha256": "a" * 64}]})
    assert filed.headers["location"] == f"/registrations/{filed.json()['id']}"
    await flow.to_notice(registrar, filed.json()["id"])
    objection = await flow.client.post(f"/public/notices/{filed.json()['id']}/objections", json=OBJECTION)
    assert objection.status_code == 201, objection.text
    assert objection.headers["location"] == f"/registrations/{filed.json()['id']}/objections"
    listed = await flow.client.get(objection.headers["location"], headers=registrar.headers)
    assert objection.json()["id"] in {item["id"] for item in listed.json()}


async def test_auth_names_created_organizations_accounts_and_clients(auth_client, people):
    admin = await people.person("admin")
    admin_headers = admin.headers_for("pdr-auth")
    org = await auth_client.post("/orgs", headers=admin_headers, json={
        "name": "测试机构", "uscc": with_uscc_check("12110000MB9999999"), "region_code": "110000",
        "kind": "agency"})
    assert org.status_code == 201, org.text
    assert org.headers["location"] == f"/orgs/{org.json()['id']}"
    account = await auth_client.post("/accounts", headers=admin_headers, json={
        "username": "http.conventions", "password": "long-enough-password", "display_name": "测试",
        "org_id": org.json()["id"], "roles": ["agency"]})
    assert account.status_code == 201, account.text
    assert (await auth_client.get(account.headers["location"], headers=admin_headers)).json() == account.json()
    client = await auth_client.post("/clients", headers=admin_headers, json={
        "client_id": "portal-harvester", "name": "门户采集", "kind": "service", "scopes": []})
    assert client.status_code == 201, client.text
    assert client.headers["location"] == "/clients/portal-harvester"
    read = (await auth_client.get("/clients/portal-harvester", headers=admin_headers)).json()
    assert read["id"] == client.json()["id"] and read["client_secret"] is None


def _resource(**over) -> dict:
    return resource_body(**over)


# --- pagination -----------------------------------------------------------------------------------------------

async def test_a_cursor_page_links_to_the_next_one_with_the_same_query(flow, mint):
    await _notices(flow, mint, 3)
    seen: list[str] = []
    url: str | None = "/public/notices?limit=2&q=交通"
    pages = 0
    while url:
        response = await flow.client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        url = _next_url(response)
        assert (url is None) == (body["next_cursor"] is None)  # the body keeps its next_cursor
        if url:
            assert "q=%E4%BA%A4%E9%80%9A" in url and "limit=2" in url and body["next_cursor"] in url
        pages += 1
    assert pages == 2 and len(seen) == len(set(seen)) == 3


async def _walk(client, url: str, headers: dict | None = None) -> tuple[list[dict], list[str | None]]:
    """Every item of a list followed by its Link headers, and the X-Total-Count each page sent."""
    items: list[dict] = []
    totals: list[str | None] = []
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        totals.append(response.headers.get("x-total-count"))
        next_url = _next_url(response)
    return items, totals


async def test_a_list_sorts_by_each_offered_order_and_counts_its_total_on_the_first_page(flow, mint):
    agency = mint("agency")
    names = ["丙数据", "甲数据", "乙数据", "丁数据", "戊数据"]
    created = [await flow.resource(agency, name=name) for name in names]
    await flow.client.patch(f"/resources/{created[0]['id']}", json={"description": "更新后的说明"},
                            headers=agency.headers)
    for sort, expected in [
        (None, [r["id"] for r in created]),  # the default: by id, i.e. by creation
        ("-id", [r["id"] for r in reversed(created)]),
        ("name", [r["id"] for r in sorted(created, key=lambda r: r["name"])]),
        ("-name", [r["id"] for r in sorted(created, key=lambda r: r["name"], reverse=True)]),
    ]:
        query = "limit=2" + (f"&sort={sort}" if sort else "")
        items, totals = await _walk(flow.client, f"/resources?{query}", agency.headers)
        assert [item["id"] for item in items] == expected, sort
        assert totals == ["5", None, None]  # counted once, on the first page
    items, _ = await _walk(flow.client, "/resources?limit=2&sort=-updated_at", agency.headers)
    assert items[0]["id"] == created[0]["id"]  # the one edited last
    one_page = await flow.client.get("/resources?limit=50", headers=agency.headers)
    assert one_page.json()["total"] == 5 and one_page.headers["x-total-count"] == "5"


async def test_a_sort_the_list_does_not_offer_or_a_cursor_of_another_order_is_refused(flow, mint):
    agency = mint("agency")
    for name in ("甲", "乙", "丙"):
        await flow.resource(agency, name=name)
    refused = await flow.client.get("/resources?sort=org_id", headers=agency.headers)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    first = await flow.client.get("/resources?limit=1&sort=name", headers=agency.headers)
    cursor = first.json()["next_cursor"]
    for other in ("-name", "updated_at", "id"):
        crossed = await flow.client.get(f"/resources?limit=1&sort={other}&cursor={cursor}", headers=agency.headers)
        assert crossed.status_code == 400 and crossed.json()["type"].endswith("/bad-cursor"), other


async def test_public_lists_sort_and_count_too(flow, mint):
    await _notices(flow, mint, 3)
    items, totals = await _walk(flow.client, "/public/notices?limit=2&sort=-notice_ends_on")
    ends = [item["notice_ends_on"] for item in items]
    assert ends == sorted(ends, reverse=True) and totals[0] == str(len(items)) and len(totals) >= 1
    authorizations = await flow.client.get("/public/authorizations?sort=-ends_on")
    assert authorizations.status_code == 200 and authorizations.headers["x-total-count"] == str(
        len(authorizations.json()["items"]))
    openapi = (await flow.client.get("/openapi.json")).json()
    params = {p["name"]: p for p in openapi["paths"]["/public/notices"]["get"]["parameters"]}
    assert set(params["sort"]["schema"]["anyOf"][0]["enum"]) == {"id", "-id", "notice_ends_on", "-notice_ends_on"}


async def test_a_list_paged_by_after_links_to_its_next_page(auth_client, people):
    admin = await people.person("admin")
    for _ in range(3):
        await people.org()
    url: str | None = "/orgs?limit=2"
    seen: list[str] = []
    while url:
        response = await auth_client.get(url, headers=admin.headers_for("pdr-auth"))
        assert response.status_code == 200
        seen += [org["id"] for org in response.json()]
        url = _next_url(response)
        if url:
            assert f"after={response.json()[-1]['id']}" in url
    assert len(seen) == len(set(seen)) >= 3


async def test_a_next_link_keeps_the_other_query_parameters():
    app = FastAPI()

    @app.get("/price-list")
    async def prices(request: Request, response: Response, after: str | None = None, limit: int = 2,
                     operator_org_id: str | None = None) -> list:
        link_next(request, response, after="p2", limit=limit)
        return []

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/price-list", params={"limit": 2, "operator_org_id": "org-1", "after": "p0"})
        assert _next_url(response) == "http://t/price-list?operator_org_id=org-1&after=p2&limit=2"


# --- unknown query parameters ---------------------------------------------------------------------------------

async def test_an_unknown_query_parameter_is_refused_with_a_problem(registry_client):
    response = await registry_client.get("/public/notices", params={"limt": "5"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/unknown-query-parameter") and problem["unknown"] == ["limt"]
    assert problem["accepted"] == ["cursor", "limit", "q", "sort"]
    # Declared ones pass, a query model's fields included (catalog search filters).
    assert (await registry_client.get("/public/notices", params={"limit": "5"})).status_code == 200
    assert (await registry_client.get("/catalog/search", params={"q": "交通", "region": "110000"})).status_code == 200
    assert (await registry_client.get("/catalog/search", params={"regoin": "110000"})).status_code == 400


async def test_routes_without_query_parameters_refuse_any_and_writes_are_refused_before_anything_happens(
        registry_client, flow, mint):
    assert (await registry_client.get("/healthz", params={"x": "1"})).status_code == 400
    agency = mint("agency")
    refused = await flow.client.post("/resources?debug=1", json=_resource(), headers=agency.headers)
    assert refused.status_code == 400
    listed = await flow.client.get("/resources", headers=agency.headers)
    assert listed.json()["items"] == []


async def test_every_rest_route_is_guarded_except_the_ckan_action_api(apps):
    from services.kernel.queries import QueryGuard
    for app in (apps.auth, apps.registry, apps.scoring):
        for route in app.routes:
            if isinstance(route, APIRoute):
                guarded = isinstance(route.app, QueryGuard)
                assert guarded != route.path.startswith(("/api/3/action/", "/api/action/")), route.path


async def test_headers_are_not_query_parameters(apps):
    app = FastAPI()

    @app.get("/x")
    async def x(request: Request) -> dict:
        return {"ok": True}

    from services.kernel.queries import guard_queries
    guard_queries(next(r for r in app.routes if isinstance(r, APIRoute)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        ok = await client.get("/x", headers={"Idempotency-Key": "k", "X-PDR-Demo-Date": "2026-01-05"})
        assert ok.status_code == 200
