"""Kernel pieces that every service leans on: cursors, problem rendering, log redaction."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, MetaData, String, Table

from services.kernel.observability import JSONFormatter
from services.kernel.pagination import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor
from services.kernel.problems import BadRequest, Conflict, TooManyRequests, problem_response


def test_cursor_round_trips_the_sort_key():
    cursor = encode_cursor(["2026-11-26T10:00:00", "01a2b3"])
    assert decode_cursor(cursor, 2) == ["2026-11-26T10:00:00", "01a2b3"]


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", encode_cursor(["only-one"]), encode_cursor({"a": 1})])
def test_foreign_or_tampered_cursors_are_a_400_problem(cursor):
    with pytest.raises(BadRequest) as info:
        decode_cursor(cursor, 2)
    assert info.value.slug == "bad-cursor"


# A table with a key column of each type a cursor carries.
KEYS = Table("cursor_keys", MetaData(), Column("id", String(32)), Column("seq", BigInteger), Column("n", Integer),
             Column("at", DateTime(timezone=True)), Column("on", Date))


def _raw(text: str) -> str:
    """A cursor of any JSON text, as a client could forge it."""
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def test_a_cursor_decodes_to_values_of_its_keys_types():
    cursor = encode_cursor(["01ab", 2**62, -5, datetime(2026, 11, 26, 10, tzinfo=UTC), date(2026, 11, 26)])
    values = decode_cursor(cursor, [KEYS.c.id, KEYS.c.seq, KEYS.c.n, KEYS.c.at, KEYS.c.on])
    assert values == ["01ab", 2**62, -5, datetime(2026, 11, 26, 10, tzinfo=UTC), date(2026, 11, 26)]
    # SQLite hands back naive UTC: such a cursor means UTC for a timezone-aware column.
    (naive,) = decode_cursor(encode_cursor([datetime(2026, 11, 26, 10)]), [KEYS.c.at])  # noqa: DTZ001
    assert naive == datetime(2026, 11, 26, 10, tzinfo=UTC)
    assert decode_cursor(encode_cursor([1, 7]), [int, KEYS.c.seq]) == [1, 7]  # a computed key: its Python type


@pytest.mark.parametrize(("text", "key"), [
    ('[{"a":1}]', "id"), ('[[1]]', "id"), ("[null]", "id"), ("[1e30]", "id"), ("[1e30]", "seq"),
    ("[true]", "seq"), ("[1.5]", "seq"), (f"[{2**63}]", "seq"), (f"[{2**31}]", "n"), (f"[-{2**31 + 1}]", "n"),
    (f'["{"x" * 33}"]', "id"), ('["a\u0000b"]', "id"), ('["a\u202eb"]', "id"), ('["a\nb"]', "id"),
    ('[7]', "id"), ('["7"]', "seq"), ('["not a date"]', "at"), ('["2026-11-26"]', "n"), ('[20261126]', "at"),
    ('["2026-02-30"]', "on"), ('["9999999-01-01"]', "on"), ("[NaN]", "seq"), ("[Infinity]", "n"),
    ('["1' + "0" * 5000 + '"]', "id"), ("[1" + "0" * 5000 + "]", "seq"),
])
def test_a_forged_cursor_value_of_the_wrong_type_or_range_is_a_400_problem(text, key):
    with pytest.raises(BadRequest) as info:
        decode_cursor(_raw(text), [KEYS.c[key]])
    assert info.value.slug == "bad-cursor"


@pytest.mark.parametrize("cursor", [
    "W3siYSI6MX1d",  # [{"a":1}], as the attack run sent it
    _raw("[" * 5000 + "]" * 5000)[:MAX_CURSOR_LENGTH], _raw("[" * 600 + "]" * 600), "x" * (MAX_CURSOR_LENGTH + 1),
    "é", "\x00", _raw("\xff\xfe"), _raw("[]"), _raw('[1,2]'),
])
def test_malformed_nested_or_oversized_cursors_are_a_400_problem(cursor):
    with pytest.raises(BadRequest) as info:
        decode_cursor(cursor, [KEYS.c.seq])
    assert info.value.slug == "bad-cursor"


@pytest.mark.parametrize("text", ['[{"a":1}]', "[1e30]", f"[{2**64}]", '["a\u0000"]', f'["{"x" * 1025}"]', "[true]"])
def test_a_cursor_decoded_by_width_alone_carries_only_bounded_scalars(text):
    with pytest.raises(BadRequest):
        decode_cursor(_raw(text), 1)


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
