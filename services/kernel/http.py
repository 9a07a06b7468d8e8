"""Service-to-service HTTP: one pooled client per app, a cached client_credentials token, request id and W3C
trace context passed on.

Every call runs in an OpenTelemetry CLIENT span, child of the current span (the incoming request's, when
there is one), and the span is injected as ``traceparent``/``tracestate``, so the callee continues the trace.
A call made outside any request (a background consumer) starts a new trace of its own.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .observability import request_id_var, tracer

__all__ = ["ServiceClient", "trace_headers", "traced_client"]

_propagator = TraceContextTextMapPropagator()


def trace_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` plus the request id and the current span's trace context."""
    headers = dict(headers or {})
    if (rid := request_id_var.get()) is not None:
        headers.setdefault("x-request-id", rid)
    _propagator.inject(headers)
    return headers


async def _inject(request: httpx.Request) -> None:
    if "traceparent" not in request.headers:
        request.headers.update(trace_headers())


def traced_client(**kwargs: Any) -> httpx.AsyncClient:
    """A plain ``httpx.AsyncClient`` whose requests carry the request id and the current trace context
    (for calls that do not need ServiceClient's token handling, such as JWKS fetches)."""
    hooks = kwargs.pop("event_hooks", {}) or {}
    hooks = {**hooks, "request": [_inject, *hooks.get("request", [])]}
    return httpx.AsyncClient(event_hooks=hooks, **kwargs)


class ServiceClient:
    def __init__(
        self,
        base_url: str,
        *,
        token_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        audience: str | None = None,
        scope: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.audience = audience
        self.scope = scope
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = asyncio.Lock()
        self._tracer = tracer("pdr.http.client")

    async def aclose(self) -> None:
        await self.http.aclose()

    async def token(self) -> str | None:
        if not (self.token_url and self.client_id and self.client_secret):
            return None
        async with self._lock:
            if self._token and time.time() < self._token_expires - 30:
                return self._token
            data = {"grant_type": "client_credentials"}
            if self.audience:
                data["audience"] = self.audience
            if self.scope:
                data["scope"] = self.scope
            response = await self.http.post(
                self.token_url, data=data, auth=(self.client_id, self.client_secret), headers=trace_headers()
            )
            response.raise_for_status()
            body = response.json()
            self._token = body["access_token"]
            self._token_expires = time.time() + float(body.get("expires_in", 60))
            return self._token

    def _headers(self) -> dict[str, str]:
        return trace_headers()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        extra = kwargs.pop("headers", None) or {}
        target = self.http.build_request(method, url).url
        with self._tracer.start_as_current_span(
            f"{method} {target.path}", kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False,
            attributes={"http.request.method": method, "server.address": target.host or "",
                        "url.path": target.path},
        ) as span:
            headers = {**trace_headers(), **extra}
            token = await self.token()
            if token:
                headers["authorization"] = f"Bearer {token}"
            response = await self.http.request(method, url, headers=headers, **kwargs)
            if response.status_code == 401 and token:
                self._token = None  # key rotated or token revoked: fetch a new one once
                headers["authorization"] = f"Bearer {await self.token()}"
                response = await self.http.request(method, url, headers=headers, **kwargs)
            if span.is_recording():
                span.set_attribute("http.response.status_code", response.status_code)
                if response.status_code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

