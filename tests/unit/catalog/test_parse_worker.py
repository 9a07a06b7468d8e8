"""The bounded worker that parses uploads (kernel/worker.py, issue 18): each limit stops the work, not the caller.

The functions below run in the worker process, which imports this module to find them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
import pytest_asyncio

from services.kernel.problems import Unavailable, Unprocessable
from services.kernel.worker import BoundedWorker, WorkerLimits, WorkRefused

pytestmark = pytest.mark.asyncio(loop_scope="session")

MIB = 1024 * 1024


def double(x: int) -> int:
    return 2 * x


def spin(_: int) -> None:
    n = 0
    while True:
        try:  # noqa: SIM105 (the shape of work that swallows errors is the point)
            n += 1
        except Exception:  # noqa: BLE001, S110 (the CPU limit is not an Exception: work cannot swallow it)
            pass


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def hog(_: int) -> int:
    return len(bytearray(2048 * MIB))


def die(_: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def refuse(row: int) -> None:
    raise Unprocessable("bad row", slug="import-bad", row=row)


def pid(_: int) -> int:
    return os.getpid()


def standing(_: int) -> tuple[int, str]:
    with open("/proc/self/oom_score_adj") as adj:
        return os.getpriority(os.PRIO_PROCESS, 0), adj.read().strip()


@pytest_asyncio.fixture(loop_scope="session")
async def worker():
    made = BoundedWorker(WorkerLimits(memory_bytes=512 * MIB, seconds=1, niceness=0))
    yield made
    await made.close()


async def test_work_runs_in_another_process_that_is_reused(worker):
    assert await worker.run(double, 21) == 42
    first = await worker.run(pid, 0)
    assert first != os.getpid() and await worker.run(pid, 0) == first


async def test_a_worker_yields_the_cpu_to_the_service_and_is_the_oom_killers_first_choice():
    worker = BoundedWorker(WorkerLimits(niceness=10))
    try:
        niceness, oom_score_adj = await worker.run(standing, 0)
    finally:
        await worker.close()
    assert (niceness - os.getpriority(os.PRIO_PROCESS, 0), oom_score_adj) == (10, "1000")


async def test_cpu_bound_work_is_stopped_at_its_time_limit(worker):
    start = time.perf_counter()
    with pytest.raises(WorkRefused) as refused:
        await worker.run(spin, 0)
    assert refused.value.reason == "time"
    assert time.perf_counter() - start < 1 + 2 + 3  # CPU limit, wall clock's grace, stopping the worker
    assert await worker.run(double, 1) == 2  # a new worker took its place


async def test_work_that_waits_is_stopped_by_the_wall_clock(worker):
    start = time.perf_counter()
    with pytest.raises(WorkRefused) as refused:
        await worker.run(sleep, 30)
    assert refused.value.reason == "time" and time.perf_counter() - start < 6


async def test_work_past_the_address_space_limit_is_refused_and_the_worker_goes_on(worker):
    with pytest.raises(WorkRefused) as refused:
        await worker.run(hog, 0)
    assert refused.value.reason == "memory"
    assert await worker.run(double, 2) == 4


async def test_a_worker_that_dies_is_reported_and_replaced(worker):
    with pytest.raises(WorkRefused) as refused:
        await worker.run(die, 0)
    assert refused.value.reason == "crashed"
    assert await worker.run(double, 3) == 6


async def test_a_problem_raised_by_the_work_reaches_the_caller_as_it_is(worker):
    with pytest.raises(Unprocessable) as raised:
        await worker.run(refuse, 7)
    assert (raised.value.slug, raised.value.extensions) == ("import-bad", {"row": 7})


async def test_past_the_workers_and_the_queue_a_task_is_refused_at_once_with_503():
    worker = BoundedWorker(WorkerLimits(seconds=10, workers=1, queue=1, niceness=0))
    try:
        busy = [asyncio.ensure_future(worker.run(sleep, 1)) for _ in range(2)]
        await asyncio.sleep(0)
        start = time.perf_counter()
        with pytest.raises(Unavailable) as refused:
            await worker.run(double, 1)
        assert refused.value.slug == "worker-busy" and time.perf_counter() - start < 0.1
        await asyncio.gather(*busy)
        assert await worker.run(double, 1) == 2
    finally:
        await worker.close()
