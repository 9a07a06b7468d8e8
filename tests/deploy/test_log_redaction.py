"""No credential reaches a log line: the formatter redacts tokens, secrets and passwords whatever printed them."""

from __future__ import annotations

import json
import logging

import pytest

from services.kernel.observability import JSONFormatter, redact

JWT = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSIsImF1ZCI6InBkci1yZWdpc3RyeSJ9.c2lnbmF0dXJlLWJ5dGVz"


@pytest.mark.parametrize(("text", "secret"), [
    (f"verifying {JWT}", JWT),
    ("grant_type=password&username=alice&password=Demo-pass-2026!", "Demo-pass-2026!"),
    ("client_secret=abcdef0123456789&grant_type=client_credentials", "abcdef0123456789"),
    ('{"refresh_token": "rt-9f8e7d6c5b4a", "x": 1}', "rt-9f8e7d6c5b4a"),
    ("Authorization: Bearer opaque-0123456789abcdef", "opaque-0123456789abcdef"),
    ("Authorization: Basic Z292LXBvcnRhbDpzM2NyZXQtdmFsdWU=", "Z292LXBvcnRhbDpzM2NyZXQtdmFsdWU="),
    ("connect postgresql+asyncpg://pdr_registry:hunter2-long@db:5432/pdr_registry", "hunter2-long"),
    ("PASSWORD='p@ss w0rd'", "p@ss"),
])
def test_credentials_are_redacted(text, secret):
    assert secret not in redact(text)
    assert "[redacted]" in redact(text)


def test_ordinary_messages_are_left_alone():
    for text in ("GET /registrations/{registration_id} -> 200 in 3.1 ms", "token endpoint throttled 3 attempts",
                 "Basic credentials are malformed", "JWKS fetch from http://auth:8001/.well-known/jwks.json"):
        assert redact(text) == text


def test_json_lines_redact_messages_and_tracebacks():
    formatter = JSONFormatter("auth")
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        import sys

        record = logging.LogRecord("pdr.test", logging.ERROR, __file__, 1, "login %s failed with password=%s",
                                   ("alice", "Demo-pass-2026!"), sys.exc_info())
    line = formatter.format(record)
    entry = json.loads(line)
    assert "Demo-pass-2026!" not in line and JWT not in line
    assert entry["msg"] == "login alice failed with password=[redacted]"
    assert entry["service"] == "auth" and entry["level"] == "ERROR"
