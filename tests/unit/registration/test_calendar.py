"""Working days on the official calendar (DOMAIN §1): holidays, adjusted working weekends, provisional years."""

from __future__ import annotations

from datetime import date

from services.registry.registration.calendar import WorkCalendar


def test_adjusted_working_weekend_counts_and_holidays_do_not():
    calendar = WorkCalendar()
    assert calendar.is_working_day(date(2025, 9, 28))  # Sunday made a working day for National Day
    assert not calendar.is_working_day(date(2025, 10, 1))
    assert calendar.add_working_days(date(2025, 9, 26), 3).due_on == date(2025, 9, 30)
    assert calendar.add_working_days(date(2025, 9, 30), 1).due_on == date(2025, 10, 9)


def test_spring_festival_2026_and_twenty_working_days():
    calendar = WorkCalendar()
    deadline = calendar.add_working_days(date(2026, 2, 10), 20)
    assert deadline.provisional is False
    assert calendar.working_days_between(date(2026, 2, 10), deadline.due_on) == 20
    assert deadline.due_on > date(2026, 3, 10)  # the holiday week does not count


def test_a_year_without_data_is_monday_to_friday_and_provisional():
    calendar = WorkCalendar(packaged={2025})
    deadline = calendar.add_working_days(date(2025, 12, 30), 3)
    assert deadline.due_on == date(2026, 1, 2) and deadline.provisional is True
    assert calendar.add_working_days(date(2025, 12, 1), 3).provisional is False


def test_loaded_year_overrides_the_package():
    calendar = WorkCalendar(overrides={date(2026, 6, 1): False, date(2026, 6, 6): True}, loaded_years={2026})
    assert not calendar.is_working_day(date(2026, 6, 1))
    assert calendar.is_working_day(date(2026, 6, 6))
    assert not calendar.is_working_day(date(2026, 6, 7))
    assert calendar.add_working_days(date(2026, 5, 29), 2).due_on == date(2026, 6, 3)
