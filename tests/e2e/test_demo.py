"""`pdr up --demo` seeds a demo that means something: agencies and operators in two regions (Beijing 110000,
Shanghai 310000) whose registry records differ, over last year and this year, evaluated for both periods. The
demo steps run as `pdr up` runs them, against the real services with the registry in demo mode, and a second
start changes nothing."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.cli.demo import seed_registry_demo
from services.kernel.timeutil import CHINA, china_today
from tests.system import start_system

pytestmark = pytest.mark.e2e


class Demo:
    """The running demo, read over HTTP as its accounts (one token per account and audience)."""

    def __init__(self, system) -> None:
        self.system, self.urls, self._tokens = system, system.urls, {}

    def get(self, service: str, path: str, user: str = "admin", audience: str = "pdr-registry", **params):
        if (user, audience) not in self._tokens:
            self._tokens[(user, audience)] = self.system.token(user, audience)["access_token"]
        response = httpx.get(f"{self.urls[service]}{path}", params=params,
                             headers={"Authorization": f"Bearer {self._tokens[(user, audience)]}"})
        assert response.status_code == 200, response.text
        return response.json()

    def orgs(self, *kinds: str) -> dict[str, dict]:
        return {o["id"]: o for o in self.get("auth", "/orgs", audience="pdr-auth") if not kinds or o["kind"] in kinds}

    def evaluations(self) -> list[dict]:
        return self.get("scoring", "/evaluations", "authority", "pdr-scoring", limit=200)["items"]

    def ledger_size(self) -> int:
        return httpx.get(f"{self.urls['registry']}/ledger/sth").json()["tree_size"]

    def seed(self) -> None:
        seed_registry_demo(self.urls, self.system.secrets)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    system = start_system(tmp_path_factory.mktemp("demo"), {"PDR_REGISTRY_DEMO": "true", "PDR_SCORING_DEMO": "true"})
    try:
        running = Demo(system)
        running.seed()
        yield running
    finally:
        system.stop()


def test_agencies_and_operators_of_two_regions_hold_differing_registry_records(demo):
    orgs = demo.orgs()
    members = Counter((o["region_code"], o["kind"]) for o in demo.orgs("agency", "operator").values())
    assert members == {("110000", "agency"): 2, ("110000", "operator"): 1,
                       ("310000", "agency"): 2, ("310000", "operator"): 1}
    registered: Counter[str] = Counter()
    for plural in ("resources", "products"):
        for item in demo.get("registry", f"/{plural}", "registrar", limit=200)["items"]:
            registered[item["org_id"]] += item["status"] == "registered"
    assert len({registered[org_id] for org_id in demo.orgs("agency")}) >= 3, registered
    by_region: Counter[str] = Counter()
    for org_id, n in registered.items():
        by_region[orgs[org_id]["region_code"]] += n
    assert by_region["110000"] != by_region["310000"] and min(by_region.values()) > 0


def test_operation_spans_both_periods_and_reports_deviate_on_either_side_of_ten_percent(demo):
    year = china_today().year
    agreements = demo.get("registry", "/operation/agreements")
    assert {a["region_code"] for a in agreements if a["status"] == "active"} == {"110000", "310000"}
    assert {int(a["starts_on"][:4]) for a in agreements} == {year - 1, year}
    reports = demo.get("registry", "/operation/reports", year=year - 1)
    assert sorted(r["who_adjusts"] for r in reports) == ["authorizer", "operator"]
    assert sorted(abs(float(r["deviation"])) > 0.10 for r in reports) == [False, True]
    priced = [p for p in httpx.get(f"{demo.urls['registry']}/price-list").json() if not p["free"]]
    assert {p["operator_org_id"] for p in priced} == set(demo.orgs("operator"))


def test_the_compliance_sweep_leaves_findings_for_some_organizations_only(demo):
    findings = demo.get("registry", "/compliance/records", status="open")
    assert {"REG-FIRST-LATE", "PRD-DELIVERED-UNREGISTERED", "OPS-RESOURCE-UNREGISTERED"} <= {
        f["rule_id"] for f in findings}
    assert "hard" in {f["severity"] for f in findings}
    evaluated = set(demo.orgs("agency", "operator"))
    answerable = {f["org_id"] for f in findings} & evaluated
    assert answerable and answerable < evaluated


def test_both_periods_are_evaluated_for_every_organization_and_both_regions_and_rank_them_apart(demo):
    year = china_today().year
    evaluations = demo.evaluations()
    for period in (str(year - 1), str(year)):
        orgs = [e for e in evaluations if e["period"] == period and e["subject_kind"] == "organization"]
        regions = [e for e in evaluations if e["period"] == period and e["subject_kind"] == "region"]
        assert {e["subject_id"] for e in orgs} == set(demo.orgs("agency", "operator"))
        assert {e["subject_id"] for e in regions} == {"110000", "310000"}
        assert len({e["total"] for e in orgs}) > 1 and len({e["total"] for e in regions}) == 2, \
            "a ranking, not one score for everyone"
    current = [e for e in evaluations if e["period"] == str(year) and e["subject_kind"] == "organization"]
    assert len({e["grade"] for e in current}) > 1, "the first screen shows differing grades"


# Record fields that say when something happened (deadlines, validity ends and notice ends are still to come).
WHEN = ("updated_at", "created_at", "coded_at", "decided_at", "submitted_at", "valid_from", "notice_starts_on",
        "metadata_modified", "metadata_created", "at", "effective_from", "updated", "published")
_WHEN = re.compile(r'"?\b(' + "|".join(WHEN) + r')"?\s*[:>]\s*"?(\d{4}-\d\d-\d\d(?:T[0-9:.]+(?:Z|[+-]\d\d:\d\d)?)?)')


def _after_now(text: str, now: datetime) -> list[tuple[str, str]]:
    """(field, value) of every dated field in ``text`` later than ``now``: a date counts by its day in China,
    a naive timestamp as UTC (how the registry writes them)."""
    late = []
    for name, value in _WHEN.findall(text):
        if "T" in value:
            moment = datetime.fromisoformat(value)
            late += [(name, value)] * ((moment if moment.tzinfo else moment.replace(tzinfo=UTC)) > now)
        else:
            late += [(name, value)] * (value > now.astimezone(CHINA).date().isoformat())
    return late


def test_nothing_the_demo_creates_is_dated_after_today(demo):
    """The demo walks registrations on past dates (X-PDR-Demo-Date); a step dated later would show in the public
    catalogue as updated on a day to come, and a registration as not yet in force."""
    registry, now = demo.urls["registry"], datetime.now(UTC) + timedelta(seconds=5)
    registrations = demo.get("registry", "/registrations", "registrar", limit=200)["items"]
    texts = {f"/registrations/{r['id']}": httpx.get(f"{registry}/registrations/{r['id']}", headers={
        "Authorization": f"Bearer {demo.system.token('registrar')['access_token']}"}).text for r in registrations}
    for path in ("/catalog/search?limit=100", "/api/3/action/package_search?rows=100", "/catalog.jsonld",
                 "/feeds/registrations.atom", "/feeds/notices.atom", "/feeds/prices.atom", "/feeds/records",
                 "/public/notices", "/price-list", "/public/authorizations"):
        texts[path] = httpx.get(f"{registry}{path}").text
    assert len(registrations) > 10 and all(texts.values())
    in_force = [r for r in registrations if r.get("valid_from")]
    assert in_force and all(r["valid_from"] <= china_today().isoformat() for r in in_force)
    late = {path: found for path, text in texts.items() if (found := _after_now(text, now))}
    assert not late, late


def test_a_second_start_changes_nothing(demo):
    ledger, runs = demo.ledger_size(), {e["run_id"] for e in demo.evaluations()}
    demo.seed()
    assert demo.ledger_size() == ledger
    assert {e["run_id"] for e in demo.evaluations()} == runs
