"""Imports and RDF parsing (issue 18): bounded, off the event loop, refused early.

Each probe of the attack run, built here: an XLSX declaring ``A1:XFD8000`` in 1.5 KB (froze the registry 22 s,
+1 GB), a sheet of 1,000,000 rows (froze it 110 s before the row limit was checked), a 770-byte RDF/XML
"billion laughs" (144 s), JSON-LD 900 levels deep (500), a NUL cell in a CSV (500 on PostgreSQL), two
concurrent imports of one CSV (2,000 rows for 1,000 on SQLite). Each is now answered at once, or refused with
a precise problem, while ``/healthz`` keeps answering and the service's memory stays where it was; nothing is
written by a refusal. The worker's own limits (time, memory) are probed with a worker given small ones.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from openpyxl import Workbook
from sqlalchemy import func, select

from services.kernel.worker import BoundedWorker, WorkerLimits
from services.registry.catalog.parsing import PRELOAD
from services.registry.ledger.models import LedgerEntry
from services.registry.registration.models import Resource

pytestmark = pytest.mark.asyncio(loop_scope="session")

PROBLEM_JSON = "application/problem+json"
MIB = 1024 * 1024
# Generous on a shared 2-core machine: a parse on the event loop stalled it for 22-144 s.
MAX_HEALTH_STALL = 1.0
MAX_RSS_GROWTH = 100 * MIB  # the attack run saw +1 GB
HEADER = ("资源名称", "共享属性", "开放属性", "数据分级")
ROW = ("公交线路数据", "无条件", "有条件", "一般")
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"'


# --- measuring: the service's RSS and its event loop while a request runs ------------------------------------

def _rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@dataclass
class Probe:
    seconds: float  # until the answer
    health_stall: float  # longest wait for /healthz (or between two answers of it) meanwhile
    health_answers: int
    rss_growth: int  # peak RSS of this process (the registry, in-process) over its RSS before


async def _send(client, path: str, files: dict, headers: dict):
    """POST ``files`` while /healthz is asked every 20 ms; the answer, and how the service fared meanwhile."""
    assert (await client.get("/healthz")).status_code == 200
    baseline = peak = _rss()
    answered: list[float] = []
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak
        while not done.is_set():
            assert (await client.get("/healthz")).status_code == 200
            answered.append(time.perf_counter())
            peak = max(peak, _rss())
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0)
    start = time.perf_counter()
    try:
        response = await client.post(path, files=files, headers=headers)
    finally:
        end = time.perf_counter()
        done.set()
        await watcher
    marks = [start, *(t for t in answered if t <= end), end]
    stall = max(b - a for a, b in itertools.pairwise(marks))
    probe = Probe(end - start, stall, len(marks) - 2, max(peak, _rss()) - baseline)
    print(f"\n{path} {files['file'][0]}: {response.status_code} {_slug(response)} in {probe.seconds:.2f} s, "
          f"/healthz answered {probe.health_answers}x (longest wait {probe.health_stall:.3f} s), "
          f"RSS +{probe.rss_growth / MIB:.1f} MiB")
    return response, probe


def _slug(response) -> str:
    if response.headers.get("content-type", "").startswith(PROBLEM_JSON):
        return response.json()["type"].rsplit("/", 1)[-1]
    return ""


def _healthy(probe: Probe) -> None:
    assert probe.health_stall < MAX_HEALTH_STALL, probe
    assert probe.rss_growth < MAX_RSS_GROWTH, probe


def _refused(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"].endswith("/" + slug), body
    return body


async def _count(apps, model) -> int:
    async with apps.registry.state.db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _nothing_written(apps) -> None:
    assert await _count(apps, Resource) == 0
    assert await _count(apps, LedgerEntry) == 0


def _upload(name: str, data: bytes | str) -> dict:
    return {"file": (name, data.encode() if isinstance(data, str) else data, "application/octet-stream")}


# --- crafted workbooks: a real one from openpyxl with its sheet's XML replaced -------------------------------

def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _sheet(dimension: str, rows: Iterable[str]) -> Iterator[bytes]:
    yield (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>').encode()
    yield ('<row r="1">' + "".join(_inline(f"{c}1", t) for c, t in zip("ABCD", HEADER, strict=True)) + "</row>").encode()
    yield from (row.encode() for row in rows)
    yield b"</sheetData></worksheet>"


def _xlsx(sheet_xml: Iterable[bytes]) -> bytes:
    source = io.BytesIO()
    book = Workbook()
    book.active.append(["x"])
    book.save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as sheet:
                    buffer = io.BytesIO()
                    for part in sheet_xml:
                        buffer.write(part)
                        if buffer.tell() >= MIB:
                            sheet.write(buffer.getvalue())
                            buffer = io.BytesIO()
                    sheet.write(buffer.getvalue())
            else:
                dst.writestr(item, src.read(item.filename))
    return out.getvalue()


def _valid_row(number: int) -> str:
    return f'<row r="{number}">' + "".join(_inline(f"{c}{number}", t) for c, t in zip("ABCD", ROW, strict=True)) + "</row>"


_million: list[bytes] = []


def _million_rows() -> bytes:
    """1,000,000 rows of one number each (a name), about 4 MB zipped; made once per session."""
    if not _million:
        rows = (f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 1_000_002))
        _million.append(_xlsx(_sheet("A1:D1000001", rows)))
    return _million[0]


# --- the probes -----------------------------------------------------------------------------------------------

async def test_an_xlsx_declaring_a1_xfd8000_is_read_as_the_rows_it_holds(apps, registry_client, mint):
    data = _xlsx(_sheet("A1:XFD8000", [_valid_row(2)]))
    assert len(data) < 8 * 1024
    response, probe = await _send(registry_client, "/catalog/import", _upload("declared.xlsx", data),
                                  mint("agency").headers)
    assert response.status_code == 200, response.text
    assert (response.json()["total_rows"], response.json()["created"]) == (1, 1)
    _healthy(probe)
    assert probe.seconds < 10


async def test_a_cell_at_column_xfd_is_refused_at_its_row(apps, registry_client, mint):
    data = _xlsx(_sheet("A1:XFD8000", [_valid_row(2), '<row r="8000"><c r="XFD8000"><v>1</v></c></row>']))
    response, probe = await _send(registry_client, "/catalog/import", _upload("wide.xlsx", data),
                                  mint("agency").headers)
    body = _refused(response, 413, "import-too-many-columns")
    assert (body["row"], body["max_columns"]) == (8000, 256)
    _healthy(probe)
    await _nothing_written(apps)


async def test_a_sheet_of_a_million_rows_is_refused_at_the_first_row_past_the_limit(apps, registry_client, mint):
    data = _million_rows()
    assert len(data) < 10 * MIB
    response, probe = await _send(registry_client, "/catalog/import", _upload("million.xlsx", data),
                                  mint("agency").headers)
    body = _refused(response, 413, "import-too-many-rows")
    assert (body["row"], body["max_rows"]) == (200_002, 200_000)  # the header, 200,000 rows, then refused
    _healthy(probe)
    await _nothing_written(apps)


async def test_an_xlsx_that_unzips_past_the_limit_is_refused_before_it_is_parsed(apps, registry_client, mint):
    filler = (b"<!--" + b" " * MIB + b"-->" for _ in range(260))  # 260 MiB of XML comment, 260 KB zipped
    data = _xlsx(_bomb(filler))
    response, probe = await _send(registry_client, "/catalog/import", _upload("bomb.xlsx", data),
                                  mint("agency").headers)
    _refused(response, 413, "import-too-large")
    assert probe.seconds < 5
    _healthy(probe)
    await _nothing_written(apps)


def _bomb(filler: Iterable[bytes]) -> Iterator[bytes]:
    parts = list(_sheet("A1:D2", [_valid_row(2)]))
    yield from parts[:-1]
    yield from filler
    yield parts[-1]


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
                  + f']><rdf:RDF {RDF}><rdf:Description rdf:about="http://portal.example/ds/1">'
                  '<dct:title>&i;</dct:title></rdf:Description></rdf:RDF>')


async def test_rdfxml_entities_are_refused_before_any_is_expanded(apps, registry_client, mint):
    assert len(BILLION_LAUGHS) < 800
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("laughs.rdf", BILLION_LAUGHS),
                                  mint("agency").headers)
    _refused(response, 422, "import-xml-entities")
    assert probe.seconds < 5
    _healthy(probe)
    await _nothing_written(apps)


async def test_an_xml_literal_of_many_elements_is_refused(apps, registry_client, mint):
    # rdflib re-parses an XML literal at each of its elements: 2,000 empty ones (8 KB) took it 9 s.
    document = (f'<?xml version="1.0"?><rdf:RDF {RDF}><rdf:Description rdf:about="http://portal.example/ds/1">'
                f'<dct:title rdf:parseType="Literal">{"<a/>" * 2000}</dct:title></rdf:Description></rdf:RDF>')
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("literal.rdf", document),
                                  mint("agency").headers)
    _refused(response, 422, "import-xml-literal")
    _healthy(probe)
    await _nothing_written(apps)


async def test_a_literal_of_a_hundred_thousand_lines_is_refused(apps, registry_client, mint):
    # rdflib joins a literal's pieces (one per line) to the previous ones: quadratic in its lines.
    document = (f'<?xml version="1.0"?><rdf:RDF {RDF}><rdf:Description rdf:about="http://portal.example/ds/1">'
                f'<dct:title>{"x" + chr(10) * 100_000}</dct:title></rdf:Description></rdf:RDF>')
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("lines.rdf", document),
                                  mint("agency").headers)
    assert _refused(response, 413, "import-cell-too-large")["max_cell_chars"] == 32_767
    _healthy(probe)
    await _nothing_written(apps)


@pytest.mark.parametrize("depth", [900, 100_000])
async def test_jsonld_nested_past_the_limit_is_refused(apps, registry_client, mint, depth):
    document = '{"@id": "http://portal.example/x", "http://portal.example/p": ' * depth + "1" + "}" * depth
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("deep.jsonld", document),
                                  mint("agency").headers)
    assert _refused(response, 422, "import-too-deep")["max_depth"] == 64
    _healthy(probe)
    await _nothing_written(apps)


@pytest.mark.parametrize("nest", [("[ <http://e/p> ", " ]"), ("( ", " )")], ids=["blank nodes", "lists"])
async def test_turtle_nested_past_the_parsers_recursion_is_refused(apps, registry_client, mint, nest):
    opening, closing = nest
    document = "<http://e/x> <http://e/p> " + opening * 5000 + "1" + closing * 5000 + " .\n"
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("deep.ttl", document),
                                  mint("agency").headers)
    _refused(response, 422, "import-too-deep")
    _healthy(probe)
    await _nothing_written(apps)


async def test_a_nul_cell_makes_its_row_invalid_and_the_others_are_written(apps, registry_client, mint):
    csv = ("资源名称,资源摘要,共享属性,开放属性,数据分级\n"
           "公交线路数据,全市公交线路,无条件,有条件,一般\n"
           "企业年报数据,年报\x00摘要,无条件,有条件,一般\n"
           "空气质量数据,小时数据,无条件,无条件,一般\n")
    agency = mint("agency")
    response, probe = await _send(registry_client, "/catalog/import", _upload("nul.csv", csv), agency.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["invalid"]) == (2, 1)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "资源摘要")]
    assert "U+0000" in report["errors"][0]["reason"]
    async with apps.registry.state.db.sessions() as session:
        names = set((await session.scalars(select(Resource.name))).all())
    assert names == {"公交线路数据", "空气质量数据"}
    _healthy(probe)


async def test_a_file_of_200001_rows_is_refused_naming_the_row(apps, registry_client, mint):
    csv = ",".join(HEADER) + "\n" + "".join(f"资源{n},无条件,有条件,一般\n" for n in range(200_001))
    response, probe = await _send(registry_client, "/catalog/import", _upload("rows.csv", csv),
                                  mint("agency").headers)
    assert _refused(response, 413, "import-too-many-rows")["row"] == 200_002
    _healthy(probe)
    await _nothing_written(apps)


async def test_a_cell_over_excels_own_limit_is_refused_naming_its_row_and_column(apps, registry_client, mint):
    csv = ",".join(HEADER) + ",资源摘要\n" + ",".join(ROW) + ",短\n" + ",".join(ROW) + "," + "长" * 40_000 + "\n"
    response, _ = await _send(registry_client, "/catalog/import", _upload("cell.csv", csv), mint("agency").headers)
    body = _refused(response, 413, "import-cell-too-large")
    assert (body["row"], body["column"]) == (3, "资源摘要")
    await _nothing_written(apps)


async def test_two_concurrent_imports_of_one_csv_create_its_rows_once(apps, registry_client, mint):
    agency = mint("agency")
    csv = ",".join(HEADER) + "\n" + "".join(f"资源{n},无条件,有条件,一般\n" for n in range(1000))
    first, second = await asyncio.gather(*(
        registry_client.post("/catalog/import", files=_upload("same.csv", csv), headers=agency.headers)
        for _ in range(2)))
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    reports = sorted((r.json()["created"], r.json()["unchanged"]) for r in (first, second))
    assert reports == [(0, 1000), (1000, 0)]
    assert await _count(apps, Resource) == 1000


# --- the worker's own limits, given small ones ----------------------------------------------------------------

@pytest_asyncio.fixture(loop_scope="session")
async def worker_with(apps):
    """Swaps the registry's import worker for one with the given limits, for one test."""
    original, made = apps.registry.state.import_worker, []

    def swap(limits: WorkerLimits) -> None:
        made.append(BoundedWorker(limits, preload=PRELOAD))
        apps.registry.state.import_worker = made[-1]

    yield swap
    apps.registry.state.import_worker = original
    for worker in made:
        await worker.close()


def _big_turtle(datasets: int) -> str:
    """A legitimate catalog that takes rdflib seconds and hundreds of MB (10,000 datasets: ~9 MB, 300 MB)."""
    head = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n"
    return head + "".join(
        f'<http://portal.example/ds/{i}> a dcat:Dataset ; dct:title "数据集{i}"@zh, "Dataset {i}"@en ; '
        f'dct:description "全市空气质量自动监测站小时数据，包括站点、时间、PM2.5 等指标 {i}"@zh ; '
        f'dct:identifier "ds-{i}" ; dcat:keyword "环境"@zh, "空气"@zh ; '
        f'dcat:distribution [ a dcat:Distribution ; dcat:accessURL <http://portal.example/ds/{i}/api> ] .\n'
        for i in range(datasets))


async def test_a_parse_past_its_time_is_stopped_and_refused(apps, registry_client, mint, worker_with):
    worker_with(WorkerLimits(memory_bytes=1024 * MIB, seconds=1))
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("slow.ttl", _big_turtle(20_000)),
                                  mint("agency").headers)
    assert _refused(response, 422, "import-too-costly")["limit"] == "time"
    assert probe.seconds < 1 + 2 + 3  # CPU limit, the wall clock's grace, stopping the worker
    _healthy(probe)
    await _nothing_written(apps)


async def test_a_parse_past_its_memory_is_stopped_and_refused(apps, registry_client, mint, worker_with):
    worker_with(WorkerLimits(memory_bytes=400 * MIB, seconds=60))
    response, probe = await _send(registry_client, "/catalog/import/dcat", _upload("big.ttl", _big_turtle(20_000)),
                                  mint("agency").headers)
    assert _refused(response, 422, "import-too-costly")["limit"] in ("memory", "crashed")
    _healthy(probe)
    await _nothing_written(apps)
    # The worker goes on (or is replaced, had it died): the next import is served.
    small = ",".join(HEADER) + "\n" + ",".join(ROW) + "\n"
    response = await registry_client.post("/catalog/import", files=_upload("after.csv", small),
                                          headers=mint("agency").headers)
    assert response.status_code == 200 and response.json()["created"] == 1


async def test_a_jsonld_catalog_of_ordinary_depth_still_imports(apps, registry_client, mint):
    """The guards refuse what is dangerous, not what a portal sends: a JSON-LD catalog of ordinary depth."""
    document = {"@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
                "@graph": [{"@id": f"http://portal.example/ds/{n}", "@type": "dcat:Dataset",
                            "dct:title": {"@value": f"数据集{n}", "@language": "zh"}} for n in range(3)]}
    response, probe = await _send(registry_client, "/catalog/import/dcat",
                                  _upload("ok.jsonld", json.dumps(document, ensure_ascii=False)),
                                  mint("agency").headers)
    assert response.status_code == 200 and response.json()["created"] == 3, response.text
    _healthy(probe)
