"""The file limits of an import, checked while the file streams (catalog/limits.py, issue 18), with small limits.

These run the parsers in-process; the API tests (tests/api/attacks/test_imports.py) run them in the worker.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from services.kernel.problems import Problem, Unprocessable
from services.registry.catalog.dcat_import import sheet_from_dcat
from services.registry.catalog.limits import ImportLimits
from services.registry.catalog.sheets import read_sheet

SMALL = ImportLimits(max_rows=3, max_columns=6, max_cell_chars=10, max_cells=60, max_triples=20, max_datasets=2,
                     max_depth=8, max_xml_literal_elements=3, max_dcat_bytes=4096)
HEADER = "资源名称,共享属性,开放属性,数据分级\n"
ROW = "公交线路数据,无条件,有条件,一般\n"
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"'


def _refusal(call) -> Problem:
    with pytest.raises(Problem) as raised:
        call()
    return raised.value


def _csv(text: str, limits: ImportLimits = SMALL):
    return read_sheet("c.csv", text.encode(), limits)


def test_rows_up_to_the_limit_are_read_as_tuples_of_the_mapped_fields():
    sheet = _csv(HEADER + ROW * 3)
    assert sheet.fields == ("name", "sharing_attribute", "opening_attribute", "grading")
    assert sheet.rows[0] == (2, ("公交线路数据", "无条件", "有条件", "一般"))


def test_the_row_past_the_limit_is_refused_naming_it():
    problem = _refusal(lambda: _csv(HEADER + ROW * 4))
    assert (problem.status, problem.slug, problem.extensions["row"]) == (413, "import-too-many-rows", 5)


def test_blank_rows_are_skipped_but_not_without_end():
    assert len(_csv(HEADER + ROW + ",,,\n" * 3 + ROW).rows) == 2
    assert _refusal(lambda: _csv(HEADER + ",,,\n" * 4)).slug == "import-too-many-rows"


def test_empty_cells_past_the_last_column_are_ignored_a_value_there_is_refused():
    assert len(_csv(HEADER + ROW.rstrip("\n") + ",,,,,,\n").rows) == 1
    problem = _refusal(lambda: _csv(HEADER + ROW.rstrip("\n") + ",,,x\n"))
    assert (problem.slug, problem.extensions["row"]) == ("import-too-many-columns", 2)


def test_cells_are_counted_padding_included():
    problem = _refusal(lambda: _csv(HEADER + (ROW.rstrip("\n") + "," * 20 + "\n") * 3))  # 4 + 3 x 24 cells
    assert (problem.status, problem.slug) == (413, "import-too-many-cells")


def test_a_long_cell_is_refused_naming_its_row_and_column():
    problem = _refusal(lambda: _csv(HEADER + "公交线路数据,无条件,有条件,一般一般一般一般一般一般\n"))
    assert (problem.slug, problem.extensions["row"], problem.extensions["column"]) == (
        "import-cell-too-large", 2, "数据分级")


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read():
    problem = _refusal(lambda: read_sheet("c.csv", b"x" * 101, replace(SMALL, max_bytes=100)))
    assert (problem.status, problem.slug) == (413, "import-too-large")


def test_an_xlsx_row_as_wide_as_its_last_cell_whatever_the_sheet_declares():
    book = Workbook()
    for line in (HEADER + ROW).splitlines():
        book.active.append(line.split(","))
    book.active["Z2"].font = Font(bold=True)  # a styled, empty cell far right is nothing
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(read_sheet("c.xlsx", buffer.getvalue(), SMALL).rows) == 1
    book.active["Z2"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    assert _refusal(lambda: read_sheet("c.xlsx", buffer.getvalue(), SMALL)).slug == "import-too-many-columns"


def test_an_xlsx_whose_parts_unzip_past_the_limit_is_refused():
    book = Workbook()
    book.active.append(HEADER.strip().split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    problem = _refusal(lambda: read_sheet("c.xlsx", buffer.getvalue(), replace(SMALL, max_unzipped_bytes=1000)))
    assert (problem.status, problem.slug) == (413, "import-too-large")


def _ttl(datasets: int) -> str:
    return "".join(f'<http://e/{i}> a <http://www.w3.org/ns/dcat#Dataset> ; '
                   f'<http://purl.org/dc/terms/title> "数据集{i}" .\n' for i in range(datasets))


def test_a_catalog_is_refused_at_the_statement_past_the_limit():
    assert len(sheet_from_dcat("c.ttl", _ttl(2).encode(), SMALL).rows) == 2
    problem = _refusal(lambda: sheet_from_dcat("c.ttl", _ttl(11).encode(), SMALL))
    assert (problem.status, problem.slug, problem.extensions["max_triples"]) == (413, "import-too-many-triples", 20)


def test_a_catalog_of_more_datasets_than_the_limit_is_refused():
    problem = _refusal(lambda: sheet_from_dcat("c.ttl", _ttl(3).encode(), SMALL))
    assert (problem.status, problem.slug) == (413, "import-too-many-rows")


def test_a_catalog_over_its_byte_limit_is_refused():
    assert _refusal(lambda: sheet_from_dcat("c.ttl", b"#" * 4097, SMALL)).slug == "import-too-large"


def _rdfxml(body: str) -> bytes:
    return (f'<?xml version="1.0"?><rdf:RDF {RDF}>{body}</rdf:RDF>').encode()


def test_rdfxml_within_the_limits_is_read():
    sheet = sheet_from_dcat("c.rdf", _rdfxml(
        '<rdf:Description rdf:about="http://e/1"><rdf:type rdf:resource="http://www.w3.org/ns/dcat#Dataset"/>'
        '<dct:title>数据集</dct:title><dct:description rdf:parseType="Literal"><b>x</b></dct:description>'
        '</rdf:Description>'), SMALL)
    assert sheet.rows[0][1][0] == "数据集"


@pytest.mark.parametrize(("body", "slug"), [
    ("<rdf:Description><dct:title>" + "x" * 11 + "</dct:title></rdf:Description>", "import-cell-too-large"),
    ("<rdf:Description/>" + " " * 11 + "<rdf:Description/>", "import-cell-too-large"),  # a long tail
    ("<rdf:Description><rdf:value>" * 5 + "</rdf:value></rdf:Description>" * 5, "import-too-deep"),
    (('<rdf:Description><dct:title rdf:parseType="Literal"><a/><a/></dct:title>'
      '<dct:description rdf:parseType="Literal"><a/><a/></dct:description></rdf:Description>'), "import-xml-literal"),
])
def test_rdfxml_past_a_limit_is_refused_before_rdflib_reads_it(body, slug):
    assert _refusal(lambda: sheet_from_dcat("c.rdf", _rdfxml(body), SMALL)).slug == slug


def test_rdfxml_with_a_dtd_is_refused_even_without_entities():
    document = _rdfxml("").replace(b"<rdf:RDF", b"<!DOCTYPE rdf:RDF><rdf:RDF", 1)
    assert _refusal(lambda: sheet_from_dcat("c.rdf", document, SMALL)).slug == "import-xml-entities"


def test_jsonld_at_the_depth_limit_is_read_one_deeper_is_refused():
    def nested(depth: int) -> bytes:
        return ('{"http://e/p": ' * depth + "1" + "}" * depth).encode()

    sheet_from_dcat("c.jsonld", nested(8), SMALL)
    assert _refusal(lambda: sheet_from_dcat("c.jsonld", nested(9), SMALL)).slug == "import-too-deep"


def test_a_remote_jsonld_context_is_refused_deep_inside_too():
    document = {"@graph": [{"@context": {"@import": "http://example.invalid/c.jsonld"}, "@id": "http://e/1"}]}
    problem = _refusal(lambda: sheet_from_dcat("c.jsonld", json.dumps(document).encode(), SMALL))
    assert isinstance(problem, Unprocessable) and problem.slug == "import-remote-context"
