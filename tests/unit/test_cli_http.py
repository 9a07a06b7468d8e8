"""Every ``pdr`` command that calls a service over HTTP fails in one line with a hint and a non-zero exit (issue 16:
`pdr ledger verify URL` without a token printed a raw JSON blob, a wrong URL a 324-line traceback)."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import ledger_cmds
from services.cli.common import explain_response
from services.cli.main import app

URL = "http://registry.test"
STH = {"tree_size": 3, "root_hash": "AAAA", "timestamp": 0, "signature": "x"}


def _problem(status: int, title: str, detail: str, **extensions) -> httpx.Response:
    return httpx.Response(status, json={"type": "about:blank", "title": title, "status": status, "detail": detail,
                                        **extensions}, headers={"content-type": "application/problem+json"})


@pytest.fixture
def registry(monkeypatch):
    """A registry whose /ledger/sth is public and whose entries answer what the test sets."""
    answers: dict[str, httpx.Response] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ledger/sth":
            return httpx.Response(200, json=STH)
        if request.url.path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": []})
        return answers[request.url.path]

    monkeypatch.setattr(ledger_cmds, "transport", httpx.MockTransport(handle))
    return answers


def _one_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output and "{" not in lines[0]  # no raw JSON
    return lines[0]


def test_verify_without_a_token_says_how_to_pass_one(registry):
    registry["/ledger/entries"] = _problem(401, "Authentication required", "A bearer access token is required.")
    result = CliRunner().invoke(app, ["ledger", "verify", URL], env={"PDR_TOKEN": ""})
    assert result.exit_code == 2
    line = _one_line(result)
    assert "401 Authentication required: A bearer access token is required." in line
    assert "pass --token or set PDR_TOKEN" in line and "/oauth/token" in line


def test_a_token_without_the_role_is_told_which_role_reads_the_ledger(registry):
    registry["/ledger/entries"] = _problem(403, "Forbidden", "Requires one of the roles: auditor, admin.")
    result = CliRunner().invoke(app, ["ledger", "export", URL, "-o", "x.jsonl", "--token", "t"])
    assert result.exit_code == 2
    assert "use an auditor's or an admin's token" in _one_line(result)


def test_a_server_error_without_json_is_one_line(registry):
    registry["/ledger/evidence/resource/r1"] = httpx.Response(502, text="<html><body>Bad gateway</body></html>",
                                                             headers={"content-type": "text/html"})
    result = CliRunner().invoke(app, ["ledger", "evidence", URL, "resource", "r1", "-o", "e.json", "--token", "t"])
    assert result.exit_code == 2
    line = _one_line(result)
    assert "502 Bad Gateway" in line and "<html>" not in line and "log" in line


def test_a_page_that_is_not_json_is_not_taken_for_a_registry(monkeypatch):
    monkeypatch.setattr(ledger_cmds, "transport", httpx.MockTransport(lambda r: httpx.Response(200, text="<html>")))
    result = CliRunner().invoke(app, ["ledger", "verify", URL])
    assert result.exit_code == 2
    assert "not with JSON" in _one_line(result)


def test_an_unusable_url_is_one_line():
    result = CliRunner().invoke(app, ["ledger", "export", "htp://registry", "-o", "x.jsonl"])
    assert result.exit_code == 2
    assert "not a usable URL" in _one_line(result)


def test_a_refused_connection_is_one_line_without_a_traceback_from_the_real_command():
    with socket.socket() as sock:  # a port that was just free and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = subprocess.run([sys.executable, "-m", "services.cli", "ledger", "verify", f"http://127.0.0.1:{port}"],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"http://127.0.0.1:{port}/ledger/sth: cannot connect" in lines[0]
    assert "is the service running there?" in lines[0]


def test_validation_problems_name_their_fields():
    request = httpx.Request("POST", "http://registry.test/resources")
    response = _problem(422, "Unprocessable", "The request has invalid fields.",
                        errors=[{"field": "name", "message": "Field required", "type": "missing"}])
    response.request = request
    line = explain_response(response)
    assert line == ("POST http://registry.test/resources answered 422 Unprocessable: The request has invalid "
                    "fields. name: Field required")
