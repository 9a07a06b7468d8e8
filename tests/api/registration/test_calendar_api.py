"""Working-day calendar data (DOMAIN §1 "Working days"): administrator-loaded years, packaged data, and
Monday–Friday marked provisional where a year has no data."""

from __future__ import annotations

from datetime import date

YEAR = 2031


async def test_an_administrator_loads_a_year_and_deadlines_follow_it(flow, mint):
    admin, agency = mint("admin"), mint("agency")
    before = await flow.client.get(f"/calendar/{YEAR}", headers=agency.headers)
    assert before.json()["source"] == "none" and before.json()["provisional"] is True
    days = [{"day": "2031-10-01", "working": False, "name": "国庆节"},
            {"day": "2031-10-02", "working": False, "name": "国庆节"},
            {"day": "2031-10-03", "working": False, "name": "国庆节"},
            {"day": "2031-09-28", "working": True, "name": "国庆节调休"}]
    loaded = await flow.client.put(f"/calendar/{YEAR}", headers=admin.headers,
                                   json={"source": "国务院办公厅关于2031年部分节假日安排的通知", "days": days})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["source"] == "database" and loaded.json()["provisional"] is False
    assert loaded.json()["working_weekend_days"] == ["2031-09-28"]
    flow.clock.set(date(2031, 9, 26))  # Friday
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    # Sunday 9-28 works, 9-29, 9-30; 10-1..10-3 off; so the 3rd working day is 9-30.
    assert filed["deadlines"]["acceptance_due_on"] == "2031-09-30"
    assert filed["deadlines"]["provisional"] is False


async def test_without_data_for_a_year_deadlines_are_monday_to_friday_and_provisional(flow, mint):
    agency = mint("agency")
    flow.clock.set(date(2033, 9, 30))  # Friday
    filed = await flow.file(agency, (await flow.resource(agency))["id"])
    assert filed["deadlines"]["acceptance_due_on"] == "2033-10-05"
    assert filed["deadlines"]["provisional"] is True


async def test_calendar_data_outside_the_year_or_repeated_is_refused(flow, mint):
    admin = mint("admin")
    outside = await flow.client.put(f"/calendar/{YEAR}", headers=admin.headers,
                                    json={"days": [{"day": "2030-12-31", "working": False}]})
    assert outside.status_code == 422
    twice = await flow.client.put(f"/calendar/{YEAR}", headers=admin.headers, json={"days": [
        {"day": "2031-05-01", "working": False}, {"day": "2031-05-01", "working": False}]})
    assert twice.status_code == 422
    nothing = await flow.client.get(f"/calendar/{YEAR}", headers=admin.headers)
    assert nothing.json()["source"] == "none"


async def test_deadlines_follow_every_load_and_reload_of_a_year(flow, mint):
    # Registration requests keep the calendar between requests (CalendarCache); a load, or a reload of the
    # same year with other days, on this replica or another, must reach the next deadline computed.
    admin, agency = mint("admin"), mint("agency")
    flow.clock.set(date(2031, 9, 26))  # Friday
    before = await flow.file(agency, (await flow.resource(agency))["id"])
    assert before["deadlines"]["acceptance_due_on"] == "2031-10-01"
    assert before["deadlines"]["provisional"] is True
    # Each due date differs from the one the previous calendar would give.
    for days, due in (([{"day": "2031-09-29", "working": False, "name": "假日"}], "2031-10-02"),
                      ([{"day": "2031-09-28", "working": True, "name": "调休"}], "2031-09-30"),
                      ([{"day": "2031-09-29", "working": False, "name": "假日"},
                        {"day": "2031-09-30", "working": False, "name": "假日"}], "2031-10-03")):
        loaded = await flow.client.put(f"/calendar/{YEAR}", headers=admin.headers, json={"days": days})
        assert loaded.status_code == 200, loaded.text
        filed = await flow.file(agency, (await flow.resource(agency))["id"])
        assert filed["deadlines"]["acceptance_due_on"] == due, days
        assert filed["deadlines"]["provisional"] is False
