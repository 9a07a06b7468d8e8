"""Observability of every service: request ids, JSON logs, Prometheus metrics, W3C trace context.

    logs.py        request_id_var, JSON log lines with request_id and trace_id, credentials redacted
    metrics.py     Metrics (one registry per app) and the functions services call to feed it
    tracing.py     the OpenTelemetry tracer provider; traceparent in (middleware) and out (kernel/http.py)
    middleware.py  RequestContextMiddleware, the pure-ASGI middleware on every request

Metrics served on ``/metrics``:

    pdr_http_requests_total{service,method,route,status}      route is the template (/orgs/{org_id})
    pdr_http_request_duration_seconds{service,method,route}    histogram
    pdr_db_pool_connections{service,state}                     state: in_use | idle | overflow
    pdr_db_pool_max_connections{service}
    pdr_tokens_issued_total{service,grant_type}                ← record_token_issued(app, grant_type)
    pdr_ledger_entries{service}                                ← observe_ledger_size(app, callback)
    pdr_feed_lag_events{service}                               ← observe_feed_lag(app, callback)
    pdr_feed_errors_total{service,reason}                      ← record_feed_error(app, reason)
    pdr_gauge_refresh_errors_total{service,gauge}
    pdr_revocations{service}                                   ← kernel.revocation: entries of auth's list held
    pdr_revocation_list_age_seconds{service}                   ← since its last successful poll
    pdr_revocation_poll_errors_total{service}

How a service feeds a gauge (the registry: ledger size; scoring: feed lag). Register a callback once, for
example in an ``on_startup`` hook. It gets the app and returns a number, sync or async. It runs when
``/metrics`` is scraped, never on a request's path; if it raises or takes over two seconds the gauge keeps
its last value and ``pdr_gauge_refresh_errors_total`` counts the failure::

    from services.kernel.observability import observe_ledger_size

    async def ledger_size(app: FastAPI) -> int:
        async with app.state.db.sessions() as session:
            return await ledger.entry_count(session)

    async def start(app: FastAPI) -> None:   # in on_startup=[...]
        observe_ledger_size(app, ledger_size)

``register_gauge(app, name, documentation, callback)`` serves any other gauge the same way.

Tracing: each request runs in a span that continues the caller's ``traceparent`` or starts a trace;
``ServiceClient`` injects the current span into every outgoing call. Spans are recorded and exported only
when an exporter is configured (see tracing.py); ids propagate and logs correlate either way.
"""

from .logs import JSONFormatter, configure_logging, redact, request_id_var, trace_id_var
from .metrics import (
    GaugeCallback,
    Metrics,
    observe_feed_lag,
    observe_ledger_size,
    record_feed_error,
    record_token_issued,
    register_gauge,
)
from .middleware import RequestContextMiddleware
from .tracing import add_span_processor, configure_tracing, tracer

__all__ = [
    "GaugeCallback",
    "JSONFormatter",
    "Metrics",
    "RequestContextMiddleware",
    "add_span_processor",
    "configure_logging",
    "configure_tracing",
    "observe_feed_lag",
    "observe_ledger_size",
    "record_feed_error",
    "record_token_issued",
    "redact",
    "register_gauge",
    "request_id_var",
    "trace_id_var",
    "tracer",
]
