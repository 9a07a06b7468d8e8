"""Prometheus metrics of one app: requests, latency, database pool, tokens, and gauges read at scrape time."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = [
    "GaugeCallback",
    "Metrics",
    "observe_feed_lag",
    "observe_ledger_size",
    "record_feed_error",
    "record_token_issued",
    "register_gauge",
]

log = logging.getLogger("pdr.observability")
GaugeCallback = Callable[[Any], "Awaitable[float] | float"]


class Metrics:
    """One registry per app, so several apps (tests) in one process never collide."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pdr_http_requests_total", "HTTP requests", ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "pdr_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"],
            registry=self.registry, buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.pool = Gauge("pdr_db_pool_connections", "Database pool connections by state", ["service", "state"],
                          registry=self.registry)
        self.pool_max = Gauge("pdr_db_pool_max_connections", "Database pool size plus overflow", ["service"],
                              registry=self.registry)
        self.tokens = Counter("pdr_tokens_issued_total", "Access tokens issued", ["service", "grant_type"],
                              registry=self.registry)
        self.feed_errors = Counter("pdr_feed_errors_total", "Registry syncs that failed, by reason",
                                   ["service", "reason"], registry=self.registry)
        self.refresh_errors = Counter("pdr_gauge_refresh_errors_total", "Gauge callbacks that failed",
                                      ["service", "gauge"], registry=self.registry)
        self.gauges: dict[str, tuple[Gauge, GaugeCallback]] = {}
        # label values → metric children: .labels() costs a lock and a tuple per call, this a dict lookup.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, elapsed: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(self.service, method, route, str(status)),
                        self.latency.labels(self.service, method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)

    def register_gauge(self, name: str, documentation: str, callback: GaugeCallback) -> None:
        if name in self.gauges:  # registering again (a restarted lifespan) replaces the callback
            self.gauges[name] = (self.gauges[name][0], callback)
            return
        self.gauges[name] = (Gauge(name, documentation, ["service"], registry=self.registry), callback)

    async def refresh(self, app: Any, gauge_seconds: float = 2.0) -> None:
        """Bring the scrape-time gauges up to date; called by the /metrics route."""
        db = getattr(app.state, "db", None)
        if db is not None:
            self._read_pool(db.engine.pool)
        for name, (gauge, callback) in self.gauges.items():
            try:
                value = callback(app)
                if inspect.isawaitable(value):
                    value = await asyncio.wait_for(value, gauge_seconds)  # each source is bounded alone
                gauge.labels(self.service).set(float(value))
            except Exception as exc:  # noqa: BLE001 (counted and logged:) a scrape must never fail because one source is down
                self.refresh_errors.labels(self.service, name).inc()
                log.warning("gauge %s not refreshed: %s", name, type(exc).__name__)

    def _read_pool(self, pool: Any) -> None:
        if not hasattr(pool, "checkedout"):
            return  # NullPool: no pooling, nothing to report
        self.pool.labels(self.service, "in_use").set(pool.checkedout())
        self.pool.labels(self.service, "idle").set(pool.checkedin())
        self.pool.labels(self.service, "overflow").set(max(0, pool.overflow()))
        # SQLAlchemy exposes the overflow limit only as an attribute of the pool.
        self.pool_max.labels(self.service).set(pool.size() + max(0, getattr(pool, "_max_overflow", 0)))


def register_gauge(app: Any, name: str, documentation: str, callback: GaugeCallback) -> None:
    """Serve gauge ``name`` on this app's /metrics, its value ``callback(app)`` read at each scrape."""
    app.state.metrics.register_gauge(name, documentation, callback)


def observe_ledger_size(app: Any, callback: GaugeCallback) -> None:
    """Registry: ``callback(app)`` returns the number of ledger entries (``pdr_ledger_entries``)."""
    register_gauge(app, "pdr_ledger_entries", "Entries in the registry's append-only ledger", callback)


def observe_feed_lag(app: Any, callback: GaugeCallback) -> None:
    """Scoring: ``callback(app)`` returns how many registry change-feed events are not consumed yet
    (``pdr_feed_lag_events``: the feed's head position minus the consumer's cursor)."""
    register_gauge(app, "pdr_feed_lag_events", "Registry change-feed events not yet consumed by scoring", callback)


def record_feed_error(app: Any, reason: str) -> None:
    """Scoring: count one failed registry sync (``pdr_feed_errors_total{reason}``: unavailable, refused, contract)."""
    metrics: Metrics = app.state.metrics
    metrics.feed_errors.labels(metrics.service, reason).inc()


def record_token_issued(app: Any, grant_type: str) -> None:
    """Auth: count one issued access token (``pdr_tokens_issued_total{grant_type}``)."""
    metrics: Metrics = app.state.metrics
    metrics.tokens.labels(metrics.service, grant_type).inc()
