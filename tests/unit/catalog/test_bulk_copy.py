"""COPY text encoding used by the bulk importer on PostgreSQL: escapes and NULLs are exact."""

from services.registry.catalog.bulk import copy_text
from services.registry.catalog.models import CatalogEntry
from services.registry.registration.models import Resource


def test_copy_text_escapes_tabs_newlines_backslashes_and_marks_null():
    rows = [{"name": "甲\t乙\n丙\\丁", "tsv": None, "seq": 7, "description": ""}]
    data = copy_text(CatalogEntry.__table__, ["name", "tsv", "seq", "description"], rows)
    assert data.decode() == "甲\\t乙\\n丙\\\\丁\t\\N\t7\t\n"


def test_copy_text_writes_json_columns_as_escaped_json():
    data = copy_text(Resource.__table__, ["data_items"], [{"data_items": [{"name": "a\tb"}]}])
    assert data.decode() == '[{"name": "a\\\\tb"}]\n'
