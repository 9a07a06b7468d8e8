"""Catalog search (issue 3, "Catalog for portals"): CJK full text, ranking, filters, facets, keyset paging."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_two_character_chinese_word_matches_inside_longer_text(registry_client, subjects):
    await subjects.resource("org-a", "城市公共交通客流数据", "地铁和公交每日客流")
    await subjects.resource("org-a", "企业登记信息", "市场主体登记")
    response = await registry_client.get("/catalog/search", params={"q": "交通"})
    assert response.status_code == 200, response.text
    assert [hit["name"] for hit in response.json()["items"]] == ["城市公共交通客流数据"]
    names = [h["name"] for h in (await registry_client.get("/catalog/search", params={"q": "企业"})).json()["items"]]
    assert names == ["企业登记信息"]


async def test_phrase_must_be_contiguous_not_just_share_characters(registry_client, subjects):
    await subjects.resource("org-a", "通行交费记录", "高速公路")
    response = await registry_client.get("/catalog/search", params={"q": "交通"})
    assert response.json()["items"] == []


async def test_english_words_and_mixed_queries_match(registry_client, subjects):
    await subjects.resource("org-a", "GDP 季度统计", "National accounts, quarterly GDP by region")
    await subjects.resource("org-a", "人口统计", "census")
    hits = (await registry_client.get("/catalog/search", params={"q": "quarterly 统计"})).json()["items"]
    assert [h["name"] for h in hits] == ["GDP 季度统计"]


async def test_single_character_query_matches_as_prefix_of_bigrams(registry_client, subjects):
    await subjects.resource("org-a", "外交往来", "")
    hits = (await registry_client.get("/catalog/search", params={"q": "往"})).json()["items"]
    assert [h["name"] for h in hits] == ["外交往来"]


async def test_title_match_ranks_above_description_match(registry_client, subjects):
    await subjects.resource("org-a", "气象观测", "含交通气象站点数据")
    await subjects.resource("org-a", "交通流量监测", "道路卡口")
    hits = (await registry_client.get("/catalog/search", params={"q": "交通"})).json()["items"]
    assert [h["name"] for h in hits] == ["交通流量监测", "气象观测"]
    assert hits[0]["score"] > hits[1]["score"]  # title tier above body tier


async def test_filters_narrow_by_region_grading_sharing_and_kind(registry_client, subjects):
    await subjects.resource("org-a", "交通违法数据", region="110000", grading="important", sharing="not")
    await subjects.resource("org-b", "交通事故数据", region="310000", grading="general", sharing="conditional")
    await subjects.product("org-c", "交通出行API", form="api", region="440000")
    get = lambda **p: registry_client.get("/catalog/search", params={"q": "交通", **p})  # noqa: E731
    assert [h["name"] for h in (await get(region="310000")).json()["items"]] == ["交通事故数据"]
    assert [h["name"] for h in (await get(grading="important")).json()["items"]] == ["交通违法数据"]
    assert [h["name"] for h in (await get(sharing="conditional")).json()["items"]] == ["交通事故数据"]
    assert [h["name"] for h in (await get(kind="product", form="api")).json()["items"]] == ["交通出行API"]
    assert [h["name"] for h in (await get(org="org-b")).json()["items"]] == ["交通事故数据"]


async def test_invalid_filter_is_a_problem_not_a_500(registry_client):
    response = await registry_client.get("/catalog/search", params={"region": "beijing", "limit": 0})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    bad_cursor = await registry_client.get("/catalog/search", params={"q": "交通", "cursor": "%%%"})
    assert bad_cursor.status_code == 400


async def test_keyset_pages_cover_every_hit_once_in_rank_order(registry_client, subjects):
    for i in range(7):
        await subjects.resource("org-a", f"交通数据{i}", "交通 " * (i + 1))
    seen, cursor = [], None
    while True:
        params = {"q": "交通", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await registry_client.get("/catalog/search", params=params)).json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and len({h["id"] for h in seen}) == 7
    scores = [h["score"] for h in seen]
    assert scores == sorted(scores, reverse=True)


async def test_pages_cross_from_title_matches_to_other_matches_in_rank_then_recency_order(registry_client, subjects):
    # Created alternately, so recency alone would interleave the tiers; the ranking must not.
    for i in range(4):
        await subjects.resource("org-a", f"交通数据{i}")
        await subjects.resource("org-a", f"客流数据{i}", "来自城市交通部门")
    pages, cursor = [], None
    while True:
        params = {"q": "交通", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await registry_client.get("/catalog/search", params=params)).json()
        pages.append([(h["name"], h["score"]) for h in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == [
        [("交通数据3", 1.0), ("交通数据2", 1.0), ("交通数据1", 1.0)],
        [("交通数据0", 1.0), ("客流数据3", 0.5), ("客流数据2", 0.5)],
        [("客流数据1", 0.5), ("客流数据0", 0.5)],
    ]


async def test_browse_without_query_pages_newest_first(registry_client, subjects):
    for i in range(5):
        await subjects.resource("org-a", f"资源{i}")
    first = (await registry_client.get("/catalog/search", params={"limit": 2})).json()
    assert [h["name"] for h in first["items"]] == ["资源4", "资源3"]
    second = (await registry_client.get("/catalog/search", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [h["name"] for h in second["items"]] == ["资源2", "资源1"]


async def test_index_follows_updates_and_deletes_of_the_subject(apps, registry_client, subjects):
    from services.registry.registration.models import Resource

    row = await subjects.resource("org-a", "旧名称", "")
    async with apps.registry.state.db.sessions.begin() as session:
        (await session.get(Resource, row.id)).name = "新能源车辆充电"
    assert [h["id"] for h in (await registry_client.get("/catalog/search", params={"q": "充电"})).json()["items"]] == [row.id]
    assert (await registry_client.get("/catalog/search", params={"q": "旧名称"})).json()["items"] == []
    async with apps.registry.state.db.sessions.begin() as session:
        await session.delete(await session.get(Resource, row.id))
    assert (await registry_client.get("/catalog/search", params={"q": "充电"})).json()["items"] == []


async def test_facets_count_the_result_set_per_dimension(registry_client, subjects):
    await subjects.resource("org-a", "交通违法数据", region="110000", grading="important", org_name="甲局")
    await subjects.resource("org-a", "交通卡口数据", region="110000", grading="general", org_name="甲局")
    await subjects.resource("org-b", "交通事故数据", region="310000", grading="general", org_name="乙局")
    await subjects.resource("org-b", "气象数据", region="310000")
    facets = (await registry_client.get("/catalog/facets", params={"q": "交通"})).json()
    assert facets["total"] == 3
    assert facets["region"] == [{"value": "110000", "label": "北京市", "count": 2},
                                 {"value": "310000", "label": "上海市", "count": 1}]
    assert facets["grading"][0] == {"value": "general", "label": None, "count": 2}
    assert {f["value"]: f["label"] for f in facets["org"]} == {"org-a": "甲局", "org-b": "乙局"}


@pytest.mark.parametrize("cursor", ["WyJhIiwiYiJd", "W251bGwsMV0", "WzUsMV0", "eyJhIjoxfQ"])
async def test_forged_cursors_are_bad_requests(registry_client, cursor):
    for params in ({"q": "交通", "cursor": cursor}, {"cursor": cursor}):
        response = await registry_client.get("/catalog/search", params=params)
        assert response.status_code == 400, response.text


async def _walk(client, params: dict) -> tuple[list[dict], list]:
    """Every hit of a search paged by its cursors, and the total each page carried."""
    hits, totals, cursor = [], [], None
    while True:
        page = await client.get("/catalog/search", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        hits += body["items"]
        totals.append((body["total"], page.headers.get("x-total-count")))
        cursor = body["next_cursor"]
        if not cursor:
            return hits, totals


@pytest.mark.parametrize("sort", ["name", "-name", "updated_at", "-updated_at"])
async def test_a_search_sorts_by_a_field_in_either_direction_across_pages(registry_client, subjects, sort):
    names = ["戊交通", "甲交通", "丙交通", "乙交通", "丁交通", "无关资源"]
    for name in names:
        await subjects.resource("org-a", name, "城市交通" if "交通" in name else "")
    hits, totals = await _walk(registry_client, {"q": "交通", "limit": 2, "sort": sort, "count": "true"})
    field, descending = sort.lstrip("-"), sort.startswith("-")
    keys = [(hit[field], hit["id"]) for hit in hits]
    assert len(hits) == 5 and len({hit["id"] for hit in hits}) == 5
    assert [hit[field] for hit in hits] == [k for k, _ in sorted(keys, reverse=descending)]
    assert totals == [(5, "5"), (None, None), (None, None)]  # the total is counted once, on the first page


async def test_a_search_counts_its_total_with_its_filters_and_without_a_query(registry_client, subjects):
    for i in range(4):
        await subjects.resource("org-a", f"资源{i}", grading="core" if i % 2 else "general")
    await subjects.resource("org-a", "草稿", status="draft")  # not public: not counted
    everything = await registry_client.get("/catalog/search", params={"limit": 3, "count": "true"})
    assert everything.json()["total"] == 4 and everything.headers["x-total-count"] == "4"
    uncounted = await registry_client.get("/catalog/search", params={"limit": 3})  # not asked, not free: none
    assert uncounted.json()["total"] is None and "x-total-count" not in uncounted.headers
    core = await registry_client.get("/catalog/search", params={"grading": "core"})
    assert core.json()["total"] == 2 and core.json()["next_cursor"] is None
    nothing = await registry_client.get("/catalog/search", params={"q": "不存在的词"})
    assert nothing.json() == {"items": [], "total": 0, "next_cursor": None}


async def test_a_cursor_of_one_order_is_refused_by_another(registry_client, subjects):
    for i in range(3):
        await subjects.resource("org-a", f"交通{i}")
    by_name = (await registry_client.get("/catalog/search", params={"q": "交通", "limit": 1, "sort": "name"})).json()
    ranked = (await registry_client.get("/catalog/search", params={"q": "交通", "limit": 1})).json()
    for params in ({"sort": "-updated_at", "cursor": by_name["next_cursor"]},
                   {"cursor": by_name["next_cursor"]},
                   {"sort": "name", "cursor": ranked["next_cursor"]}):
        refused = await registry_client.get("/catalog/search", params={"q": "交通", "limit": 1, **params})
        assert refused.status_code == 400 and refused.json()["type"].endswith("/bad-cursor"), params
    unknown = await registry_client.get("/catalog/search", params={"sort": "org_id"})
    assert unknown.status_code == 422 and unknown.headers["content-type"].startswith("application/problem+json")
