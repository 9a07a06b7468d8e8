"""Reads that tolerate staleness go to a PostgreSQL streaming replica; the caller who just wrote reads its write.

A service given ``PDR_<SERVICE>_READ_DATABASE_URL`` (a hot standby of its database) opens a second
``Database`` on it. ``ReadRouting`` (an ASGI middleware) then picks, per request, which one the routes'
``SessionDep``/``DatabaseDep`` get (kernel.db reads the choice from the request scope):

- Only the route families in ``REPLICA_FAMILIES`` may read from the standby, and only with a safe method.
  Everything else, every write and every read that takes a lock or writes beside it, stays on the primary.
  Routes that open ``app.state.db`` themselves also stay on the primary.
- **Read-your-writes.** After a writing request succeeds, the primary's WAL insert position
  (``pg_current_wal_insert_lsn()``: past that commit's record, even one committed asynchronously) is recorded
  for its caller (the token's subject, else the client address) in the shared store the rate budgets use
  (``rate_limit_storage``: memory in one process, Redis for replicas behind a load balancer). That caller's
  eligible reads go to the primary until the standby's ``pg_last_wal_replay_lsn()`` has passed the recorded
  position, or at most ``read_pin_seconds``.
- **Health.** A poller reads the primary's position and the standby's replay position every
  ``read_poll_seconds``. The lag is how long ago the primary stood at a position the standby has not replayed
  yet; beyond ``read_max_lag_seconds``, or when the standby does not answer, every read goes to the primary
  (``pdr_db_reads_total{engine="primary",reason="standby-lagging"|"standby-down"}``). A read that the
  standby fails (5xx) before a byte was sent is answered again from the primary.

The pin window must outlast the lag bound: a standby within the bound has replayed everything older than it,
so a pin that expires later cannot expose a stale read. SQLite has no replica: the setting is ignored (logged).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING

import asyncpg
from limits.aio.storage import MemoryStorage, Storage
from prometheus_client import Counter, Gauge
from sqlalchemy.engine import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import ROUTED_DATABASE, Database
from .limits import async_storage
from .problems import Problem

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .security import Principal
    from .settings import ServiceSettings

__all__ = ["REPLICA_FAMILIES", "ReadRouter", "ReadRouting", "install_read_routing", "start_read_routing",
           "stop_read_routing"]

log = logging.getLogger("pdr.replicas")

# Path prefixes whose safe reads may be served by the standby, per service. A prefix is listed when its reads
# are public or shared views that a second of lag cannot mislead (the caller's own writes are pinned anyway):
# - registry: the catalogue (search, facets, figures, DCAT records and the whole catalogue as RDF, exports; not
#   /catalog/import, the caller's own jobs), the Atom feeds and sitemap records, the price list, public notices
#   and disclosures. The ledger stays on the primary: a proof must match the tree head the caller got from the
#   primary a moment earlier; so does the change feed (its consumer's cursor must not go back) and GraphQL,
#   whose every operation by a signed-in caller is logged in the request's own transaction
#   (graphql.extensions.QueryLogger), a write.
# - scoring: indicator models, value scores and contests (published reference data).
# - auth: nothing (sign-in and tokens read what was just written).
REPLICA_FAMILIES: dict[str, tuple[str, ...]] = {
    "registry": ("/catalog/search", "/catalog/facets", "/catalog/figures", "/catalog/resources/",
                 "/catalog/products/", "/catalog/regions/", "/catalog/licences/", "/catalog/export", "/catalog.",
                 "/feeds/", "/price-list", "/public/"),
    "scoring": ("/indicator-models", "/value-scores", "/contests"),
}

SAFE = frozenset({"GET", "HEAD"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LSN_PRIMARY = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"
_LSN_STANDBY = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"


class PinStore:
    """The WAL position each caller must see, in the ``limits`` storage (memory or shared Redis).

    ``limits`` storages keep integer counters whose expiry is set when the key is created, so a pin lives in
    the key of the current time bucket (``window`` seconds wide, kept for two windows) and is raised to the new
    position by adding the difference; a read looks at this bucket and the one before. A pin thus lasts
    between one and two windows after the last write. Two writes of one caller racing can add up to more than
    either position: the caller then reads from the primary until the pin expires, never from a stale standby.
    """

    def __init__(self, storage: Storage, window: float, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.window = window
        self.clock = clock

    def _keys(self, caller: str, now: float) -> tuple[str, str]:
        bucket = math.floor(now / self.window)
        return f"pdr-read-pin:{caller}:{bucket}", f"pdr-read-pin:{caller}:{bucket - 1}"

    async def record(self, caller: str, lsn: int) -> None:
        key, _ = self._keys(caller, self.clock())
        held = await self.storage.get(key)
        if lsn > held:
            await self.storage.incr(key, math.ceil(2 * self.window), amount=lsn - held)

    async def position(self, caller: str) -> int:
        current, previous = self._keys(caller, self.clock())
        return max(await self.storage.get(current), await self.storage.get(previous))


class StandbyHealth:
    """What the poller last saw: is the standby usable, how far has it replayed, how far behind is it."""

    def __init__(self, max_lag: float) -> None:
        self.max_lag = max_lag
        self.up = False
        self.replayed = 0
        self.lag = math.inf
        self._seen: deque[tuple[float, int]] = deque(maxlen=4096)  # (when, primary position)
        self.answered = 0.0  # when the last poll was answered

    def observe(self, primary: int, replayed: int, now: float) -> None:
        self.up = True
        self.replayed = replayed
        self.answered = now
        self._seen.append((now, primary))
        while self._seen and self._seen[0][1] <= replayed:
            self._seen.popleft()
        self.lag = now - self._seen[0][0] if self._seen else 0.0

    def unanswered(self, now: float) -> None:
        """A poll that timed out (a busy machine, not a refused connection): what the standby has replayed since
        is unknown, so it counts as replaying nothing; past the lag bound, reads go to the primary."""
        if self.up:
            self.lag = now - (self._seen[0][0] if self._seen else self.answered)

    def down(self) -> None:
        self.up = False
        self.lag = math.inf

    @property
    def refusal(self) -> str | None:
        """Why the standby may not serve reads now, or None."""
        if not self.up:
            return "standby-down"
        if self.lag > self.max_lag:
            return "standby-lagging"
        return None


class _Probe:
    """The poller's own connection to one server. Under load every pooled connection may be serving a request;
    a poller waiting for one would time out and call a healthy standby down."""

    def __init__(self, url: URL) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn: asyncpg.Connection | None = None

    async def fetchrow(self, sql: str) -> asyncpg.Record:
        if self.conn is None or self.conn.is_closed():
            self.conn = await asyncpg.connect(self.dsn, server_settings={"application_name": "pdr-replica-poll"})
        try:
            row = await self.conn.fetchrow(sql)
        except BaseException:  # cut off or failed: the connection's state is unknown, the next poll opens another
            self.close()
            raise
        if row is None:  # a SELECT without FROM returns one row
            raise asyncpg.InterfaceError(f"no row from {sql!r}")
        return row

    def close(self) -> None:
        if self.conn is not None:
            self.conn.terminate()
            self.conn = None


class ReadRouter:
    def __init__(self, app: FastAPI, settings: ServiceSettings, primary: Database, replica: Database) -> None:
        self.primary = primary
        self.replica = replica
        self.families = REPLICA_FAMILIES.get(settings.service_name, ())
        self.poll_seconds = settings.read_poll_seconds
        self.health = StandbyHealth(settings.read_max_lag_seconds)
        storage = async_storage(settings.rate_limit_storage) if settings.rate_limit_storage else MemoryStorage()
        self.pins = PinStore(storage, settings.read_pin_seconds)
        self.service = settings.service_name
        registry = app.state.metrics.registry
        self.reads = Counter("pdr_db_reads_total", "Eligible reads by the database that served them and why",
                             ["service", "engine", "reason"], registry=registry)
        self.lag_gauge = Gauge("pdr_db_replica_lag_seconds", "How far the read replica is behind the primary",
                               ["service"], registry=registry)
        self.up_gauge = Gauge("pdr_db_replica_up", "1 while the read replica answers the poller", ["service"],
                              registry=registry)
        self._poller: asyncio.Task[None] | None = None
        self._probes = (_Probe(primary.engine.url), _Probe(replica.engine.url))
        self._autocommit = primary.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._wake = asyncio.Event()

    def eligible(self, method: str, path: str) -> bool:
        return method in SAFE and bool(self.families) and path.startswith(self.families)

    async def choose(self, caller: str) -> tuple[Database, str]:
        refusal = self.health.refusal
        if refusal is not None:
            return self.primary, refusal
        if await self.pins.position(caller) > self.health.replayed:
            return self.primary, "pinned"
        return self.replica, "replica"

    def count(self, engine: str, reason: str) -> None:
        self.reads.labels(self.service, engine, reason).inc()

    async def record_write(self, caller: str) -> None:
        # Autocommit: one round trip, no BEGIN/ROLLBACK around the one SELECT.
        async with self._autocommit.connect() as conn:
            lsn = (await conn.exec_driver_sql(_LSN_PRIMARY)).scalar_one()
        await self.pins.record(caller, int(lsn))

    def suspect(self) -> None:
        """The standby just failed a read: stop routing to it until the poller sees it answer again."""
        self.health.down()
        self._show()
        self._wake.set()

    def _show(self) -> None:
        self.up_gauge.labels(self.service).set(1 if self.health.up else 0)
        self.lag_gauge.labels(self.service).set(self.health.lag if math.isfinite(self.health.lag) else -1)

    async def poll_once(self) -> None:
        try:
            async with asyncio.timeout(max(1.0, 4 * self.poll_seconds)):
                primary = int((await self._probes[0].fetchrow(_LSN_PRIMARY))[0])
                recovering, replayed = await self._probes[1].fetchrow(_LSN_STANDBY)
        except TimeoutError:
            self.health.unanswered(time.monotonic())
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # no position: do not trust it
            if self.health.up:
                log.warning("read replica unusable, reads go to the primary: %s", type(exc).__name__)
            self.health.down()
        else:
            if not recovering or replayed is None:  # promoted, or not a streaming standby: reads stay on the primary
                if self.health.up:
                    log.warning("read database is not a standby in recovery; reads go to the primary")
                self.health.down()
            else:
                if not self.health.up:
                    log.info("read replica answers; eligible reads go to it")
                self.health.observe(primary, int(replayed), time.monotonic())
        self._show()

    async def _poll(self) -> None:
        while True:
            try:
                await self.poll_once()
            except Exception:  # the poller outlives any failure; until it sees the standby again, no reads go there
                log.exception("read replica poll failed; reads go to the primary")
                self.health.down()
                self._show()
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def start(self) -> None:
        await self.poll_once()
        self._poller = asyncio.create_task(self._poll(), name="read-replica-poll")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        for probe in self._probes:
            probe.close()
        await self.replica.dispose()


def install_read_routing(app: FastAPI, settings: ServiceSettings) -> None:
    """The routing middleware, innermost (after idempotency, so a replayed answer pins nothing), and only with a
    read replica configured for a service that has routes for it: otherwise no request pays for it."""
    app.state.read_router = None
    if settings.read_database_url and REPLICA_FAMILIES.get(settings.service_name):
        app.add_middleware(ReadRouting)


async def start_read_routing(app: FastAPI) -> None:
    """``app.state.read_router``: the router for the read database, polling; None (reads stay on the primary)
    without one. A lifespan hook, run once the primary ``Database`` is open."""
    settings: ServiceSettings = app.state.settings
    url = settings.read_database_url
    app.state.read_router = None
    if not url:
        return
    primary: Database = app.state.db
    if primary.is_sqlite or url.startswith("sqlite"):
        log.warning("read_database_url ignored: SQLite has no streaming replica; every read uses the one database")
        return
    if not REPLICA_FAMILIES.get(settings.service_name):
        log.warning("read_database_url ignored: no route of %s reads from a replica", settings.service_name)
        return
    replica = Database(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                       application_name=f"pdr-{settings.service_name}-replica")
    router = ReadRouter(app, settings, primary, replica)
    await router.start()
    app.state.read_router = router


async def stop_read_routing(app: FastAPI) -> None:
    router: ReadRouter | None = getattr(app.state, "read_router", None)
    if router is not None:
        await router.stop()
        app.state.read_router = None


def caller_of(scope: Scope) -> str:
    """The caller a pin belongs to: the verified token's subject, else the client's address."""
    principal = scope.get("pdr.principal")
    if principal is not None:
        return f"sub:{principal.subject}"
    client = scope.get("client")
    return f"addr:{client[0] if client else '-'}"


async def _principal(scope: Scope) -> Principal | None:
    """The bearer token's principal (the verifier's cache answers it: the front door verified it already)."""
    verifier = getattr(scope["app"].state, "verifier", None)
    if verifier is None:
        return None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            try:
                principal: Principal = await verifier.verify(token.strip())
                return principal
            except Problem:  # an invalid token is the route's business; here it is just not a caller
                return None
    return None


class ReadRouting:
    """Per request: the database eligible reads use; after a successful write, the caller's pin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router: ReadRouter | None = getattr(scope["app"].state, "read_router", None) if scope["type"] == "http" \
            else None
        if router is None:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if router.eligible(method, path):
            await self._read(router, scope, receive, send)
        elif method in WRITES:
            await self._write(router, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _caller(self, scope: Scope) -> str:
        if "pdr.principal" not in scope:
            scope["pdr.principal"] = await _principal(scope)
        return caller_of(scope)

    async def _read(self, router: ReadRouter, scope: Scope, receive: Receive, send: Send) -> None:
        database, reason = await router.choose(await self._caller(scope))
        if database is router.primary:
            router.count("primary", reason)
            await self.app(scope, receive, send)
            return
        scope[ROUTED_DATABASE] = database
        failed = False

        async def guarded(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] >= 500:
                failed = True
            if not failed:
                await send(message)

        await self.app(scope, receive, guarded)
        if not failed:
            router.count("replica", "replica")
            return
        # The standby failed this read (a dead connection is a 503, a driver error from the keyed reader's own
        # pool may be a 500) before anything was sent: answer it from the primary (a GET has no body to re-read).
        router.suspect()
        router.count("primary", "standby-down")
        scope[ROUTED_DATABASE] = router.primary
        await self.app(scope, _body_then(receive), send)

    async def _write(self, router: ReadRouter, scope: Scope, receive: Receive, send: Send) -> None:
        async def pinning(message: Message) -> None:
            # Before the caller hears of its write, its next reads are pinned to a position that includes it.
            if message["type"] == "http.response.start" and message["status"] < 400:
                try:
                    await router.record_write(await self._caller(scope))
                # Whatever failed (the database, the shared store), the write stands and must be answered as such;
                # without a pin its reads could lag, so every read goes to the primary until the next poll.
                except Exception:  # noqa: BLE001
                    log.warning("could not record the write position; reads go to the primary for a poll")
                    router.suspect()
            await send(message)

        await self.app(scope, receive, pinning)


def _body_then(receive: Receive) -> Receive:
    """An empty body once (the first attempt read it), then the connection's own messages (its disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return replay
