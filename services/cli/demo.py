"""Demo data for the registry and scoring, created through their public HTTP APIs once they are ready.

Each step is a function taking (urls, tokens) and must be idempotent: `pdr up --demo` runs them every start.
Together they fill two regions (Beijing 110000, Shanghai 310000) over two periods (last year and this year) with
agencies and operators that differ, so the first evaluations are a real ranking (see each step's docstring).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .import_cmds import catalog_demo
from .operation_demo import operation_demo
from .pricing_demo import pricing_demo
from .registration_demo import product_registration_demo, registration_demo
from .scoring_demo import scoring_demo

__all__ = ["STEPS", "seed_registry_demo", "token_for"]

DEMO_PASSWORD = "Demo-pass-2026!"  # noqa: S105 (the demo accounts' published password; pdr up prints it)
Step = Callable[[dict[str, str], Callable[[str, str], str]], None]
# The catalogue import comes first: registration completes and registers two of the imported resources.
# Agreements name registered resources, and a product registered under an agreement is valid for its term.
STEPS: list[Step] = [catalog_demo, registration_demo, operation_demo, product_registration_demo, pricing_demo,
                     scoring_demo]


def token_for(auth_url: str, username: str, audience: str = "pdr-registry") -> str:
    response = httpx.post(f"{auth_url}/oauth/token", data={
        "grant_type": "password", "username": username, "password": DEMO_PASSWORD, "audience": audience})
    response.raise_for_status()
    return response.json()["access_token"]


def seed_registry_demo(urls: dict[str, str], _client_secrets: dict[str, str]) -> None:
    cache: dict[tuple[str, str], str] = {}

    def tokens(username: str, audience: str = "pdr-registry") -> str:
        if (username, audience) not in cache:
            cache[(username, audience)] = token_for(urls["auth"], username, audience)
        return cache[(username, audience)]

    for step in STEPS:
        step(urls, tokens)
