"""Value score of a product or resource: GB/T 36344 quality dimensions, demand, breadth (DOMAIN §4.2)."""

from datetime import date

from services.scoring.contract import Product, Resource
from services.scoring.products.value import ValueInputs, score_value

RESOURCE = dict(id="r", org_id="o", org_name="交通委", region_code="310000", status="registered", name="企业登记",
                description="d", data_items=[{"name": "a"}], scale="1e6 rows", update_frequency="daily",
                quality="ok", sharing_attribute="conditional", opening_attribute="conditional", grading="general",
                source="s", lawful_basis="l", security_assessment={"risk_level": "low"},
                data_updated_on=date(2025, 6, 1), created_at="2025-01-01T00:00:00Z",
                updated_at="2025-01-01T00:00:00Z")
REGISTERED_RESOURCE = Resource(**RESOURCE)


def _product(**over) -> Product:
    return Product(**{"id": "p", "org_id": "op", "org_name": "运营", "region_code": "310000", "status": "registered",
                      "name": "p", "description": "d", "form": "api", "resource_ids": ["r"],
                      "scenarios": ["credit", "tax"], "use_type": "industry", "conditions_of_use": "c",
                      "delivered_at": None, "prices": [], "created_at": "2025-01-01T00:00:00Z",
                      "updated_at": "2025-01-01T00:00:00Z", **over})


def test_timeliness_is_the_age_of_the_last_data_update_against_the_declared_frequency():
    fresh = score_value(ValueInputs(REGISTERED_RESOURCE, date(2025, 6, 1)))
    stale = score_value(ValueInputs(REGISTERED_RESOURCE, date(2025, 6, 11)))
    assert fresh["quality"]["timeliness"] == 1.0 and stale["quality"]["timeliness"] == 0.1
    assert stale["total"] < fresh["total"]
    # The registry record being edited is not the data being refreshed: only a reported update counts.
    never = Resource(**{**RESOURCE, "data_updated_on": None, "updated_at": "2025-06-11T00:00:00Z"})
    assert score_value(ValueInputs(never, date(2025, 6, 11)))["quality"]["timeliness"] == 0.0
    monthly = Resource(**{**RESOURCE, "update_frequency": "monthly"})
    assert score_value(ValueInputs(monthly, date(2025, 6, 30)))["quality"]["timeliness"] == 1.0
    static = Resource(**{**RESOURCE, "update_frequency": "static"})
    assert score_value(ValueInputs(static, date(2030, 1, 1)))["quality"]["timeliness"] == 1.0


def test_a_products_timeliness_is_its_sources_mean():
    old = Resource(**{**RESOURCE, "id": "r2", "data_updated_on": date(2025, 5, 22)})  # 10 days before
    inputs = ValueInputs(_product(resource_ids=["r", "r2"]), date(2025, 6, 1), resources=[REGISTERED_RESOURCE, old])
    assert score_value(inputs)["quality"]["timeliness"] == 0.55


def test_open_compliance_records_lower_conformity():
    clean = score_value(ValueInputs(REGISTERED_RESOURCE, date(2025, 6, 1)))
    flagged = score_value(ValueInputs(REGISTERED_RESOURCE, date(2025, 6, 1), open_compliance=1))
    assert clean["quality"]["conformity"] == 1.0 and flagged["quality"]["conformity"] == 0.5


def test_completeness_is_the_share_of_registration_materials_filled_in():
    partial = Resource(**{**RESOURCE, "scale": "", "lawful_basis": "", "security_assessment": {}})
    assert score_value(ValueInputs(partial, date(2025, 6, 1)))["quality"]["completeness"] == 0.75


def test_demand_grows_with_agreements_volume_and_revenue():
    product = _product()
    idle = score_value(ValueInputs(product, date(2025, 6, 1), resources=[REGISTERED_RESOURCE]))
    used = score_value(ValueInputs(product, date(2025, 6, 1), resources=[REGISTERED_RESOURCE],
                                   agreements=2, volume=10_000, revenue=500_000))
    assert idle["demand"]["score"] == 0.0 and used["demand"]["score"] > 0.4
    assert used["breadth"]["count"] == 2 and used["quality"]["consistency"] == 1.0
