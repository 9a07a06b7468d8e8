"""The attack run of issue 18, against the real services as processes over real HTTP.

Every probe is an attack a portal, an operator of another organization or an anonymous client could send;
each must be refused (a 4xx, never a 2xx, never a 5xx). The run reports attacks tried, refused and 5xx, and
the peak resident memory of each service during a burst of 20 oversized requests (goal: under twice its idle
RSS). The per-family tests under tests/api/attacks/ prove each refusal's exact shape on both engines; this
run proves the whole system holds when they come over the wire.

    PDR_TEST_DB=sqlite .venv/bin/pytest tests/e2e/test_attack_run.py -q -s     (prints the figures)
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest

from tests.system import RunningSystem, start_system

pytestmark = pytest.mark.e2e

SHA = "ab" * 32
MIB = 1024 * 1024
OBJECTION = {"objector_name": "张三", "objector_id_number": "110101199003074518", "contact": "13800000000",
             "grounds": "该数据含有本单位商业秘密", "evidence": [{"name": "合同.pdf", "sha256": SHA}]}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """A system of its own: the run spends budgets and revokes tokens that other end-to-end tests rely on."""
    running = start_system(tmp_path_factory.mktemp("attack"))
    yield running
    running.stop()


@dataclass
class Tally:
    tried: int = 0
    refused: int = 0
    server_errors: list[str] = field(default_factory=list)
    let_through: list[str] = field(default_factory=list)

    def expect_refused(self, name: str, response: httpx.Response, *allowed: int) -> None:
        """One attack: refused means a 4xx (one of ``allowed`` when given) with a problem or OAuth error body."""
        self.tried += 1
        status = response.status_code
        if status == 200 and response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()  # GraphQL refuses an operation in its own way: errors, and no data
            if isinstance(body, dict) and body.get("errors") and body.get("data") is None:
                status = 400
        if status >= 500:
            self.server_errors.append(f"{name}: {status} {response.text[:200]}")
        elif 400 <= status < 500 and (not allowed or status in allowed):
            self.refused += 1
        else:
            self.let_through.append(f"{name}: {status} {response.text[:200]}")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _xlsx_declaring(dimension: str) -> bytes:
    """A tiny workbook whose sheet declares a huge used range (the 1.5 KB sheet that froze the registry)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml",
                      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                      '<Default Extension="xml" ContentType="application/xml"/>'
                      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      '</Types>')
        book.writestr("_rels/.rels",
                      '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                      '</Relationships>')
        book.writestr("xl/workbook.xml",
                      '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                      '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        book.writestr("xl/_rels/workbook.xml.rels",
                      '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                      '</Relationships>')
        book.writestr("xl/worksheets/sheet1.xml",
                      '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      f'<dimension ref="{dimension}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
                      '</row></sheetData></worksheet>')
    return buffer.getvalue()


ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
               + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
               + b']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                 b'xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="urn:x"><dct:title>&i;</dct:title>'
                 b'</rdf:Description></rdf:RDF>')


def _run_probes(system: RunningSystem, tally: Tally) -> None:  # noqa: PLR0915 (the probes, in the order they run)
    auth, registry, scoring = (system.urls[name] for name in ("auth", "registry", "scoring"))
    agency = system.token("agency")["access_token"]
    agency2 = system.token("agency2")["access_token"]
    operator2 = system.token("operator2")["access_token"]
    registrar = system.token("registrar")["access_token"]
    price = system.token("price")["access_token"]
    portal = httpx.post(f"{auth}/oauth/token", data={"grant_type": "client_credentials", "audience": "pdr-registry"},
                        auth=("gov-portal", system.secrets["gov-portal"])).json()["access_token"]
    http = httpx.Client(timeout=30)

    def send(method: str, url: str, token: str | None, **kw) -> httpx.Response:
        headers = {**(_bearer(token) if token else {}), **kw.pop("headers", {})}
        try:
            return http.request(method, url, headers=headers, **kw)
        except httpx.TransportError as exc:  # a dropped connection or a frozen service counts as a server error
            return httpx.Response(599, text=f"{type(exc).__name__}: {exc}")

    def post(url: str, token: str | None = None, **kw) -> httpx.Response:
        return send("POST", url, token, **kw)

    def get(url: str, token: str | None = None, **kw) -> httpx.Response:
        return send("GET", url, token, **kw)

    # A world: a draft of organization A, one of its registrations in public notice, an operator of region 310000.
    resource = post(f"{registry}/resources", agency, json={
        "name": "攻击测试资源", "description": "用于攻击测试", "data_items": [{"name": "a", "type": "string"}],
        "scale": "1 GB", "update_frequency": "daily", "quality": "良好", "sharing_attribute": "conditional",
        "opening_attribute": "conditional", "grading": "general", "domain": "交通", "region_code": "110000",
        "source": "采集", "lawful_basis": "《数据安全法》",
        "security_assessment": {"risk_level": "low", "summary": "低"}}).json()
    draft = post(f"{registry}/resources", agency, json={
        "name": "未登记草稿", "description": "草稿", "data_items": [{"name": "a", "type": "string"}],
        "scale": "1 GB", "update_frequency": "daily", "quality": "良好", "sharing_attribute": "conditional",
        "opening_attribute": "conditional", "grading": "general", "domain": "交通", "region_code": "110000",
        "source": "采集", "lawful_basis": "《数据安全法》",
        "security_assessment": {"risk_level": "low", "summary": "低"}}).json()
    filed = post(f"{registry}/registrations", agency, json={
        "subject_type": "resource", "subject_id": resource["id"], "type": "first",
        "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]}).json()
    post(f"{registry}/registrations/{filed['id']}/accept", registrar, json={})
    post(f"{registry}/registrations/{filed['id']}/approve", registrar, json={})
    operator2_org = get(f"{registry}/me", operator2).json()["org"]

    # Forged and unacceptable tokens.
    header = {"alg": "ES256", "kid": "none"}
    for name, token in {
        "alg none": f"{_b64({'alg': 'none'})}.{_b64({'sub': 'x', 'aud': 'pdr-registry'})}.",
        "unknown kid": f"{_b64(header)}.{_b64({'sub': 'x'})}.{_b64(b'sig')}",
        "garbage": "not-a-jwt",
        "tampered roles": ".".join([agency.split(".")[0], _b64({**json.loads(base64.urlsafe_b64decode(
            agency.split(".")[1] + "==")), "roles": ["admin", "registrar"]}), agency.split(".")[2]]),
        "other audience": system.token("agency", audience="pdr-scoring")["access_token"],
    }.items():
        tally.expect_refused(f"token: {name}", get(f"{registry}/resources/{draft['id']}", token), 401)
        tally.expect_refused(f"token on write: {name}", post(f"{registry}/resources", token, json={}), 401)

    # Object-level authorization across organizations.
    tally.expect_refused("other org reads a draft", get(f"{registry}/resources/{draft['id']}", agency2), 403, 404)
    tally.expect_refused("portal reads a draft", get(f"{registry}/resources/{draft['id']}", portal), 403, 404)
    tally.expect_refused("portal reads materials",
                         get(f"{registry}/registrations/{filed['id']}", portal), 403, 404)
    tally.expect_refused("operator cites another org's draft", post(f"{registry}/products", operator2, json={
        "name": "越权产品", "description": "x", "form": "api", "resource_ids": [draft["id"]], "scenarios": ["x"],
        "use_type": "industry", "conditions_of_use": "x", "region_code": "310000"}), 404, 422)
    tally.expect_refused("price authority of 110000 caps a 310000 operator", post(
        f"{registry}/pricing/revenue-caps", price, json={"operator_org_id": operator2_org, "year": 2026,
                                                         "cap": "1000000"}), 403, 404, 422)
    tally.expect_refused("wrong role, invalid body: 403 before 422",
                         post(f"{registry}/registrations/{filed['id']}/accept", agency2, json={"x": [1] * 10}), 403, 404)

    # Crafted cursors, ids and text.
    for cursor in (_b64([{"a": 1}]), _b64([1e30]), _b64([10 ** 40]), "%%%", _b64(b"\xff\xfe")):
        tally.expect_refused(f"cursor {cursor[:12]}", get(f"{registry}/public/notices", params={"cursor": cursor}), 400)
        tally.expect_refused(f"scoring cursor {cursor[:12]}",
                             get(f"{scoring}/evaluations", system.token("auditor", "pdr-scoring")["access_token"],
                                 params={"cursor": cursor}), 400)
    tally.expect_refused("NUL in a query", get(f"{registry}/catalog/search", params={"q": "\x00"}), 400, 422)
    for name, text in {"NUL": "名\x00称", "ESC": "名\x1b[31m称", "CR LF": "名\r\n称", "RLO": "名\u202e称",
                       "bidi embedding": "名\u202a称"}.items():
        tally.expect_refused(f"{name} in a name", post(f"{registry}/resources", agency, json={
            **{k: v for k, v in resource.items() if k in ("description", "data_items", "scale", "update_frequency",
                                                          "quality", "sharing_attribute", "opening_attribute",
                                                          "grading", "domain", "region_code", "source",
                                                          "lawful_basis", "security_assessment")},
            "name": text}), 422)

    # GraphQL abuse.
    gql = f"{registry}/graphql"
    auditor = system.token("auditor")["access_token"]
    for name, body in {"invalid UTF-8": b'{"query": "\xff\xfe"}', "10,000-deep JSON": b"[" * 10000 + b"]" * 10000,
                       "5,000-digit number": b'{"query": "{ a }", "variables": {"n": ' + b"9" * 5000 + b"}}"}.items():
        tally.expect_refused(f"graphql {name}", post(gql, auditor, content=body,
                                                     headers={"content-type": "application/json"}))
    tally.expect_refused("graphql crafted after", post(gql, auditor, json={
        "query": 'query { complianceRecords(first: 5, after: "W3siYSI6MX1d") { edges { node { id } } } }'}),
        400, 422)

    # Oversized and dangerous files.
    tally.expect_refused("XLSX declaring A1:XFD8000", post(f"{registry}/catalog/import", agency, files={
        "file": ("bomb.xlsx", _xlsx_declaring("A1:XFD8000"),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}), 413, 422)
    tally.expect_refused("RDF/XML entity expansion", post(f"{registry}/catalog/import/dcat", agency, files={
        "file": ("bomb.rdf", ENTITY_BOMB, "application/rdf+xml")}), 413, 422)
    deep = {"@context": {"dct": "http://purl.org/dc/terms/"}}
    node = deep
    for _ in range(900):
        node["dct:hasPart"] = {}
        node = node["dct:hasPart"]
    tally.expect_refused("JSON-LD 900 deep", post(f"{registry}/catalog/import/dcat", agency, files={
        "file": ("deep.jsonld", json.dumps(deep).encode(), "application/ld+json")}), 413, 422)

    # Anonymous objections flood: each accepted one is a permanent ledger entry (DOMAIN Art. 12).
    flood = [post(f"{registry}/public/notices/{filed['id']}/objections", json=OBJECTION) for _ in range(30)]
    accepted = sum(1 for answer in flood if answer.status_code == 201)
    for answer in flood[accepted:]:
        tally.expect_refused("objection flood", answer, 429)
    assert accepted <= 10, "anonymous objections are not limited"

    # Revocation takes effect at the registry within seconds.
    session = system.token("operator")
    assert get(f"{registry}/me", session["access_token"]).status_code == 200
    assert http.post(f"{auth}/oauth/revoke", data={"token": session["refresh_token"]}).status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and get(f"{registry}/me", session["access_token"]).status_code == 200:
        time.sleep(0.2)
    tally.expect_refused("a revoked session's access token", get(f"{registry}/me", session["access_token"]), 401)
    http.close()


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _oversized(url: str, path: str, token: str | None, n: int, size: int = 200 * MIB, chunked: bool = False) -> int:
    """Send a declared ``size``-byte body as fast as the service takes it; return the status it answered.

    Each request comes as another browser behind the local proxy (127.0.0.1 is a trusted proxy by default), so
    no anonymous rate budget is spent: what refuses it is the body limit.
    """
    parts = urlsplit(url)
    head = (f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n")
            + f"X-Forwarded-For: 198.51.100.{n + 1}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n")
    chunk = b"x" * MIB
    if chunked:  # no declared length: the service counts while it reads
        chunk = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode())
        sent = 0
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the service answered and closed: the rest of the body is not wanted
        sock.settimeout(30)
        try:
            reply = sock.recv(64)
        except OSError:
            return 0
    return int(reply.split()[1]) if reply.startswith(b"HTTP/1.1 ") else 0


def _burst(system: RunningSystem, service: str, path: str, token: str | None,
           chunked: bool = False) -> tuple[int, int, list[int]]:
    pid = system.procs[service].pid
    idle = _rss_kib(pid)
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda n=n: statuses.append(
        _oversized(system.urls[service], path, token, n, chunked=chunked)))
               for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sampler.join()
    return idle, peak, statuses


def test_every_attack_is_refused_without_a_server_error_and_memory_stays_bounded(attacked):
    tally = Tally()
    _run_probes(attacked, tally)

    agency = attacked.token("agency")["access_token"]
    bursts: dict[str, tuple[int, int, list[int]]] = {
        "registry (anonymous)": _burst(attacked, "registry", "/resources", None),
        "registry (authenticated import)": _burst(attacked, "registry", "/catalog/import", agency),
        "registry (authenticated, chunked)": _burst(attacked, "registry", "/resources", agency, chunked=True),
        "scoring (anonymous)": _burst(attacked, "scoring", "/valuations", None),
        "auth (anonymous)": _burst(attacked, "auth", "/oauth/token", None),
    }
    for name, (_, _, statuses) in bursts.items():
        for status in statuses:
            tally.tried += 1
            if status >= 500:
                tally.server_errors.append(f"oversized body to {name}: {status}")
            elif status == 413:
                tally.refused += 1
            else:
                tally.let_through.append(f"oversized body to {name}: {status}")

    print(f"\nattack run: {tally.tried} attacks tried, {tally.refused} refused, "
          f"{len(tally.server_errors)} answered 5xx, {len(tally.let_through)} let through")
    for name, (idle, peak, _) in bursts.items():
        print(f"  {name}: idle RSS {idle / 1024:.0f} MiB, peak during 20 oversized requests {peak / 1024:.0f} MiB "
              f"({peak / idle:.2f}x)")
    assert not tally.server_errors, "\n".join(tally.server_errors)
    assert not tally.let_through, "\n".join(tally.let_through)
    assert tally.refused == tally.tried
    for name, (idle, peak, _) in bursts.items():
        assert peak < 2 * idle, f"{name}: peak RSS {peak} KiB over twice idle {idle} KiB"
    assert "Traceback" not in attacked.logs()
