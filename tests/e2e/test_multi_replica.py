"""Multi-replica correctness on PostgreSQL: two registry processes share one database while eight clients file,
review and approve registrations against both at once (every step may land on either replica). Afterwards:
no 5xx, every registration filed is there and coded, no code twice (Art. 13: unique nationwide, never
reused), and the ledger is gap-free and its Merkle tree verifies against the signed tree head.

The load lasts ``PDR_MULTI_REPLICA_SECONDS`` (default 60)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import time
from collections import Counter

import httpx
import pytest

from services.cli.ledger_cmds import download, verify_live
from tests.deploy.processes import Walk, make_agencies, require_postgresql, start_replica, token
from tests.system import start_system

pytestmark = pytest.mark.e2e

SECONDS = float(os.environ.get("PDR_MULTI_REPLICA_SECONDS", "60"))
CLIENTS = 8


async def _client_loop(n: int, urls: list[str], agency: dict, registrar: dict, deadline: float,
                       statuses: Counter, failures: list, walks: list[Walk]) -> None:
    replicas = itertools.cycle(urls[n % 2:] + urls[:n % 2])  # alternate replicas, step by step
    async with httpx.AsyncClient(timeout=30) as http:
        serial = 0
        while time.monotonic() < deadline:
            walk = Walk(agency, registrar, f"c{n}-{serial}")
            serial += 1
            walks.append(walk)
            while not walk.done:
                method, path, headers, body = walk.next_request()
                response = await http.request(method, next(replicas) + path, headers=headers, json=body)
                statuses[response.status_code] += 1
                if response.status_code >= 300:
                    failures.append((method, path, response.status_code, response.text[:300]))
                    break
                walk.advance(response.json())


async def _all_registrations(http: httpx.AsyncClient, url: str, headers: dict) -> list[dict]:
    items, cursor = [], None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await http.get(f"{url}/registrations", params=params, headers=headers)).json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def test_two_registry_replicas_under_eight_concurrent_clients_stay_consistent(tmp_path):
    require_postgresql("the multi-replica test")
    system = start_system(tmp_path, extra_env={"PDR_REGISTRY_DEMO": "true"})
    second = None
    try:
        second = start_replica(system, "registry", "registry-2")
        urls = [system.urls["registry"], second.url]
        agencies = make_agencies(system, CLIENTS)
        registrar = {"Authorization": f"Bearer {token(system.urls['auth'], 'registrar')}"}
        auditor = token(system.urls["auth"], "auditor")
        statuses: Counter = Counter()
        failures: list = []
        walks: list[Walk] = []

        async def load() -> None:
            deadline = time.monotonic() + SECONDS
            await asyncio.gather(*(_client_loop(n, urls, agencies[n], registrar, deadline, statuses, failures,
                                                walks) for n in range(CLIENTS)))

        started = time.monotonic()
        asyncio.run(load())
        elapsed = time.monotonic() - started
        completed = [w for w in walks if w.done]
        print(f"\n{len(completed)} registrations coded in {elapsed:.0f} s by {CLIENTS} clients over 2 replicas "
              f"({sum(statuses.values()) / elapsed:.0f} requests/s); statuses {dict(statuses)}")

        assert not [s for s in statuses if s >= 500], f"5xx answers: {dict(statuses)}"
        assert not failures, f"{len(failures)} steps failed, first: {failures[:3]}"
        assert len(completed) >= CLIENTS  # every client got at least one registration through
        codes = [w.code for w in completed]
        assert all(codes) and len(set(codes)) == len(codes), "a query code was issued twice"

        async def check() -> None:
            async with httpx.AsyncClient(timeout=30) as http:
                # Nothing lost, nothing extra: each replica sees every registration, coded as it was answered.
                for url in urls:
                    listed = await _all_registrations(http, url, registrar)
                    by_id = {item["id"]: item for item in listed}
                    assert len(by_id) == len(listed) == len(walks)
                    for walk in walks:
                        assert by_id[walk.registration_id]["state"] == "registered"
                for walk in completed[:: max(1, len(completed) // 20)]:
                    one = (await http.get(f"{urls[1]}/registrations/{walk.registration_id}", headers=registrar)).json()
                    assert one["query_code"] == walk.code

            # The ledger: contiguous leaves, each registration's steps in it, and a tree that verifies.
            report = await verify_live(urls[0], auditor, None, None)
            assert report.ok, report.problems
            sth, _, entries = await download(urls[1], auditor)
            assert [e["leaf_index"] for e in entries] == list(range(sth["tree_size"]))
            assert [e["sequence"] for e in entries] == list(range(1, sth["tree_size"] + 1))
            subjects = Counter(json.loads(base64.b64decode(e["leaf_input"])).get("subject_id") for e in entries)
            for walk in walks:
                assert subjects[walk.registration_id] >= 4  # filed, accepted, approved, coded
            print(f"ledger: {sth['tree_size']} entries, root verified against the signed tree head")

        asyncio.run(check())
    finally:
        if second is not None:
            second.stop()
        system.stop()
        for db in system.databases.values():
            asyncio.run(db.drop())
