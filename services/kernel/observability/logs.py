"""JSON log lines that carry the request id and trace id, with credentials redacted from every line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from typing import Any

from opentelemetry import trace

__all__ = ["JSONFormatter", "configure_logging", "redact", "request_id_var", "trace_id_var"]

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# Kept for callers that set a trace id by hand; otherwise the current OpenTelemetry span gives it.
trace_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)

# Never let a credential reach a log line, whatever a library decides to print: JWTs, key=value and
# "key": "value" pairs named like secrets, Authorization header values, passwords inside database URLs.
_SECRETS = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
    r"|(?P<key>(?i:password|passwd|secret|token)[\"']?\s*[=:]\s*[\"']?)[^&\s\"',}]+"
    r"|(?P<scheme>(?i:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{16,}"
    r"|(?P<url>postgres(?:ql)?(?:\+\w+)?://[^:/@\s]+:)[^@\s]+@"
)


def _mask(match: re.Match[str]) -> str:
    # Keep what names the secret (the key, the scheme, the user), so the line still says what happened.
    prefix = match.group("key") or match.group("scheme") or match.group("url") or ""
    return prefix + "[redacted]" + ("@" if match.group("url") else "")


def redact(text: str) -> str:
    return _SECRETS.sub(_mask, text)


def _current_trace_id() -> str | None:
    # Formatted only when a line is logged, never on a request's path.
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


class JSONFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if (rid := request_id_var.get()) is not None:
            entry["request_id"] = rid
        if (tid := trace_id_var.get() or _current_trace_id()) is not None:
            entry["trace_id"] = tid
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(JSONFormatter(service))
    else:
        handler.setFormatter(_RedactingFormatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access logs would print query strings; our middleware logs method, route and status instead.
    logging.getLogger("uvicorn.access").disabled = True
    # Client and driver internals log every call at DEBUG (headers, SQL parameters): keep them out.
    for name in ("httpx", "httpcore", "aiosqlite", "asyncpg", "hpack"):
        logging.getLogger(name).setLevel(logging.WARNING)
