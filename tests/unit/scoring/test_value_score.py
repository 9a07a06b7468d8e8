"""Value score of a product or resource: GB/T 36344 quality dimensions, demand, breadth (DOMAIN §4.2)."""

from datetime import date

from services.scoring.products.value import ValueInputs, score_value

REGISTERED_RESOURCE = {"id": "r", "name": "企业登记", "description": "d", "data_items": ["a"], "scale": "1e6 rows",
                       "update_frequency": "daily", "quality": "ok", "sharing_attribute": "conditional",
                       "opening_attribute": "conditional", "grading": "general", "source": "s", "lawful_basis": "l",
                       "security_assessment": {"done": True}, "status": "registered",
                       "updated_at": "2025-06-01T00:00:00Z"}


def test_timeliness_falls_when_a_daily_resource_was_not_updated_for_ten_days():
    fresh = score_value(ValueInputs("resource", REGISTERED_RESOURCE, date(2025, 6, 1)))
    stale = score_value(ValueInputs("resource", REGISTERED_RESOURCE, date(2025, 6, 11)))
    assert fresh["quality"]["timeliness"] == 1.0 and stale["quality"]["timeliness"] == 0.1
    assert stale["total"] < fresh["total"]


def test_open_compliance_records_lower_conformity():
    clean = score_value(ValueInputs("resource", REGISTERED_RESOURCE, date(2025, 6, 1)))
    flagged = score_value(ValueInputs("resource", REGISTERED_RESOURCE, date(2025, 6, 1), open_compliance=1))
    assert clean["quality"]["conformity"] == 1.0 and flagged["quality"]["conformity"] == 0.5


def test_completeness_is_the_share_of_registration_materials_filled_in():
    partial = {**REGISTERED_RESOURCE, "scale": "", "lawful_basis": "", "security_assessment": {}}
    assert score_value(ValueInputs("resource", partial, date(2025, 6, 1)))["quality"]["completeness"] == 0.75


def test_demand_grows_with_agreements_volume_and_revenue():
    product = {"id": "p", "name": "p", "form": "api", "resource_ids": ["r"], "scenarios": ["credit", "tax"],
               "status": "registered", "updated_at": "2025-06-01T00:00:00Z"}
    idle = score_value(ValueInputs("product", product, date(2025, 6, 1), resources=[REGISTERED_RESOURCE]))
    used = score_value(ValueInputs("product", product, date(2025, 6, 1), resources=[REGISTERED_RESOURCE],
                                   agreements=2, volume=10_000, revenue=500_000))
    assert idle["demand"]["score"] == 0.0 and used["demand"]["score"] > 0.4
    assert used["breadth"]["count"] == 2 and used["quality"]["consistency"] == 1.0
