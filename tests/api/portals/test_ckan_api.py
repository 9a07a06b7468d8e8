"""CKAN-compatible read API (issue 15 item 3): CKAN's action API over the public catalogue, in CKAN's envelope
and with CKAN's status codes (ckan/views/api.py), for public records only (DOMAIN §1 Art. 19; issue 18).

The last tests drive a real registry process with the real ``ckanapi`` client, as a portal would.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import ckanapi
import pytest
import pytest_asyncio

from services.kernel.db import Database
from services.kernel.timeutil import utcnow
from services.registry.catalog.sync import install_catalog_sync
from services.registry.registration.models import IssuedCode, Product, Resource
from tests.system import start_system

pytestmark = pytest.mark.asyncio(loop_scope="session")

BASE = "http://registry.test"
ORG_A, ORG_B, ORG_DRAFTS = "org-ckan-a", "org-ckan-b", "org-ckan-drafts"


class World:
    """Subjects written through the ORM (the catalogue follows them, catalog/sync.py), with staggered times."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.clock = utcnow() - timedelta(days=1)

    async def resource(self, org_id: str, name: str, description: str = "", *, status: str = "registered",
                       org_name: str = "交通运输局", domain: str = "交通", region: str = "110000", **extra) -> Resource:
        self.clock += timedelta(minutes=1)
        async with self.sessions.begin() as session:
            row = Resource(org_id=org_id, org_name=org_name, name=name, description=description, status=status,
                           region_code=region, domain=domain, sharing_attribute="conditional",
                           opening_attribute="unconditional", grading="general", update_frequency="monthly",
                           created_at=self.clock, updated_at=self.clock, **extra)
            session.add(row)
        return row

    async def product(self, org_id: str, name: str, description: str = "", *, form: str = "api",
                      org_name: str = "数据运营公司", domain: str = "交通", scenarios: list | None = None,
                      status: str = "registered") -> Product:
        self.clock += timedelta(minutes=1)
        async with self.sessions.begin() as session:
            row = Product(org_id=org_id, org_name=org_name, name=name, description=description, status=status,
                          form=form, use_type="industry", region_code="310000", domain=domain,
                          scenarios=scenarios or [], created_at=self.clock, updated_at=self.clock)
            session.add(row)
        return row

    async def code(self, subject: Resource, code: str) -> None:
        async with self.sessions.begin() as session:
            session.add(IssuedCode(code=code, registration_id="r" * 32, subject_type="resource",
                                   subject_id=subject.id))


@pytest_asyncio.fixture(loop_scope="session")
async def world(apps, clean):
    """Two publishing organizations, one with a product; drafts, a cancelled entry and an organization with
    only drafts, none of which CKAN callers may see."""
    w = World(apps.registry.state.db.sessions)
    w.bus = await w.resource(ORG_A, "公交线路数据", "城市公交线路与站点")
    w.metro = await w.resource(ORG_A, "地铁客流统计", "地铁每日客流，含公交换乘")
    w.weather = await w.resource(ORG_B, "气象观测数据", "自动站观测", org_name="气象局", domain="气象",
                                 region="310000")
    w.api = await w.product(ORG_B, "出行查询API", "实时公交到站", org_name="气象局",
                            scenarios=["出行服务", {"name": "应急调度"}])
    w.draft = await w.resource(ORG_A, "公交草稿数据", status="draft")
    w.cancelled = await w.resource(ORG_B, "已注销公交数据", status="cancelled")
    w.hidden = await w.resource(ORG_DRAFTS, "草稿机构数据", status="draft", org_name="草稿局")
    await w.code(w.bus, "PDR-110000-2026-000001")
    return w


async def call(client, action: str, method: str = "GET", **params):
    if method == "GET":
        return await client.get(f"/api/3/action/{action}", params=params)
    return await client.post(f"/api/3/action/{action}", json=params)


async def result(client, action: str, method: str = "GET", **params):
    response = await call(client, action, method, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"help": f"{BASE}/api/3/action/help_show?name={action}", "success": True,
                    "result": body["result"]}
    return body["result"]


def names(page: dict) -> list[str]:
    return [package["title"] for package in page["results"]]


# --- package_search -----------------------------------------------------------------------------------------

async def test_package_search_lists_only_registered_records_newest_first(registry_client, world):
    page = await result(registry_client, "package_search")
    assert page["count"] == 4
    assert names(page) == ["出行查询API", "气象观测数据", "地铁客流统计", "公交线路数据"]
    assert page["sort"] == "score desc, metadata_modified desc"
    assert page["facets"] == {} and page["search_facets"] == {}


async def test_a_token_of_the_registration_body_still_sees_only_public_records(registry_client, world, people):
    registrar = await people.person("registrar")
    response = await registry_client.get("/api/3/action/package_search", headers=registrar.headers)
    assert response.json()["result"]["count"] == 4
    draft = await registry_client.get("/api/3/action/package_show", params={"id": world.draft.id},
                                      headers=registrar.headers)
    assert draft.status_code == 404


async def test_q_ranks_title_matches_above_description_matches(registry_client, world):
    page = await result(registry_client, "package_search", q="公交")
    # 公交线路数据 holds it in its title; the others in their descriptions, newest first.
    assert names(page) == ["公交线路数据", "出行查询API", "地铁客流统计"]
    assert page["count"] == 3
    assert names(await result(registry_client, "package_search", q="*:*")) == names(
        await result(registry_client, "package_search"))


async def test_sorts_ckan_clients_send(registry_client, world):
    by_title = await result(registry_client, "package_search", sort="title_string asc")
    assert names(by_title) == sorted(names(by_title))
    modified = await result(registry_client, "package_search", sort="metadata_modified desc")
    stamps = [p["metadata_modified"] for p in modified["results"]]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == 4
    oldest = await result(registry_client, "package_search", sort="metadata_modified asc", rows=1)
    assert names(oldest) == ["公交线路数据"]
    ids = await result(registry_client, "package_search", sort="id asc")
    assert [p["id"] for p in ids["results"]] == sorted(p["id"] for p in ids["results"])


async def test_rows_and_start_page_through_every_record_once(registry_client, world):
    seen, start = [], 0
    while True:
        page = await result(registry_client, "package_search", rows=3, start=start, sort="metadata_modified desc")
        assert page["count"] == 4
        if not page["results"]:
            break
        seen.extend(p["id"] for p in page["results"])
        start += 3
    assert len(seen) == 4 and set(seen) == {world.bus.id, world.metro.id, world.weather.id, world.api.id}
    beyond = await result(registry_client, "package_search", rows=3, start=400)
    assert beyond["count"] == 4 and beyond["results"] == []
    assert (await result(registry_client, "package_search", rows=0))["results"] == []


async def test_fq_filters_by_organization_tags_and_format_joined_with_plus(registry_client, world):
    def fq(value):
        return result(registry_client, "package_search", fq=value)
    assert names(await fq(f"organization:{ORG_B}")) == ["出行查询API", "气象观测数据"]
    assert names(await fq("tags:气象")) == ["气象观测数据"]
    assert names(await fq("res_format:api")) == ["出行查询API"]
    assert names(await fq(f"+organization:{ORG_B} +tags:交通")) == ["出行查询API"]
    assert names(await fq(f'+organization:"{ORG_A}" +region:110000 +dataset_type:dataset')) == [
        "地铁客流统计", "公交线路数据"]
    assert (await fq(f"organization:{ORG_A} organization:{ORG_B}"))["count"] == 0  # both at once: none
    assert (await fq("dataset_type:harvest"))["count"] == 0
    assert (await fq("region:beijing"))["count"] == 0  # a value no record has, as Solr answers it
    assert (await fq(f"organization:{ORG_DRAFTS}"))["count"] == 0
    both = await result(registry_client, "package_search", fq="tags:交通", fq_list=["kind:resource"], q="客流")
    assert names(both) == ["地铁客流统计"]


async def test_an_incremental_harvest_asks_for_what_changed_since_its_last_run(registry_client, world):
    # ckanext-harvest's CKAN harvester: fq=metadata_modified:[<last run>Z TO *].
    every = (await result(registry_client, "package_search", sort="metadata_modified asc"))["results"]
    stamps = [p["metadata_modified"] for p in every]
    since = stamps[2]  # CKAN's form: naive UTC

    def fq(value, **params):
        return result(registry_client, "package_search", fq=value, sort="metadata_modified asc", **params)
    changed = await fq(f"metadata_modified:[{since}Z TO *]")
    assert [p["id"] for p in changed["results"]] == [p["id"] for p in every[2:]] and changed["count"] == 2
    until = await fq(f"metadata_modified:[* TO {stamps[0]}Z]")
    assert [p["id"] for p in until["results"]] == [every[0]["id"]]
    both = await fq(f"+metadata_modified:[{stamps[1]}Z TO {stamps[2]}Z] +dataset_type:dataset")
    assert [p["id"] for p in both["results"]] == [p["id"] for p in every[1:3]]
    assert (await fq("metadata_modified:[* TO *]"))["count"] == 4
    for bad, message in (("metadata_modified:[NOW-1DAY TO *]", "as a date"),
                         ("metadata_modified:[2026-13-01T00:00:00Z TO *]", "as a date"),
                         ("metadata_created:[2026-01-01T00:00:00Z TO *]", "by a range")):
        refused = await call(registry_client, "package_search", fq=bad)
        assert refused.status_code == 409 and message in refused.json()["error"]["message"], bad
    since_search = await registry_client.get("/catalog/search", params={"modified_since": f"{since}Z"})
    assert {hit["id"] for hit in since_search.json()["items"]} == {p["id"] for p in every[2:]}


async def test_facet_fields_come_back_in_ckans_search_facets_shape(registry_client, world):
    page = await result(registry_client, "package_search",
                        **{"facet.field": json.dumps(["organization", "tags", "res_format"]), "rows": 0})
    assert page["facets"] == {"organization": {ORG_A: 2, ORG_B: 2}, "tags": {"交通": 3, "气象": 1},
                              "res_format": {"api": 1}}
    assert page["search_facets"] == {
        "organization": {"title": "organization", "items": [
            {"name": ORG_A, "display_name": "交通运输局", "count": 2},
            {"name": ORG_B, "display_name": "气象局", "count": 2}]},
        "tags": {"title": "tags", "items": [{"name": "交通", "display_name": "交通", "count": 3},
                                            {"name": "气象", "display_name": "气象", "count": 1}]},
        "res_format": {"title": "res_format", "items": [{"name": "api", "display_name": "api", "count": 1}]}}
    narrowed = await result(registry_client, "package_search", fq="tags:交通",
                            **{"facet.field": '["organization"]', "facet.limit": 1})
    assert narrowed["facets"] == {"organization": {ORG_A: 2}}


async def test_post_with_a_json_body_answers_as_get_does(registry_client, world):
    params = {"q": "公交", "fq": f"organization:{ORG_A}", "rows": 1, "start": 1, "facet.field": ["tags"]}
    posted = await result(registry_client, "package_search", "POST", **params)
    got = await result(registry_client, "package_search", **{**params, "facet.field": '["tags"]'})
    assert posted == got and names(posted) == ["地铁客流统计"]
    show = await result(registry_client, "package_show", "POST", id=world.bus.id)
    assert show["id"] == world.bus.id


# --- refusals, CKAN's way -----------------------------------------------------------------------------------

async def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and set(body) == {"help", "success", "error"}
    return body["error"]


@pytest.mark.parametrize(("params", "error"), [
    ({"rows": "-1"}, {"rows": ["Must be a natural number"]}),
    ({"start": "-5"}, {"start": ["Must be a natural number"]}),
    ({"rows": "ten"}, {"rows": ["Invalid integer"]}),
    ({"start": "1.5"}, {"start": ["Invalid integer"]}),
    ({"start": str(2**31)}, {"start": ["Must be at most 2147483647"]}),
    ({"facet.field": "tags"}, {"facet.field": ["Must be a JSON list of field names"]}),
    ({"q": "交通\u202e"}, {"q": ["Text must not contain a bidirectional control character (U+202E)"]}),
    ({"fq": "tags:\x1b"}, {"fq": ["Text must not contain a control character (U+001B)"]}),
])
async def test_invalid_paging_and_text_are_validation_errors(registry_client, params, error):
    response = await registry_client.get("/api/3/action/package_search", params=params)
    assert await error_of(response, 409) == {"__type": "Validation Error", **error}


async def test_rows_beyond_the_maximum_are_cut_to_it_as_ckan_does(registry_client, world):
    page = await result(registry_client, "package_search", rows=5000)
    assert len(page["results"]) == 4


async def test_a_sort_ckan_cannot_apply_is_a_search_query_error(registry_client):
    for sort in ("title asc", "metadata_modified sideways", "score desc,", "; drop table x"):
        error = await error_of(await call(registry_client, "package_search", sort=sort), 400)
        assert error == {"__type": "Search Query Error", "message": "Search Query is invalid: "
                                                                    "'Invalid \"sort\" parameter'"}


async def test_unknown_fields_and_parameters_are_search_errors(registry_client):
    error = await error_of(await call(registry_client, "package_search", fq="author:someone"), 409)
    assert error == {"__type": "Search Error", "message": "Search error: 'undefined field author'"}
    error = await error_of(await call(registry_client, "package_search", fq="tags:(a OR b)"), 409)
    assert error["__type"] == "Search Error" and "Cannot parse fq" in error["message"]
    error = await error_of(await call(registry_client, "package_search", **{"facet.field": '["author"]'}), 409)
    assert error == {"__type": "Search Error", "message": "Search error: 'undefined field author'"}
    error = await error_of(await call(registry_client, "package_search", limit=5), 409)
    assert error == {"__type": "Search Error", "message": "Search error: \"Invalid search parameters: ['limit']\""}


async def test_unknown_and_write_actions_are_bad_requests(registry_client):
    for action in ("package_create", "organization_purge", "nope"):
        for method in ("GET", "POST"):
            response = await registry_client.request(method, f"/api/3/action/{action}")
            assert response.status_code == 400
            assert response.json() == f"Bad request - Action name not known: {action}"


async def test_a_body_that_is_not_a_json_object_is_a_bad_request(registry_client):
    url = "/api/3/action/package_search"
    for body in (b"{", b"\xff\xfe", b'["q"]', b"7"):
        response = await registry_client.post(url, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400 and response.json().startswith("Bad request - "), body
    empty = await registry_client.post(url, content=b"")
    assert empty.status_code == 200 and empty.json()["success"] is True


# --- package_show -------------------------------------------------------------------------------------------

async def test_package_show_maps_a_resource_to_a_ckan_package(registry_client, world):
    package = await result(registry_client, "package_show", id=world.bus.id)
    bus = world.bus
    assert package == {
        "id": bus.id, "name": bus.id, "title": "公交线路数据", "notes": "城市公交线路与站点", "type": "dataset",
        "state": "active", "private": False, "url": "", "version": None, "author": None, "author_email": None,
        "maintainer": None, "maintainer_email": None, "license_id": "notspecified",
        "license_title": "License not specified", "isopen": False,
        "metadata_created": bus.created_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "metadata_modified": bus.updated_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "owner_org": ORG_A,
        "organization": {"id": ORG_A, "name": ORG_A, "title": "交通运输局", "display_name": "交通运输局",
                         "description": "", "image_url": "", "image_display_url": "", "type": "organization",
                         "is_organization": True, "state": "active", "approval_status": "approved",
                         "created": None},
        "groups": [],
        "tags": [{"name": "交通", "display_name": "交通", "state": "active", "vocabulary_id": None}],
        "num_tags": 1,
        "resources": [{"id": f"{bus.id}-dcat", "package_id": bus.id, "position": 0, "name": "DCAT-AP 3.0.0",
                       "description": "登记信息 (DCAT-AP 3.0.0; Turtle, JSON-LD, RDF/XML by content negotiation)",
                       "url": f"{BASE}/catalog/resources/{bus.id}", "format": "JSON-LD",
                       "mimetype": "application/ld+json", "state": "active",
                       "created": package["metadata_created"], "last_modified": package["metadata_modified"]}],
        "num_resources": 1,
        "extras": [{"key": "domain", "value": "交通"}, {"key": "grading", "value": "general"},
                   {"key": "opening_attribute", "value": "unconditional"}, {"key": "pdr_kind", "value": "resource"},
                   {"key": "query_code", "value": "PDR-110000-2026-000001"},
                   {"key": "region_code", "value": "110000"}, {"key": "region_name", "value": "北京市"},
                   {"key": "sharing_attribute", "value": "conditional"},
                   {"key": "update_frequency", "value": "monthly"}],
        "relationships_as_object": [], "relationships_as_subject": [],
    }


async def test_a_products_tags_hold_its_scenarios_and_its_form_is_a_resource_format(registry_client, world):
    package = await result(registry_client, "package_show", id=world.api.id)
    assert [t["name"] for t in package["tags"]] == ["交通", "出行服务", "应急调度"]
    assert [(r["format"], r["name"], r["url"]) for r in package["resources"]] == [
        ("JSON-LD", "DCAT-AP 3.0.0", f"{BASE}/catalog/products/{world.api.id}"),
        ("api", "数据接口", f"{BASE}/catalog/products/{world.api.id}")]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras == {"pdr_kind": "product", "region_code": "310000", "region_name": "上海市", "domain": "交通",
                      "form": "api", "use_type": "industry"}
    searched = (await result(registry_client, "package_search", fq="res_format:api"))["results"]
    assert searched == [package]  # search results are the same dictionaries


async def test_package_show_of_a_draft_a_cancelled_or_an_unknown_id_is_not_found(registry_client, world):
    for subject_id in (world.draft.id, world.cancelled.id, "0" * 32, "no such thing"):
        error = await error_of(await call(registry_client, "package_show", id=subject_id), 404)
        assert error == {"__type": "Not Found Error", "message": "Not found"}
    missing = await error_of(await call(registry_client, "package_show"), 409)
    assert missing == {"__type": "Validation Error", "id": ["Missing value"]}


# --- organizations and status -------------------------------------------------------------------------------

async def test_organization_list_names_publishing_organizations_only(registry_client, world):
    assert await result(registry_client, "organization_list") == [ORG_A, ORG_B]
    assert await result(registry_client, "organization_list", sort="name desc") == [ORG_B, ORG_A]
    assert await result(registry_client, "organization_list", limit=1, offset=1) == [ORG_B]
    full = await result(registry_client, "organization_list", all_fields="true", sort="title asc")
    assert [(o["name"], o["title"], o["package_count"]) for o in full] == [(ORG_A, "交通运输局", 2),
                                                                           (ORG_B, "气象局", 2)]
    assert full[0]["created"] == world.bus.created_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    posted = await result(registry_client, "organization_list", "POST", all_fields=True, organizations=[ORG_B])
    assert [o["name"] for o in posted] == [ORG_B]
    bad = await error_of(await call(registry_client, "organization_list", sort="members desc"), 409)
    assert bad == {"__type": "Validation Error", "sort": ["Cannot sort by field `members`"]}


async def test_organization_show_counts_and_optionally_lists_public_datasets(registry_client, world):
    org = await result(registry_client, "organization_show", id=ORG_A)
    assert (org["name"], org["title"], org["package_count"], org["is_organization"]) == (ORG_A, "交通运输局", 2, True)
    assert "packages" not in org
    with_datasets = await result(registry_client, "organization_show", id=ORG_A, include_datasets="true")
    assert [p["title"] for p in with_datasets["packages"]] == ["地铁客流统计", "公交线路数据"]
    for hidden in (ORG_DRAFTS, "org-nobody"):
        error = await error_of(await call(registry_client, "organization_show", id=hidden), 404)
        assert error == {"__type": "Not Found Error", "message": "Not found: Organization was not found."}


async def test_status_show_and_the_versionless_path_ckanapi_calls(registry_client):
    status = await result(registry_client, "status_show")
    assert status["ckan_version"] == "2.10.0" and status["site_url"] == BASE
    versionless = await registry_client.get("/api/action/status_show")
    assert versionless.json()["result"] == status
    helped = await result(registry_client, "help_show", name="package_show")
    assert helped == "One public dataset by id or name."


# --- the real client against a real registry process ---------------------------------------------------------

@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def running(tmp_path_factory):
    """The services as processes over fresh databases, and 57 public datasets of three organizations written
    into the registry's database as the registration service writes them (plus drafts no one may see)."""
    # start_system runs its own event loops (seeding identities): off this one
    system = await asyncio.to_thread(start_system, tmp_path_factory.mktemp("ckan"))
    db = Database(system.databases["registry"].url)
    install_catalog_sync()
    try:
        w = World(db.sessions)
        for i in range(57):
            await w.resource(f"org-{i % 3}", f"交通数据集{i:02d}", f"第{i}号", org_name=f"第{i % 3}局")
        for i in range(5):
            await w.resource("org-0", f"草稿{i}", status="draft", org_name="第0局")
        await db.dispose()
        yield system
    finally:
        await asyncio.to_thread(system.stop)


@pytest.mark.e2e
async def test_ckanapi_pages_through_every_dataset_and_reads_each_one(running):
    ckan = ckanapi.RemoteCKAN(running.urls["registry"], user_agent="pdr-tests/1.0 (ckanapi)")
    first = ckan.action.package_search(rows=10, start=0)
    assert first["count"] == 57
    seen, start = [], 0
    while True:
        page = ckan.action.package_search(rows=10, start=start, sort="metadata_modified desc")
        if not page["results"]:
            break
        seen.extend(page["results"])
        start += len(page["results"])
    assert len(seen) == 57 and len({p["name"] for p in seen}) == 57
    assert sorted(p["title"] for p in seen) == [f"交通数据集{i:02d}" for i in range(57)]
    shown = ckan.action.package_show(id=seen[0]["name"])
    assert shown == seen[0]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="0" * 32)
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows=-1)
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(sort="popularity desc")
    with pytest.raises(ckanapi.SearchError):
        ckan.action.package_search(fq="author:x")


@pytest.mark.e2e
async def test_ckanapi_reads_organizations_and_filters_by_them(running):
    ckan = ckanapi.RemoteCKAN(running.urls["registry"], user_agent="pdr-tests/1.0 (ckanapi)")
    assert ckan.action.organization_list() == ["org-0", "org-1", "org-2"]
    orgs = ckan.action.organization_list(all_fields=True)
    assert [(o["name"], o["title"], o["package_count"]) for o in orgs] == [
        ("org-0", "第0局", 19), ("org-1", "第1局", 19), ("org-2", "第2局", 19)]
    org = ckan.action.organization_show(id="org-1", include_datasets=True)
    assert org["package_count"] == 19 and len(org["packages"]) == 19
    facets = ckan.action.package_search(fq="organization:org-2", rows=0, **{"facet.field": ["organization"]})
    assert facets["count"] == 19 and facets["search_facets"]["organization"]["items"] == [
        {"name": "org-2", "display_name": "第2局", "count": 19}]
    # by GET too, as a browser or a harvester configured for GET would ask
    get_only = ckanapi.RemoteCKAN(running.urls["registry"], get_only=True)
    assert get_only.action.package_search(q="交通数据集05")["count"] == 1
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="org-nobody")
