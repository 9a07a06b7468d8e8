"""Bounded worker processes for CPU-heavy work on untrusted input (parsing an uploaded file).

The work runs in another process, so the service's event loop keeps answering and a pathological input cannot
take the service's memory or time:

- each worker has an address-space limit (RLIMIT_AS): past it an allocation fails with MemoryError there;
- each task has a CPU-time limit (RLIMIT_CPU, re-armed per task: SIGXCPU raises ``CpuTimeExceeded`` in the
  worker) and a wall-clock limit after which the worker is killed and replaced (pebble's ProcessPool), which
  also covers work stuck in C code where no signal handler runs;
- workers are spawned, not forked from the threaded service, run at a lower CPU priority than the service,
  are the OOM killer's first choice (a container's memory limit covers the service and its workers), are
  reused across tasks (their start, imports included, is paid once) and replaced after ``max_tasks``;
- at most ``workers + queue`` tasks are admitted at once; past that ``run`` answers 503 at once.

    WorkRefused           the work was stopped at a limit; ``reason`` says which
    ├── "time"            CPU time or wall clock
    ├── "memory"          MemoryError under the address-space limit
    └── "crashed"         the worker died (a signal, the kernel's OOM killer)

An exception the work raises itself (a Problem, say) reaches the caller as it is.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from .problems import Unavailable

__all__ = ["BoundedWorker", "CpuTimeExceeded", "WorkRefused", "WorkerLimits"]

T = TypeVar("T")
MIB = 1024 * 1024
# The wall clock waits this much longer than the CPU limit, so CPU-bound work ends by its own clean refusal.
WALL_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class WorkerLimits:
    memory_bytes: int = 1024 * MIB  # address space of one worker, its interpreter and imports included
    seconds: float = 120.0  # CPU time of one task; its wall clock gets WALL_GRACE_SECONDS more
    workers: int = 1
    queue: int = 4  # tasks that may wait for a worker; more are refused with 503
    niceness: int = 10  # the service's event loop is served first when both want the CPU
    max_tasks: int = 50  # a worker is replaced after this many tasks (memory its allocator kept)


class CpuTimeExceeded(BaseException):
    """Raised in a worker by SIGXCPU. A BaseException, so no ``except Exception`` in the work swallows it."""


class WorkRefused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def _on_sigxcpu(signum: int, frame: FrameType | None) -> None:
    raise CpuTimeExceeded()


def _start_worker(memory_bytes: int, niceness: int, preload: tuple[str, ...]) -> None:
    for module in preload:  # imported before the limit, and once per worker rather than in the first task
        importlib.import_module(module)
    if niceness:
        os.nice(niceness)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:  # in a container whose memory runs out, the kernel's OOM killer takes a worker, not the service
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write("1000")
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGXCPU, _on_sigxcpu)


def _run_task(fn: Callable[..., T], args: tuple[Any, ...], cpu_seconds: float) -> T:
    """In the worker: ``fn(*args)`` with RLIMIT_CPU set to the CPU this process has used plus the budget."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + cpu_seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    try:
        return fn(*args)
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


class BoundedWorker:
    """A small pool of limited worker processes; started at the first task, stopped by ``close``."""

    def __init__(self, limits: WorkerLimits | None = None, *, preload: tuple[str, ...] = ()) -> None:
        self.limits = limits or WorkerLimits()
        self.preload = preload
        self._pool: ProcessPool | None = None
        self._admitted = 0

    def _started(self) -> ProcessPool:
        if self._pool is None:
            limits = self.limits
            self._pool = ProcessPool(max_workers=limits.workers, max_tasks=limits.max_tasks,
                                     initializer=_start_worker,
                                     initargs=(limits.memory_bytes, limits.niceness, self.preload),
                                     context=multiprocessing.get_context("spawn"))
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker (``fn`` and the arguments must pickle); raises WorkRefused at a limit."""
        limits = self.limits
        if self._admitted >= limits.workers + limits.queue:
            raise Unavailable("The workers that parse files are all busy; retry shortly.", slug="worker-busy",
                              retry_after=10)
        self._admitted += 1
        try:
            future = self._started().schedule(_run_task, args=(fn, args, limits.seconds),
                                              timeout=limits.seconds + WALL_GRACE_SECONDS)
            try:
                # Cancelled (the client went away), the future's task is cancelled and its worker stopped.
                return await asyncio.wrap_future(future)
            except CpuTimeExceeded:
                raise WorkRefused("time", f"the work used more than {limits.seconds:g} s of CPU") from None
            except FutureTimeout:
                raise WorkRefused("time", f"the work ran longer than {limits.seconds:g} s") from None
            except MemoryError:
                raise WorkRefused("memory", f"the work needed more than {limits.memory_bytes // MIB} MiB") from None
            except ProcessExpired as exc:
                raise WorkRefused("crashed", f"the worker ended abnormally (exit code {exc.exitcode})") from None
        finally:
            self._admitted -= 1

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            await asyncio.to_thread(pool.join)
