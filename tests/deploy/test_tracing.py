"""W3C trace context with OpenTelemetry: an incoming traceparent continues the trace, every service-to-service
call carries the current span, and JSON log lines carry the request id and trace id."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from fastapi import APIRouter, Request
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind

from services.kernel.app import create_service_app
from services.kernel.http import ServiceClient
from services.kernel.observability import JSONFormatter, add_span_processor
from services.kernel.observability import tracing as tracing_module
from services.kernel.settings import ServiceSettings

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"


class Downstream:
    """Another service, as seen by the caller: it records the headers of every request it gets."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "machine-token", "expires_in": 300})
        return httpx.Response(200, json={"ok": True})

    def traceparents(self) -> list[tuple[str, str, str, str]]:
        return [tuple(r.headers["traceparent"].split("-")) for r in self.seen]


@pytest.fixture
def relay(tmp_path):
    """A kernel app whose /relay route logs a line and calls a downstream service through ServiceClient."""
    downstream = Downstream()
    router = APIRouter()

    @router.get("/relay")
    async def relay_route(request: Request) -> dict:
        logging.getLogger("pdr.test.relay").info("relaying")
        response = await request.app.state.downstream.get("/things")
        return response.json()

    app = create_service_app(ServiceSettings(service_name="relay", data_dir=tmp_path, log_json=False), title="relay",
                             description="relay", routers=[router], verify_tokens=False)
    app.state.downstream = ServiceClient("http://downstream.test", token_url="/oauth/token", client_id="me",
                                         client_secret="s3cret-value", transport=httpx.MockTransport(downstream))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter("relay"))
    logger = logging.getLogger("pdr.test.relay")
    logger.addHandler(handler)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://relay.test")
    yield client, downstream, stream
    logger.removeHandler(handler)


async def test_incoming_traceparent_continues_the_trace_into_downstream_calls(relay):
    client, downstream, _ = relay
    response = await client.get("/relay", headers={"traceparent": TRACEPARENT, "x-request-id": "req-42"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42"
    token_call, call = downstream.seen
    for request in (token_call, call):
        version, trace_id, parent_id, _flags = request.headers["traceparent"].split("-")
        assert (version, trace_id) == ("00", CALLER_TRACE)
        assert parent_id != CALLER_SPAN and int(parent_id, 16) != 0  # a new hop, not the caller's span
        assert request.headers["x-request-id"] == "req-42"
    assert call.headers["authorization"] == "Bearer machine-token"


async def test_a_request_without_traceparent_starts_a_trace_that_its_log_lines_carry(relay):
    client, downstream, stream = relay
    response = await client.get("/relay")
    assert response.status_code == 200
    _, trace_id, _, _ = downstream.traceparents()[-1]
    assert len(trace_id) == 32 and int(trace_id, 16) != 0 and trace_id != CALLER_TRACE
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["msg"] == "relaying"
    assert line["trace_id"] == trace_id
    assert line["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("bad", [
    f"ff-{CALLER_TRACE}-{CALLER_SPAN}-01",             # version ff is forbidden
    f"00-{'0' * 32}-{CALLER_SPAN}-01",                 # all-zero trace id
    f"00-{CALLER_TRACE}-{'0' * 16}-01",                # all-zero parent id
    f"00-{CALLER_TRACE.upper()}-{CALLER_SPAN}-01",     # upper-case hex
    f"00-{CALLER_TRACE}-{CALLER_SPAN}-01-extra",       # version 00 has exactly four fields
    "garbage",
])
async def test_a_malformed_traceparent_is_ignored_and_a_new_trace_starts(relay, bad):
    client, downstream, _ = relay
    assert (await client.get("/relay", headers={"traceparent": bad})).status_code == 200
    _, trace_id, _, _ = downstream.traceparents()[-1]
    assert trace_id != CALLER_TRACE and int(trace_id, 16) != 0


async def test_service_client_outside_any_request_starts_a_trace_of_its_own():
    downstream = Downstream()
    client = ServiceClient("http://downstream.test", transport=httpx.MockTransport(downstream))
    await client.get("/a")
    await client.get("/b")
    (_, first, _, _), (_, second, _, _) = downstream.traceparents()
    assert first != second and int(first, 16) and int(second, 16)
    await client.aclose()


@pytest.fixture
def recorded_spans():
    """Turn span recording on for one test (as configuring an exporter would), then off again."""
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    tracing_module._Tracing.sampler.delegate = ALWAYS_OFF
    tracing_module._Tracing.recording = False
    exporter.shutdown()


async def test_recorded_spans_chain_caller_server_and_client_spans(relay, recorded_spans):
    client, downstream, _ = relay
    assert (await client.get("/relay", headers={"traceparent": TRACEPARENT})).status_code == 200
    spans = {span.name: span for span in recorded_spans.get_finished_spans()}
    server, outgoing = spans["GET /relay"], spans["GET /things"]
    assert server.kind == SpanKind.SERVER and outgoing.kind == SpanKind.CLIENT
    assert format(server.context.trace_id, "032x") == CALLER_TRACE
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    assert outgoing.parent.span_id == server.context.span_id
    assert server.attributes["http.route"] == "/relay" and server.attributes["http.response.status_code"] == 200
    # The callee continues from the client span, which was sampled and recorded.
    _, trace_id, parent_id, flags = downstream.traceparents()[-1]
    assert (trace_id, parent_id, flags) == (CALLER_TRACE, format(outgoing.context.span_id, "016x"), "01")
