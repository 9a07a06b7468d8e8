"""Console overhead: a public notice page costs little more than the API call behind it.

Baseline: ``GET /public/notices?limit=20`` on the registry, in process. Measured: the console's ``/notices``
(the same API call through the console's HTTP client, plus rendering 20 escaped rows). Both on the same
in-process apps and database, in the same run.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.unit.console.conftest import CONSOLE, browser, console_app  # noqa: F401 (fixtures)
from tests.unit.console.helpers import in_notice

pytestmark = pytest.mark.perf
ROUNDS = 60


async def _medians(pairs: list[tuple[httpx.AsyncClient, str]]) -> list[float]:
    """Median latency of each (client, url), the calls interleaved so load changes hit both alike."""
    for client, url in pairs:
        for _ in range(5):
            (await client.get(url)).raise_for_status()
    samples: list[list[float]] = [[] for _ in pairs]
    for _ in range(ROUNDS):
        for k, (client, url) in enumerate(pairs):
            started = time.perf_counter()
            response = await client.get(url)
            samples[k].append(time.perf_counter() - started)
            assert response.status_code == 200
    return [sorted(s)[len(s) // 2] for s in samples]


async def test_notice_page_costs_at_most_three_times_its_api_call(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    for n in range(20):
        await in_notice(registry_client, operator, registrar, f"性能测试产品{n:02d}")
    api, page = await _medians([(registry_client, "/public/notices?limit=20"), (browser, "/notices")])
    ratio = page / api
    print(f"\nmedian of {ROUNDS}: registry /public/notices {api * 1000:.2f} ms, console /notices "
          f"{page * 1000:.2f} ms, ratio {ratio:.2f}")
    assert ratio < 3.0
