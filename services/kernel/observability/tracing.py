"""OpenTelemetry tracing: one tracer provider per process, W3C Trace Context in and out.

Spans are recorded only once something will receive them: an OTLP exporter (``OTEL_EXPORTER_OTLP_ENDPOINT``
with opentelemetry-exporter-otlp-proto-http installed) or a processor given to ``add_span_processor``. Until
then each request still gets a span context of its own, continuing the caller's trace, so ids propagate and
logs correlate at the cost of a few microseconds.
"""

from __future__ import annotations

import logging
import os
import random
import re
from contextvars import Token
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags, TraceState

__all__ = ["add_span_processor", "configure_tracing", "remote_parent", "start_server_span", "tracer"]

log = logging.getLogger("pdr.observability")
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$")


class _SwitchableSampler(Sampler):
    """Each tracer keeps the sampler it was made with; this indirection lets recording start later."""

    def __init__(self, delegate: Sampler) -> None:
        self.delegate = delegate

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return self.delegate.should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"Switchable{{{self.delegate.get_description()}}}"


class _Tracing:
    provider: TracerProvider | None = None
    sampler = _SwitchableSampler(ALWAYS_OFF)
    recording = False


def configure_tracing(service: str | None = None) -> TracerProvider:
    """The process's tracer provider, made on first use. One service runs per process in production, so the
    first caller names the resource; apps sharing a process (tests) share it."""
    if _Tracing.provider is not None:
        return _Tracing.provider
    resource = Resource.create({"service.name": service or os.environ.get("OTEL_SERVICE_NAME", "pdr")})
    _Tracing.provider = TracerProvider(resource=resource, sampler=_Tracing.sampler)
    if (processor := _otlp_processor()) is not None:
        add_span_processor(processor)
    return _Tracing.provider


def _otlp_processor() -> SpanProcessor | None:
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but opentelemetry-exporter-otlp-proto-http is not "
                    "installed: spans are not exported")
        return None
    return BatchSpanProcessor(OTLPSpanExporter())


def add_span_processor(processor: SpanProcessor) -> None:
    """Record spans from now on (new traces always, continued ones as the caller's sampled flag says) and
    hand them to ``processor``: an exporter in production, an in-memory one in tests."""
    configure_tracing().add_span_processor(processor)
    if not _Tracing.recording:
        _Tracing.sampler.delegate = ParentBased(ALWAYS_ON)
        _Tracing.recording = True


def tracer(name: str = "pdr") -> trace.Tracer:
    return configure_tracing().get_tracer(name)


_FLAGS = (TraceFlags(0), TraceFlags(1))


def _parse(traceparent: bytes) -> tuple[int, int, int] | None:
    """W3C Trace Context ``traceparent`` → (trace id, parent span id, sampled flag); None if malformed."""
    match = _TRACEPARENT.match(traceparent.decode("latin-1"))
    if match is None or match.group(1) == "ff" or (match.group(1) == "00" and len(traceparent) != 55):
        return None
    trace_id, span_id = int(match.group(2), 16), int(match.group(3), 16)
    if not trace_id or not span_id:
        return None
    return trace_id, span_id, int(match.group(4), 16) & 1


def remote_parent(traceparent: bytes, tracestate: bytes | None = None) -> SpanContext | None:
    """The caller's span context from its ``traceparent`` (and ``tracestate``); None if malformed."""
    parsed = _parse(traceparent)
    if parsed is None:
        return None
    state = TraceState.from_header([tracestate.decode("latin-1")]) if tracestate else None
    return SpanContext(parsed[0], parsed[1], is_remote=True, trace_flags=_FLAGS[parsed[2]], trace_state=state)


def start_server_span(server_tracer: trace.Tracer, name: str, traceparent: bytes | None,
                      tracestate: bytes | None) -> tuple[Span, Token[otel_context.Context]]:
    """Start the span of one incoming request and make it current; returns it and the token to detach."""
    if _Tracing.recording:
        remote = remote_parent(traceparent, tracestate) if traceparent is not None else None
        parent = trace.set_span_in_context(NonRecordingSpan(remote)) if remote is not None else None
        span = server_tracer.start_span(name, context=parent, kind=SpanKind.SERVER)
        return span, otel_context.attach(trace.set_span_in_context(span, parent))
    # Not recording: the same span context the SDK would build for a dropped span, without its sampler
    # machinery on every request. Ids need to be unique, not secret: the SDK draws them with getrandbits too.
    parsed = _parse(traceparent) if traceparent is not None else None
    if parsed is None:
        span = NonRecordingSpan(SpanContext(random.getrandbits(128), random.getrandbits(64), is_remote=False))
    else:
        # A pass-through hop with its own span id, keeping the caller's trace, sampled flag and state.
        state = TraceState.from_header([tracestate.decode("latin-1")]) if tracestate else None
        span = NonRecordingSpan(SpanContext(parsed[0], random.getrandbits(64), is_remote=False,
                                            trace_flags=_FLAGS[parsed[2]], trace_state=state))
    return span, otel_context.attach(trace.set_span_in_context(span))
