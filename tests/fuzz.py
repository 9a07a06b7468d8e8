"""Schemathesis against each service's OpenAPI, on the real processes: no 5xx, responses match the schema.

Run by `make test` (and so by .ci/run): `python -m tests.fuzz`. Each service is fuzzed with an administrator's
token for its audience, so the generated requests get past authentication and reach validation and the
domain code, and the registry's role-only operations again as the people who hold those roles; anonymous
requests are covered by the generated negative cases and by the ignored_auth check (an operation documented as
needing a token must refuse a request without one).

Crafted input (issue 18): the schema's own strategies rarely produce what an attacker sends, so each run
loads this module as its schemathesis hooks (``SCHEMATHESIS_HOOKS``), which turn about half of the generated
cases into crafted ones: a forged cursor (any JSON a client could encode: dicts, huge or fractional numbers,
NUL in strings, wrong widths, deep nesting, not base64) in every ``cursor`` parameter, NUL, C0/C1 controls and
bidi controls inserted into one text value of the query, path or body, and huge numbers (past 64 bits,
1e308, -0) in one numeric value. Each must end as a 4xx problem, never a 5xx.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance,ignored_auth"
EXAMPLES = os.environ.get("PDR_FUZZ_EXAMPLES", "20")
# Demo accounts (services/auth/demo.py) and the registry operations that need their role.
ROLE_PASSES = {
    "authority": r"^/(operation/(plans|agreements)|products/[^/]+/ceilings)",
    "price": r"^/(pricing/|products/[^/]+/ceilings)",
    "operator": r"^/(operation/reports|products/[^/]+/prices)",
    "agency": r"^/operation/agreements/[^/]+/consents",
    "registrar": r"^/registrations/sweep",
}


REPOSITORY = Path(__file__).resolve().parent.parent
# Rate budgets would answer most of a run 429 (it sends thousands of requests with one token): they have tests
# of their own (tests/api/attacks/test_limits.py); here every generated request must reach validation.
UNLIMITED = {f"PDR_{service}_{name}": "" for service in ("AUTH", "REGISTRY", "SCORING")
             for name in ("RATE_LIMIT_PER_CALLER", "RATE_LIMIT_ANONYMOUS_WRITES")}


def run_schemathesis(title: str, url: str, *args: str) -> bool:
    """One schemathesis run against the OpenAPI at ``url``, with the checks and budget shared by every run."""
    print(f"\n=== schemathesis: {title} ===", flush=True)
    return subprocess.run([
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json", "--checks", CHECKS,
        "--max-examples", EXAMPLES, "--seed", "20261126", "--no-color", "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "30", "--suppress-health-check", "all", *args,
    ], cwd=REPOSITORY, env=os.environ | {"SCHEMATHESIS_HOOKS": "tests.fuzz"}, check=False).returncode == 0


# Crafted input: the hooks each schemathesis run loads ---------------------------------------------------------

# NUL, BEL, ESC, DEL, C1 (NEL, CSI), line breaks and TAB, the bidi embeddings, overrides and isolates.
CRAFTED_CHARS = "\x00\x07\x1b\x7f\x85\x9b\r\n\t\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HUGE_NUMBERS = [2**31, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400, 1e308, -1e308, -0.0, 1e-320]
_json = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats()
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(CRAFTED_CHARS), max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6)


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# What a client can send as a cursor: any JSON it encodes (lists of one or two values most often, as ours are),
# the attack run's own, deep nesting, and text that is not base64 at all.
crafted_cursors = st.one_of(
    st.lists(_json, min_size=1, max_size=2).map(_encode),
    _json.map(_encode),
    st.sampled_from(["W3siYSI6MX1d", _encode([1e30]), _encode([2**70]), _encode(["a\x00"]), "!!!", "%00", "\x00",
                     base64.urlsafe_b64encode(b"[" * 100 + b"]" * 100).decode()]),
    st.text(max_size=60),
)


def _crafted_text(value: str) -> st.SearchStrategy[str]:
    """``value`` with a crafted character inserted somewhere (or in place of it, when empty)."""
    return st.builds(lambda char, at: value[:at] + char + value[at:],
                     st.sampled_from(CRAFTED_CHARS), st.integers(0, len(value)))


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths to the text and number leaves of a JSON value."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else []


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    out = copy.copy(value)
    out[path[0]] = _replaced(value[path[0]], path[1:], new)
    return out


def _crafted_leaf(value: Any, path: tuple) -> st.SearchStrategy[Any]:
    leaf = value
    for key in path:
        leaf = leaf[key]
    if path and path[-1] == "cursor":
        new = crafted_cursors
    elif isinstance(leaf, str):
        new = _crafted_text(leaf)
    else:
        new = st.sampled_from(HUGE_NUMBERS)
    return new.map(lambda crafted: _replaced(value, path, crafted))


def _sometimes_crafted(value: Any) -> st.SearchStrategy[Any]:
    """The generated value itself, or the same with one leaf crafted."""
    leaves = _leaves(value) if isinstance(value, (dict, list)) else []
    if not leaves:
        return st.just(value)
    return st.one_of(st.just(value), st.sampled_from(leaves).flatmap(lambda path: _crafted_leaf(value, path)))


@schemathesis.hook
def flatmap_query(context, query):
    query = dict(query or {})
    if context.operation is not None and any(p.name == "cursor" for p in context.operation.query):
        # A cursor-paged list: a forged cursor in most crafted cases, whatever else the case holds.
        return st.one_of(st.just(query), crafted_cursors.map(lambda cursor: query | {"cursor": cursor}),
                         _sometimes_crafted(query))
    return _sometimes_crafted(query)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _sometimes_crafted(dict(path_parameters or {}))


@schemathesis.hook
def flatmap_body(context, body):
    return _sometimes_crafted(body)


def print_server_errors(logs: str, limit: int = 20) -> None:
    """The services' own account of their errors (a 5xx is logged with its traceback), for the failures above."""
    blocks = list(logs.split("\nTraceback ")[1:])[:limit]
    for block in blocks:
        print("Traceback " + "\n".join(block.splitlines()[-12:]))


def main() -> int:
    from tests.system import start_system  # not for the hooks: each schemathesis run imports this module

    with tempfile.TemporaryDirectory() as tmp:
        # Long polls end after a second here, so generated wait=60 cases do not stall the run.
        system = start_system(Path(tmp), {"PDR_REGISTRY_FEED_MAX_WAIT_SECONDS": "1", **UNLIMITED})
        failed = []
        try:
            for service, audience in (("auth", "pdr-auth"), ("registry", "pdr-registry"), ("scoring", "pdr-scoring")):
                token = system.token("admin", audience)["access_token"]
                url = system.urls[service]
                # The token endpoint is fuzzed below without a bearer token; a server-sent event stream never
                # ends by design, so it is tested in tests/api/ledger instead.
                if not run_schemathesis(f"{service} ({url})", url, "-H", f"Authorization: Bearer {token}",
                                        "--exclude-path-regex", "^/(oauth/token|events/stream)$"):
                    failed.append(service)
            # An administrator holds no domain role, so the operations only an authority, a price department,
            # an operator or a registrar may call answer it 403 (schemathesis warns of them): fuzz those as
            # each of these people too, so generated input reaches their domain code.
            registry_token_of = {who: system.token(who)["access_token"] for who in ROLE_PASSES}
            for who, paths in ROLE_PASSES.items():
                if not run_schemathesis(f"registry as {who}", system.urls["registry"],
                                        "-H", f"Authorization: Bearer {registry_token_of[who]}",
                                        "--include-path-regex", paths):
                    failed.append(f"registry as {who}")
            # The token endpoint is fuzzed without the bearer header (it authenticates clients itself).
            if not run_schemathesis("auth /oauth/token", system.urls["auth"], "--include-path", "/oauth/token"):
                failed.append("auth /oauth/token")
            if failed:
                print_server_errors(system.logs())
        finally:
            system.stop()
    if failed:
        print(f"schemathesis found problems in: {', '.join(failed)}")
        return 1
    print("schemathesis: no server errors, every response matched its schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
