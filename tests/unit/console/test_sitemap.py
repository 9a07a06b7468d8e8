"""robots.txt and the sitemap of the console's public pages (sitemaps.org protocol 0.9; issue 15, item 5)."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

import pytest

from services.console import sitemap
from services.registry.registration.models import IssuedCode, Resource

from .conftest import CONSOLE
from .helpers import in_notice

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
STATIC = [f"{CONSOLE}{path}" for path in ("/", "/notices", "/lookup", "/prices", "/authorizations")]


async def _records(apps, count: int, *, drafts: int = 1, uncoded: int = 1) -> list[str]:
    """Registered catalogue records, ``count`` with query codes and ``uncoded`` without (and drafts): the ids of
    the registered ones, oldest first."""
    ids = []
    async with apps.registry.state.db.sessions.begin() as session:
        for n in range(count + drafts + uncoded):
            status = "draft" if n >= count + uncoded else "registered"
            row = Resource(org_id="org-a", org_name="市数据局", name=f"数据{n}", status=status, region_code="110000",
                           sharing_attribute="conditional", opening_attribute="unconditional", grading="general")
            session.add(row)
            await session.flush()
            if status == "registered":
                ids.append(row.id)
            if n < count or status == "draft":
                code = f"PDR-2026-{n:06d}-Q"
                session.add(IssuedCode(code=code, registration_id=f"r{n}", subject_type="resource", subject_id=row.id))
    return ids


def _urls(response) -> dict[str, str | None]:
    assert response.status_code == 200 and response.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{NS}urlset"
    urls = {}
    for url in root:
        assert url.tag == f"{NS}url"
        loc, lastmod = url.find(f"{NS}loc").text, url.find(f"{NS}lastmod")
        assert loc.startswith(f"{CONSOLE}/") and len(loc) <= 2048
        if lastmod is not None:
            date.fromisoformat(lastmod.text)  # W3C Datetime, date form
        urls[loc] = None if lastmod is None else lastmod.text
    return urls


async def test_robots_txt_lets_crawlers_read_public_pages_and_names_the_sitemap(browser):
    response = await browser.get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for private in ("/workspace", "/registrar", "/oversight", "/login"):
        assert f"Disallow: {private}" in lines
    assert lines[-1] == f"Sitemap: {CONSOLE}/sitemap.xml"


async def test_sitemap_lists_public_pages_running_notices_and_registered_records(apps, browser, registry_client,
                                                                                 people):
    operator, registrar = await people.person("operator"), await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar)
    ids = await _records(apps, 2)

    urls = _urls(await browser.get("/sitemap.xml"))

    # Every registered record has its public page (coded or not); the organization publishing them has one too.
    assert set(urls) == {*STATIC, f"{CONSOLE}/notices/{notice['id']}", f"{CONSOLE}/organizations/org-a",
                         *(f"{CONSOLE}/datasets/{subject_id}" for subject_id in ids)}
    assert urls[f"{CONSOLE}/notices/{notice['id']}"] == notice["deadlines"]["notice_starts_on"]
    assert all(urls[f"{CONSOLE}/datasets/{subject_id}"] for subject_id in ids)
    assert len(ids) == 3 and "PDR-2026-000003-Q" not in str(urls)  # the draft: not a public record


async def test_past_the_url_limit_the_sitemap_is_an_index_of_numbered_sitemaps(apps, browser, monkeypatch):
    monkeypatch.setattr(sitemap, "MAX_URLS", 3)
    ids = await _records(apps, 7, drafts=0, uncoded=0)

    response = await browser.get("/sitemap.xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{NS}sitemapindex"
    children = [s.find(f"{NS}loc").text for s in root.findall(f"{NS}sitemap")]
    assert children == [f"{CONSOLE}/sitemaps/pages.xml", *(f"{CONSOLE}/sitemaps/records-{n}.xml" for n in (1, 2, 3))]

    assert set(_urls(await browser.get("/sitemaps/pages.xml"))) == {*STATIC, f"{CONSOLE}/organizations/org-a"}
    seen = []
    for n, size in ((1, 3), (2, 3), (3, 1)):
        page = _urls(await browser.get(f"/sitemaps/records-{n}.xml"))
        assert len(page) == size
        seen += list(page)
    assert seen == [f"{CONSOLE}/datasets/{subject_id}" for subject_id in ids]
    assert (await browser.get("/sitemaps/records-4.xml")).status_code == 404


@pytest.mark.parametrize("path", ["/sitemaps/records-0.xml", "/sitemaps/records-x.xml"])
async def test_a_record_sitemap_number_out_of_range_is_not_found(browser, path):
    assert (await browser.get(path)).status_code == 404
