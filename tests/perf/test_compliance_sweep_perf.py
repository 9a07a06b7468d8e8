"""Benchmark: a compliance sweep costs a constant number of SQL statements whatever the number of subjects
(no N+1), and its time grows about linearly. Baseline: the same sweep over 10× fewer subjects, same run.

Run: .venv/bin/pytest tests/perf/test_compliance_sweep_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from sqlalchemy import event, insert

from services.kernel.timeutil import china_today, new_id, utcnow
from services.registry.compliance.engine import sweep
from services.registry.operation.models import Agreement, AgreementProduct, AgreementResource, OperatorSelection, Plan
from services.registry.pricing.models import PriceRecord
from services.registry.registration.models import Product, Resource

ON = china_today()  # after 31 March: the 2025 reports are overdue


async def seed(db, n: int, tag: str) -> None:
    """n operators, each with an active agreement, a product priced above its ceiling, and no annual report."""
    now, today = utcnow(), china_today()
    async with db.sessions.begin() as s:
        resource = Resource(org_id=f"agency-{tag}", org_name="a", name="r", sharing_attribute="conditional",
                            opening_attribute="conditional", grading="general", region_code="110000",
                            status="registered")
        plan = Plan(name="p", region_code="110000", authorizer_name="a", implementing_org_id=f"body-{tag}",
                    implementing_org_name="b", mode="whole", items={}, status="filed", created_by="bench")
        s.add_all([resource, plan])
        await s.flush()
        products, selections, agreements, links, prices = [], [], [], [], []
        for i in range(n):
            op = f"op-{tag}-{i}"
            pid, sid, aid = new_id(), new_id(), new_id()
            products.append(dict(id=pid, org_id=op, org_name="o", name=f"p{i}", form="api", use_type="industry",
                                 status="registered", region_code="110000", created_at=now, updated_at=now,
                                 joint_org_ids=[], joint_org_names=[], resource_ids=[], scenarios=[],
                                 description="", conditions_of_use="", domain=""))
            selections.append(dict(id=sid, plan_id=plan.id, operator_org_id=op, operator_org_name="o",
                                   method="negotiation", method_description="", decided_on=date(2025, 1, 1),
                                   evidence=[], recorded_by="bench", created_at=now))
            agreements.append(dict(id=aid, plan_id=plan.id, selection_id=sid, implementing_org_id=f"body-{tag}",
                                   operator_org_id=op, operator_org_name="o", region_code="110000", mode="whole",
                                   starts_on=date(2025, 3, 1), ends_on=date(2028, 2, 28), terms={},
                                   status="active", version=1, signed_on=date(2025, 2, 20),
                                   plan_approved_on=date(2025, 1, 1), plan_filed_on=date(2025, 1, 2),
                                   created_by="bench", created_at=now, updated_at=now))
            links.append(("r", dict(id=new_id(), agreement_id=aid, resource_id=resource.id)))
            links.append(("p", dict(id=new_id(), agreement_id=aid, product_id=pid)))
            for layer, price in (("ceiling", "0.04"), ("operator", "0.05")):
                prices.append(dict(id=new_id(), product_id=pid, layer=layer, kind=layer if layer == "ceiling"
                                   else "specific", billing_unit="per_call",
                                   tiers=[{"up_to": None, "unit_price": price}], unit_price=Decimal(price),
                                   effective_from=today, effective_to=None, basis="b", set_by="bench",
                                   set_by_org="x", set_by_org_name="x", created_at=now))
        await s.execute(insert(Product), products)
        await s.execute(insert(OperatorSelection), selections)
        await s.execute(insert(Agreement), agreements)
        await s.execute(insert(AgreementResource), [v for k, v in links if k == "r"])
        await s.execute(insert(AgreementProduct), [v for k, v in links if k == "p"])
        await s.execute(insert(PriceRecord), prices)


async def measure(db) -> tuple[float, int, int]:
    """(seconds, statements) of a steady-state sweep: the first sweep opens findings, the second is measured."""
    async with db.sessions.begin() as s:
        first = await sweep(s, None, ON)
    count = 0

    def on_execute(conn, cursor, statement, *args):
        nonlocal count
        # The in-process scoring app polls the registry's change feed in the background: not ours to count.
        count += "ledger_entries" not in statement

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        start = time.perf_counter()
        async with db.sessions.begin() as s:
            second = await sweep(s, None, ON)
        elapsed = time.perf_counter() - start
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
    assert second.opened == 0 and second.resolved == 0
    return elapsed, count, first.opened


async def test_sweep_statements_stay_constant_and_time_grows_linearly(registry_client, apps):
    db = apps.registry.state.db
    await seed(db, 100, "small")
    small_t, small_q, small_opened = await measure(db)
    await seed(db, 1000, "large")  # 1 100 subjects in all
    large_t, large_q, large_opened = await measure(db)
    print(f"\nsweep over 100 operators: {small_t * 1000:.1f} ms, {small_q} statements, {small_opened} findings opened")
    print(f"sweep over 1100 operators: {large_t * 1000:.1f} ms, {large_q} statements, {large_opened} findings opened")
    print(f"time ratio {large_t / small_t:.2f} for 11× the subjects")
    assert small_opened >= 200 and large_opened == 10 * small_opened  # a price and each missing report
    assert large_q == small_q  # no statement per subject
    assert large_t / small_t < 30  # linear would be ~11; quadratic would be ~121
