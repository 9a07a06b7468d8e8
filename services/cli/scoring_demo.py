"""Demo step of scoring for ``pdr up --demo``: bring the registry mirror up to date; submit, with an evidence
document, the indicator values the registry holds nothing to compute from (platform availability, sharing
requests fulfilled), for each organization that has them and for each region by its data authority; then
evaluate every demo agency and operator, and the two demo regions, for last year and for this year
(provisional, to date).

Idempotent: a period and kind already evaluated under the default indicator model is evaluated again only when
its latest run is outdated (the registry data behind it changed since) or had other peers.
"""

from __future__ import annotations

import base64
import time

import httpx

from .demo_client import DemoDates, DemoFailed, Tokens
from .demo_subjects import BEIJING, SHANGHAI

__all__ = ["scoring_demo"]

REGIONS = [BEIJING, SHANGHAI]
# Submitted indicator values, last year and this year: who submits, for which subject, what.
SUBMITTED = [
    ("agency", None, {"platform_availability": (99.6, 99.8), "sharing_requests_fulfilled": (92, 97)}),
    ("agency3", None, {"platform_availability": (98.9, 99.3), "sharing_requests_fulfilled": (81, 86)}),
    ("agency2", None, {"platform_availability": (99.1, 99.5), "sharing_requests_fulfilled": (88, 90)}),
    ("agency4", None, {"platform_availability": (97.5, 98.0)}),
    ("operator", None, {"platform_availability": (99.9, 99.95)}),
    ("operator2", None, {"platform_availability": (99.2, 99.0)}),
    ("authority", BEIJING, {"platform_availability": (99.7, 99.8), "sharing_requests_fulfilled": (90, 95)}),
    ("authority2", SHANGHAI, {"platform_availability": (99.3, 99.4), "sharing_requests_fulfilled": (86, 89)}),
]
MAX_SYNC_PAGES = 200  # far above what the demo writes; a feed that never settles is reported, not waited on
SYNC_RETRIES = 5


def _ok(response: httpx.Response) -> object:
    if response.is_error:
        raise DemoFailed(f"demo: {response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}: {response.text[:600]}")
    return response.json()


def _sync(http: httpx.Client, scoring: str, admin: dict) -> int:
    """Pull feed pages until the cursor stops moving; returns it."""
    cursor, failures = None, 0
    for _ in range(MAX_SYNC_PAGES):
        response = http.post(f"{scoring}/sync", headers=admin)
        if response.status_code >= 500 and failures < SYNC_RETRIES:
            # Scoring's own background consumer may be applying the same page at this moment.
            failures += 1
            time.sleep(0.5 * failures)
            continue
        state = _ok(response)
        if state.get("last_error") and state.get("stale"):
            raise DemoFailed(f"demo: scoring could not read the registry: {state['last_error']}")
        if state["cursor"] == cursor:
            return cursor
        cursor = state["cursor"]
    raise DemoFailed(f"demo: the registry feed did not settle after {MAX_SYNC_PAGES} pages (cursor {cursor})")


def _submit(http: httpx.Client, scoring: str, tokens: Tokens, dates: DemoDates, model: str | None) -> int:
    """Submit what is not submitted yet; an indicator the model does not ask for is skipped. Returns how many."""
    submitted = 0
    for user, region, values in SUBMITTED:
        headers = {"Authorization": f"Bearer {tokens(user, 'pdr-scoring')}"}
        kind, subject = ("region", region) if region else ("organization", _ok(http.get(
            f"{scoring}/me", headers=headers))["org"])
        for period, column in ((dates.last, 0), (dates.year, 1)):
            present = {v["indicator_code"] for v in _ok(http.get(
                f"{scoring}/submitted-values", headers=headers,
                params={"subject_kind": kind, "subject_id": subject, "period": str(period)}))}
            for code, figures in values.items():
                if code in present:
                    continue
                evidence = f"{code} {period}: {figures[column]}（演示证明材料）".encode()
                response = http.post(f"{scoring}/submitted-values", headers=headers, json={
                    "subject_kind": kind, "subject_id": subject, "period": str(period), "indicator_code": code,
                    "value": figures[column], "evidence_name": f"{code}-{period}.txt",
                    "evidence_media_type": "text/plain", "evidence_base64": base64.b64encode(evidence).decode(),
                    **({"model_version": model} if model else {})})
                if response.status_code == 422 and "not-a-submitted-indicator" in response.text:
                    continue
                _ok(response)
                submitted += 1
    return submitted


def _evaluate(http: httpx.Client, scoring: str, authority: dict, kind: str, ids: list[str], period: str,
              model: str | None) -> str:
    listed = _ok(http.get(f"{scoring}/evaluations", headers=authority,
                          params={"subject_kind": kind, "period": period, "limit": 200}))["items"]
    listed = [e for e in listed if model is None or e["model_version"] == model]
    latest = [e for e in listed if e["run_id"] == listed[0]["run_id"]] if listed else []
    if latest and {e["subject_id"] for e in latest} == set(ids) and not any(e["outdated"] for e in latest):
        return f"{kind} {period} up to date"
    body = {"subject_kind": kind, "subject_ids": ids, "period": period}
    run = _ok(http.post(f"{scoring}/evaluation-runs", headers=authority,
                        json=body | ({"model_version": model} if model else {})))
    return f"{kind} {period} {'re-' if latest else ''}evaluated ({len(run['evaluations'])} peers)"


def scoring_demo(urls: dict[str, str], tokens: Tokens) -> None:
    scoring = urls["scoring"]
    authority = {"Authorization": f"Bearer {tokens('authority', 'pdr-scoring')}"}
    admin = {"Authorization": f"Bearer {tokens('admin', 'pdr-scoring')}"}
    dates = DemoDates()
    with httpx.Client(timeout=60) as http:
        cursor = _sync(http, scoring, admin)
        orgs = _ok(http.get(f"{urls['auth']}/orgs", headers={"Authorization": f"Bearer {tokens('admin', 'pdr-auth')}"}))
        ids = sorted(o["id"] for o in orgs if o["kind"] in ("agency", "operator"))[:500]
        models = _ok(http.get(f"{scoring}/indicator-models", headers=authority))
        model = models[0]["version"] if models else None  # the shipped default comes first
        submitted = _submit(http, scoring, tokens, dates, model)
        done = [_evaluate(http, scoring, authority, kind, subjects, str(period), model)
                for period in (dates.last, dates.year)
                for kind, subjects in (("organization", ids), ("region", REGIONS))]
    print(f"scoring demo: feed at {cursor}; {submitted} values submitted; " + "; ".join(done))
