"""The public home page's headline figures (issue 16): registered resources and products from the catalogue,
registrations coded this year, notices open today (Art. 12), in one public read kept briefly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.kernel.timeutil import china_today
from services.registry.catalog.figures import FigureCache
from services.registry.registration.deps import registration_today
from tests.unit.console.helpers import in_notice, registered

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def uncached(apps):
    apps.registry.state.catalog_figures = FigureCache(ttl=0)
    yield
    apps.registry.state.catalog_figures = None


async def figures(client) -> dict:
    response = await client.get("/catalog/figures")
    assert response.status_code == 200, response.text
    return response.json()


async def test_figures_count_public_resources_and_products_only(registry_client, subjects, uncached):
    await subjects.resource("org-a", "公交线路数据")
    await subjects.resource("org-a", "地铁客流数据")
    await subjects.resource("org-a", "草稿资源", status="draft")
    await subjects.product("org-b", "出行指数")
    await subjects.product("org-b", "已注销产品", status="cancelled")
    found = await figures(registry_client)
    assert (found["resources"], found["products"]) == (2, 1)
    assert found["notices_open"] == 0 and found["registrations_this_year"] == 0


async def test_a_notice_counts_while_open_and_a_coded_registration_counts_in_its_year(
        apps, registry_client, people, uncached):
    operator, registrar = await people.person("operator"), await people.person("registrar")
    running = await in_notice(registry_client, operator, registrar, "出行热力指数")
    assert (await figures(registry_client))["notices_open"] == 1
    await registered(apps, registry_client, operator, registrar, "物流路径指数")
    found = await figures(registry_client)
    assert found["registrations_this_year"] == 1 and found["notices_open"] == 1
    # The day after the running notice's last day, it is no longer open; next year the coding is last year's.
    ends = date.fromisoformat(running["deadlines"]["notice_ends_on"])
    coded_year = china_today().year
    for day in (ends + timedelta(days=1), date(coded_year + 1, 12, 31)):
        notices, coded = 0, int(day.year == coded_year)
        async def on_day(day=day) -> date:
            return day
        apps.registry.dependency_overrides[registration_today] = on_day
        try:
            found = await figures(registry_client)
        finally:
            apps.registry.dependency_overrides.pop(registration_today, None)
        assert (found["notices_open"], found["registrations_this_year"], found["year"]) == (notices, coded, day.year)


async def test_figures_are_kept_briefly_then_counted_again(apps, registry_client, subjects):
    apps.registry.state.catalog_figures = cache = FigureCache(ttl=3600)
    try:
        before = await figures(registry_client)
        await subjects.resource("org-a", "新登记资源")
        assert (await figures(registry_client))["resources"] == before["resources"]
        cache.ttl = 0
        assert (await figures(registry_client))["resources"] == before["resources"] + 1
    finally:
        apps.registry.state.catalog_figures = None
