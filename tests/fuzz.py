"""Schemathesis against each service's OpenAPI, on the real processes: no 5xx, responses match the schema.

Run by `make test` (and so by .ci/run): `python -m tests.fuzz`. Each service is fuzzed with an administrator's
token for its audience, so the generated requests get past authentication and reach validation and the
domain code, and the registry's role-only operations again as the people who hold those roles; anonymous
requests are covered by the generated negative cases and by the ignored_auth check (an operation documented as
needing a token must refuse a request without one).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.system import start_system

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


def schemathesis(title: str, url: str, *args: str) -> bool:
    """One schemathesis run against the OpenAPI at ``url``, with the checks and budget shared by every run."""
    print(f"\n=== schemathesis: {title} ===", flush=True)
    return subprocess.run([
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json", "--checks", CHECKS,
        "--max-examples", EXAMPLES, "--seed", "20261126", "--no-color", "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "30", "--suppress-health-check", "all", *args,
    ]).returncode == 0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        # Long polls end after a second here, so generated wait=60 cases do not stall the run.
        system = start_system(Path(tmp), {"PDR_REGISTRY_FEED_MAX_WAIT_SECONDS": "1"})
        failed = []
        try:
            for service, audience in (("auth", "pdr-auth"), ("registry", "pdr-registry"), ("scoring", "pdr-scoring")):
                token = system.token("admin", audience)["access_token"]
                url = system.urls[service]
                # The token endpoint is fuzzed below without a bearer token; a server-sent event stream never
                # ends by design, so it is tested in tests/api/ledger instead.
                if not schemathesis(f"{service} ({url})", url, "-H", f"Authorization: Bearer {token}",
                                    "--exclude-path-regex", "^/(oauth/token|events/stream)$"):
                    failed.append(service)
            # An administrator holds no domain role, so the operations only an authority, a price department,
            # an operator or a registrar may call answer it 403 (schemathesis warns of them): fuzz those as
            # each of these people too, so generated input reaches their domain code.
            registry_token_of = {who: system.token(who)["access_token"] for who in ROLE_PASSES}
            for who, paths in ROLE_PASSES.items():
                if not schemathesis(f"registry as {who}", system.urls["registry"],
                                    "-H", f"Authorization: Bearer {registry_token_of[who]}",
                                    "--include-path-regex", paths):
                    failed.append(f"registry as {who}")
            # The token endpoint is fuzzed without the bearer header (it authenticates clients itself).
            if not schemathesis("auth /oauth/token", system.urls["auth"], "--include-path", "/oauth/token"):
                failed.append("auth /oauth/token")
        finally:
            system.stop()
    if failed:
        print(f"schemathesis found problems in: {', '.join(failed)}")
        return 1
    print("schemathesis: no server errors, every response matched its schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
