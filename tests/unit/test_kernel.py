"""Kernel pieces that every service leans on: cursors, problem rendering, log redaction."""

from __future__ import annotations

import json
import logging

import pytest

from services.kernel.observability import JSONFormatter
from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.problems import BadRequest, Conflict, TooManyRequests, problem_response


def test_cursor_round_trips_the_sort_key():
    cursor = encode_cursor(["2026-11-26T10:00:00", "01a2b3"])
    assert decode_cursor(cursor, 2) == ["2026-11-26T10:00:00", "01a2b3"]


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", encode_cursor(["only-one"]), encode_cursor({"a": 1})])
def test_foreign_or_tampered_cursors_are_a_400_problem(cursor):
    with pytest.raises(BadRequest) as info:
        decode_cursor(cursor, 2)
    assert info.value.slug == "bad-cursor"


def test_problem_response_is_rfc9457_with_extensions():
    response = problem_response(Conflict("Registration is in state 'noticed'.", slug="illegal-transition",
                                         current_state="noticed"), "/registrations/1/accept")
    body = json.loads(response.body)
    assert response.status_code == 409
    assert response.media_type == "application/problem+json"
    assert body == {"type": "https://pdr.example.gov.cn/problems/illegal-transition", "title": "Conflict",
                    "status": 409, "detail": "Registration is in state 'noticed'.",
                    "instance": "/registrations/1/accept", "current_state": "noticed"}


def test_throttling_problem_carries_retry_after():
    response = problem_response(TooManyRequests("slow down", retry_after=7))
    assert response.headers["retry-after"] == "7"
    assert json.loads(response.body)["retry_after"] == 7


def test_json_logs_never_carry_tokens_or_secrets():
    formatter = JSONFormatter("auth")
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhYmNkZWZnaGlqIn0.c2lnbmF0dXJlMTIzNDU2"
    record = logging.LogRecord("x", logging.INFO, __file__, 1,
                               "login with password=hunter2 and Bearer %s client_secret=abc", (token,), None)
    line = formatter.format(record)
    assert token not in line and "hunter2" not in line and "client_secret=abc" not in line
    assert json.loads(line)["service"] == "auth"
