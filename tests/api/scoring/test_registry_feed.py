"""The registry mirror (issue 13): scoring reads the real registry's change feed with the records each page
touched, validates them against its contract, and shows every failure instead of reading it as "gone"."""

import json

import httpx
from sqlalchemy import func, select, update

from services.kernel.http import ServiceClient
from services.scoring.mirror.gateway import RegistryGateway
from services.scoring.records import FeedState, RegistryRecord
from tests.conftest import SCORING_CLIENT_ID, SCORING_CLIENT_SECRET

from .support import sync, sync_all

CSV = ("资源名称,资源摘要,数据项,更新频率,共享属性,开放属性,数据分级,所属领域,行政区划代码\n"
       + "".join(f"公交线路数据{n},全市公交线路,线路编号;站点名称,每日,无条件,有条件,一般,交通,310000\n" for n in range(30)))


async def _mirrored(apps) -> dict[str, int]:
    async with apps.scoring.state.db.sessions() as session:
        rows = await session.execute(select(RegistryRecord.kind, func.count()).where(
            RegistryRecord.deleted.is_(False)).group_by(RegistryRecord.kind))
        return dict(rows.all())


def _gateway(apps, transport: httpx.AsyncBaseTransport, client_id: str = SCORING_CLIENT_ID,
             secret: str = SCORING_CLIENT_SECRET, scope: str = "registry:feed") -> RegistryGateway:
    s = apps.scoring.state.settings
    return RegistryGateway(ServiceClient(s.registry_url, token_url=s.token_url, client_id=client_id,
                                         client_secret=secret, audience="pdr-registry", scope=scope,
                                         transport=transport))


class Swapped:
    """Runs scoring with another gateway for a while (a network fault, another client), then restores it."""

    def __init__(self, apps, gateway: RegistryGateway) -> None:
        self.state, self.gateway = apps.scoring.state, gateway

    async def __aenter__(self):
        self.real, self.state.registry = self.state.registry, self.gateway

    async def __aexit__(self, *exc):
        self.state.registry = self.real
        await self.gateway.client.aclose()


class Down(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request):
        raise httpx.ConnectError("registry is down", request=request)


class DropsAField(httpx.AsyncBaseTransport):
    """The real registry's answers with one contract field renamed in every resource record, as a registry
    release that renamed ``status`` would send them."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request):
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/events":
            return response
        page = json.loads(await httpx.Response(response.status_code, stream=response.stream).aread())
        for item in page.get("records") or []:
            if item["kind"] == "resource" and item["record"]:
                item["record"]["state"] = item["record"].pop("status")
        return httpx.Response(200, json=page)


async def test_the_mirror_holds_every_record_the_registry_serves_of_each_kind(world, apps, registry_client,
                                                                              scoring_client):
    state = await sync_all(scoring_client, world.parties["admin"].scoring)
    assert state["mode"] == "feed" and state["stale"] is False
    auditor = world.parties["auditor"].registry
    counts = {}
    for kind, path in (("resource", "/resources"), ("product", "/products"), ("registration", "/registrations")):
        counts[kind] = len((await registry_client.get(path, headers=auditor, params={"limit": 200})).json()["items"])
    for kind, path in (("agreement", "/operation/agreements"), ("annual_report", "/operation/reports"),
                       ("compliance_record", "/compliance/records")):
        counts[kind] = len((await registry_client.get(path, headers=auditor)).json())
    assert await _mirrored(apps) == counts
    assert counts["agreement"] == 2 and counts["annual_report"] == 2 and counts["compliance_record"] >= 2


async def test_redelivered_pages_change_nothing(world, apps, scoring_client):
    admin = world.parties["admin"].scoring
    await sync_all(scoring_client, admin)
    async with apps.scoring.state.db.sessions.begin() as session:
        await session.execute(update(FeedState).values(cursor=0))
    again = await sync(scoring_client, admin)
    assert again["applied"] > 0 and again["changed"] == 0


async def test_registry_down_keeps_the_last_scores_marked_stale_then_catches_up(world, apps, registry_client,
                                                                                scoring_client):
    admin, operator = world.parties["admin"].scoring, world.parties["sh-operator"]
    await sync_all(scoring_client, admin)
    product = world.products["sh-operator"][0]
    before = (await scoring_client.get(f"/value-scores/product/{product}", headers=operator.scoring)).json()
    change = await registry_client.post("/registrations", headers=operator.registry, json={
        "subject_type": "product", "subject_id": product, "type": "correction", "reason": "名称有误",
        "changes": {"name": "更正后的产品名称"}, "attachments": [{"name": "更正说明.pdf", "sha256": "cd" * 32}]})
    assert change.status_code == 201, change.text
    async with Swapped(apps, _gateway(apps, Down())):
        failed = await sync(scoring_client, admin)
        assert failed["stale"] is True and failed["last_error"].startswith("unavailable") and failed["failures"] == 1
        served = await scoring_client.get(f"/value-scores/product/{product}", headers=operator.scoring)
        assert served.json()["total"] == before["total"] and served.json()["freshness"]["stale"] is True
    caught_up = await sync_all(scoring_client, admin)
    assert caught_up["stale"] is False and caught_up["failures"] == 0
    after = (await scoring_client.get(f"/value-scores/product/{product}", headers=operator.scoring)).json()
    assert after["freshness"]["stale"] is False


async def test_a_client_refused_by_the_registry_fails_the_sync_visibly_and_mirrors_nothing(
        world, apps, scoring_client):
    """Refusal (403: no registry:feed scope) is an error that shows, never "the records are gone"."""
    async with Swapped(apps, _gateway(apps, apps.scoring.state.transport, scope="registry:read")):
        failed = await sync(scoring_client, world.parties["admin"].scoring)
    assert failed["cursor"] == 0 and failed["stale"] is True and failed["failures"] == 1
    assert failed["last_error"].startswith("refused: GET /events answered 403")
    assert await _mirrored(apps) == {}
    metrics = (await scoring_client.get("/metrics")).text
    assert 'pdr_feed_errors_total{reason="refused",service="scoring"} 1.0' in metrics


async def test_a_record_outside_the_contract_fails_the_sync_and_moves_nothing(world, apps, scoring_client):
    async with Swapped(apps, _gateway(apps, DropsAField(apps.scoring.state.transport))):
        failed = await sync(scoring_client, world.parties["admin"].scoring)
    assert failed["cursor"] == 0 and failed["last_error"].startswith("contract: resource ")
    assert "status" in failed["last_error"]
    assert await _mirrored(apps) == {}
    metrics = (await scoring_client.get("/metrics")).text
    assert 'pdr_feed_errors_total{reason="contract",service="scoring"} 1.0' in metrics
    assert (await sync_all(scoring_client, world.parties["admin"].scoring))["stale"] is False


async def test_a_bulk_import_reaches_scoring_resource_by_resource(apps, registry_client, scoring_client, callers):
    imported = await registry_client.post("/catalog/import", headers=callers["agency"].registry,
                                          files={"file": ("catalogue.csv", CSV.encode(), "text/csv")})
    assert imported.status_code == 200 and imported.json()["created"] == 30, imported.text
    await sync_all(scoring_client, callers["admin"].headers)
    assert (await _mirrored(apps))["resource"] == 30
    scores = await scoring_client.get("/value-scores", headers=callers["agency"].headers, params={"limit": 100})
    assert len(scores.json()["items"]) == 30


async def test_coding_a_registration_updates_its_subject_in_the_mirror(world, apps):
    async with apps.scoring.state.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(RegistryRecord))).scalar_one() == 0
    scoring_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=apps.scoring), base_url="http://s.test")
    async with scoring_client:
        await sync_all(scoring_client, world.parties["admin"].scoring)
    async with apps.scoring.state.db.sessions() as session:
        statuses = {r.record_id: r.payload["status"] for r in (await session.execute(select(RegistryRecord).where(
            RegistryRecord.kind == "resource"))).scalars()}
    sh = world.resources["sh-agency"]
    assert [statuses[r] for r in sh] == ["registered"] * 6 + ["draft"] * 2


async def test_only_admins_authorities_and_scoring_writers_trigger_a_sync(scoring_client, callers):
    expected = {"admin": 200, "authority": 200, "registrar": 403, "agency": 403, "operator": 403, "auditor": 403,
                "anonymous": 401, "client:reader": 403, "client:feeder": 403}
    for name, status in expected.items():
        response = await scoring_client.post("/sync", headers=callers[name].headers)
        assert response.status_code == status, (name, response.text)
