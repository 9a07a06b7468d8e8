"""Prometheus /metrics on every service: request counts and latency by route template, database pool usage,
token issuance, and gauges the services feed through callbacks (ledger size, feed lag)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.kernel.observability import record_token_issued, register_gauge


async def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_and_timed_by_route_template(registry_client):
    before = await scrape(registry_client)
    for _ in range(3):
        assert (await registry_client.get("/healthz")).status_code == 200
    assert (await registry_client.get("/no/such/path")).status_code == 404
    after = await scrape(registry_client)
    labels = {"service": "registry", "method": "GET", "route": "/healthz"}
    assert value(after, "pdr_http_requests_total", **labels, status="200") - value(
        before, "pdr_http_requests_total", **labels, status="200") == 3
    assert value(after, "pdr_http_request_duration_seconds_count", **labels) - value(
        before, "pdr_http_request_duration_seconds_count", **labels) == 3
    # Unknown paths share one series, so a scanner cannot blow up the label space.
    assert value(after, "pdr_http_requests_total", service="registry", method="GET", route="unmatched",
                 status="404") >= 1


async def test_database_pool_usage_is_reported_at_scrape_time(apps, registry_client):
    engine = apps.registry.state.db.engine
    if not hasattr(engine.pool, "checkedout"):
        pytest.skip(f"{type(engine.pool).__name__} keeps no pool to report")
    async with engine.connect() as held:  # one connection in use while /metrics is scraped
        await held.exec_driver_sql("SELECT 1")
        samples = await scrape(registry_client)
        assert value(samples, "pdr_db_pool_connections", service="registry", state="in_use") >= 1
    samples = await scrape(registry_client)
    in_use = value(samples, "pdr_db_pool_connections", service="registry", state="in_use")
    idle = value(samples, "pdr_db_pool_connections", service="registry", state="idle")
    assert idle >= 1 and in_use + idle <= value(samples, "pdr_db_pool_max_connections", service="registry")


async def test_issued_tokens_are_counted_by_grant_type(apps, auth_client, people):
    before = await scrape(auth_client)
    await people.person("operator")  # three password-grant tokens, one per audience
    response = await auth_client.post("/oauth/token", data={
        "grant_type": "password", "username": "nobody", "password": "wrong", "audience": "pdr-registry"})
    assert response.status_code in (400, 401)  # a refused login issues nothing
    after = await scrape(auth_client)
    labels = {"service": "auth", "grant_type": "password"}
    assert value(after, "pdr_tokens_issued_total", **labels) - value(before, "pdr_tokens_issued_total", **labels) == 3
    record_token_issued(apps.auth, "client_credentials")
    final = await scrape(auth_client)
    assert value(final, "pdr_tokens_issued_total", service="auth", grant_type="client_credentials") == value(
        after, "pdr_tokens_issued_total", service="auth", grant_type="client_credentials") + 1


async def test_a_registered_gauge_is_read_from_its_callback_at_each_scrape(apps, scoring_client):
    reads = []

    async def lag(app) -> int:
        reads.append(app)
        if len(reads) == 3:
            raise ConnectionError("database down")
        return 7 * len(reads)

    register_gauge(apps.scoring, "pdr_test_lag_events", "test gauge", lag)
    try:
        assert value(await scrape(scoring_client), "pdr_test_lag_events", service="scoring") == 7
        assert value(await scrape(scoring_client), "pdr_test_lag_events", service="scoring") == 14
        # A failing source keeps the last value and is counted; the scrape itself still answers.
        failed = await scrape(scoring_client)
        assert value(failed, "pdr_test_lag_events", service="scoring") == 14
        assert value(failed, "pdr_gauge_refresh_errors_total", service="scoring", gauge="pdr_test_lag_events") == 1
        assert reads == [apps.scoring] * 3
    finally:
        metrics = apps.scoring.state.metrics
        gauge, _ = metrics.gauges.pop("pdr_test_lag_events")
        metrics.registry.unregister(gauge)
