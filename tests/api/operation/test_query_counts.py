"""No N+1: listing agreements and the public price list cost the same number of statements for 1 or 6 rows."""

from contextlib import contextmanager

from sqlalchemy import event

from services.kernel.timeutil import china_today

from .world import build_world, insert_product


@contextmanager
def counting(engine):
    seen = []

    def on_execute(conn, cursor, statement, *args):
        # Other in-process apps (the scoring feed consumer) query the registry in the background: count ours.
        if any(table in statement for table in ("operation_", "pricing_", "products", "resources")):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)


async def statements(apps, call) -> int:
    with counting(apps.registry.state.db.engine) as seen:
        r = await call()
        assert r.status_code == 200, r.text
    return len(seen)


async def test_listing_agreements_and_prices_does_not_query_per_row(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    today = str(china_today())
    await w.post(w.body, f"/products/{w.product_id}/ceilings",
                 {"billing_unit": "per_call", "unit_price": "1.00", "effective_from": today, "basis": "x"}, 201)
    await w.post(w.operator, f"/products/{w.product_id}/prices",
                 {"billing_unit": "per_call", "unit_price": "0.50", "effective_from": today, "basis": "x"}, 201)

    def list_agreements():
        return registry_client.get("/operation/agreements", headers=w.body.headers)

    def list_prices():
        return registry_client.get("/price-list")

    one = (await statements(apps, list_agreements), await statements(apps, list_prices))
    for _ in range(5):
        pid = await insert_product(apps, w.operator.org_id)
        await w.agreement("draft", product_ids=[pid])
        await w.post(w.body, f"/products/{pid}/ceilings", {"billing_unit": "per_call", "unit_price": "1.00",
                                                           "effective_from": today, "basis": "x"}, 403)
        await w.post(w.operator, f"/products/{pid}/prices", {"billing_unit": "per_call", "unit_price": "0.00",
                                                             "effective_from": today, "basis": "x"}, 201)
    six = (await statements(apps, list_agreements), await statements(apps, list_prices))
    assert len((await list_agreements()).json()) == 6 and len((await list_prices()).json()) == 6
    assert six == one
