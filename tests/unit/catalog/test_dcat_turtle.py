"""A harvest page written from templates (catalog/dcat_turtle.py) is the graph built triple by triple
(catalog/dcat.py build_graph), for records of every shape, several of each, with text that needs escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rdflib import Graph
from rdflib.compare import isomorphic

from services.registry.catalog import dcat
from services.registry.catalog.dcat_records import Links, public_record
from services.registry.catalog.dcat_serialize import to_turtle

LINKS = Links("http://registry.test", "http://console.test")
INFO = dcat.CatalogInfo(LINKS)
START = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _entry(i: int, **over) -> dict:
    entry = {"seq": i, "subject_type": "resource", "subject_id": f"{i:032x}", "org_id": f"org-{i % 3}",
             "org_name": f"第{i % 3}数据局", "name": f"交通数据（{i}）", "description": f"第{i}条 \"引号\"\n换行\\反斜杠",
             "region_code": ["110000", "310115", ""][i % 3], "domain": ["交通", "", "气象"][i % 3],
             "update_frequency": ["monthly", "daily", ""][i % 3], "sharing_attribute": "conditional",
             "opening_attribute": ["unconditional", "conditional", "not", ""][i % 4], "grading": "general",
             "form": "", "use_type": "", "created_at": START + timedelta(hours=i),
             "updated_at": START + timedelta(days=i), "query_code": f"PDR-110000-2026-{i:06d}" if i % 2 else None,
             "scenarios": None}
    return entry | over


def _records() -> list:
    entries = [_entry(i) for i in range(12)]
    entries += [_entry(100 + i, subject_type="product", form=form, use_type="industry")
                for i, form in enumerate(["api", "api", "dataset", "model", "report", "application"])]
    return [public_record(e, LINKS) for e in entries]


def _parsed(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_a_page_from_templates_is_the_graph_built_triple_by_triple():
    records = _records()
    paging = dcat.Paging(page_url="http://registry.test/catalog.ttl?page=2&limit=18",
                         first_url="http://registry.test/catalog.ttl?page=1&limit=18",
                         last_url="http://registry.test/catalog.ttl?page=3&limit=18", total=50, per_page=18,
                         next_url="http://registry.test/catalog.ttl?page=3&limit=18",
                         previous_url="http://registry.test/catalog.ttl?page=1&limit=18")
    built = _parsed(to_turtle(dcat.build_graph(INFO, records, paging)))
    templated = _parsed(dcat.turtle_page(INFO, records, paging))
    assert len(built) > 18 * 20
    assert isomorphic(built, templated), sorted(set(built) ^ set(templated))[:10]


def test_every_shape_is_compiled_once_and_each_record_is_its_own():
    records = _records()
    text = dcat.turtle_page(INFO, records)
    for r in records:  # each record's own values, not the first of its shape's
        assert f"<{r.iri}>" in text and r.identifier in text
    assert "\ue000" not in text and "urn:x-pdr-slot" not in text  # no marker left behind
    empty = _parsed(dcat.turtle_page(INFO, []))
    assert isomorphic(empty, _parsed(to_turtle(dcat.build_graph(INFO, []))))
