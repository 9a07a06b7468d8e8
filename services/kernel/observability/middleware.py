"""The request middleware: request id, server span, metrics and a log line for failures, in pure ASGI.

It is on every request's path, so it does no more than it must: no BaseHTTPMiddleware, no header dict, metric
children cached, gauges left to scrape time, trace ids formatted only when a line is logged.
"""

from __future__ import annotations

import logging
import random
import re
import time

from opentelemetry import context as otel_context
from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import request_id_var
from .metrics import Metrics
from .tracing import configure_tracing, start_server_span

__all__ = ["RequestContextMiddleware"]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger("pdr.http")
        self.tracer = configure_tracing(metrics.service).get_tracer("pdr.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_rid = traceparent = tracestate = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                raw_rid = value
            elif name == b"traceparent":
                traceparent = value
            elif name == b"tracestate":
                tracestate = value
        rid = raw_rid.decode("latin-1") if raw_rid else ""
        if not _REQUEST_ID.match(rid):
            rid = f"{random.getrandbits(64):016x}"  # unique, not secret: no getrandom syscall per request
            raw_rid = rid.encode()
        method = scope["method"]
        span, ctx_token = start_server_span(self.tracer, method, traceparent, tracestate)
        rid_token = request_id_var.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", raw_rid)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(method, template, status, elapsed)
            if span.is_recording():
                span.update_name(f"{method} {template}")
                span.set_attributes({"http.request.method": method, "http.route": template,
                                     "http.response.status_code": status})
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                span.end()
            if status >= 500 or self.log.isEnabledFor(logging.DEBUG):
                self.log.log(logging.WARNING if status >= 500 else logging.DEBUG,
                             "%s %s -> %s in %.1f ms", method, template, status, elapsed * 1000)
            request_id_var.reset(rid_token)
            otel_context.detach(ctx_token)
