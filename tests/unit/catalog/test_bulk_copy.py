"""COPY text encoding used by the bulk importer on PostgreSQL: escapes and NULLs are exact."""

from services.registry.catalog.bulk import copy_text
from services.registry.catalog.models import CatalogEntry


def test_copy_text_escapes_tabs_newlines_backslashes_and_marks_null():
    rows = [{"name": "甲\t乙\n丙\\丁", "keywords": ["交通", "a\tb"], "tsv": None, "seq": 7, "description": ""}]
    data = copy_text(CatalogEntry.__table__, ["name", "keywords", "tsv", "seq", "description"], rows)
    assert data.decode() == '甲\\t乙\\n丙\\\\丁\t["交通", "a\\\\tb"]\t\\N\t7\t\n'
