"""Service-to-service HTTP: one pooled client per app, a cached client_credentials token, request and
trace ids passed on."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx

from .observability import request_id_var, trace_id_var

__all__ = ["ServiceClient"]


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
                self.token_url, data=data, auth=(self.client_id, self.client_secret)
            )
            response.raise_for_status()
            body = response.json()
            self._token = body["access_token"]
            self._token_expires = time.time() + float(body.get("expires_in", 60))
            return self._token

    def _headers(self) -> dict[str, str]:
        headers = {}
        if (rid := request_id_var.get()) is not None:
            headers["x-request-id"] = rid
        trace = trace_id_var.get() or os.urandom(16).hex()
        headers["traceparent"] = f"00-{trace}-{os.urandom(8).hex()}-01"
        return headers

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers(), **kwargs.pop("headers", {})}
        token = await self.token()
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = await self.http.request(method, url, headers=headers, **kwargs)
        if response.status_code == 401 and token:
            self._token = None  # key rotated or token revoked: fetch a new one once
            headers["authorization"] = f"Bearer {await self.token()}"
            response = await self.http.request(method, url, headers=headers, **kwargs)
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)
