"""Check characters of query codes (Art. 13), validity and renewal windows (Art. 15), version diffs."""

from __future__ import annotations

from datetime import date

import pytest

from services.kernel.problems import Unprocessable
from services.registry.registration.codes import ALPHABET, check_character, is_valid_code
from services.registry.registration.history import diff_snapshots
from services.registry.registration.rules import RegistrationRules
from services.registry.registration.validity import (
    first_validity,
    renewal_validity,
    require_renewal_window,
)

BODY = "PDR2026R11000000000042"
RULES = RegistrationRules()


def test_check_character_catches_every_single_substitution():
    code = BODY + check_character(BODY)
    assert is_valid_code(code)
    for i in range(len(code)):
        for char in ALPHABET:
            if char != code[i]:
                assert not is_valid_code(code[:i] + char + code[i + 1:])


def test_check_character_catches_adjacent_transpositions():
    code = BODY + check_character(BODY)
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            assert not is_valid_code(code[:i] + code[i + 1] + code[i] + code[i + 2:])


def test_validity_is_three_years_from_coding_or_a_shorter_agreement():
    assert first_validity(date(2026, 3, 2), RULES, None) == (date(2026, 3, 2), date(2029, 3, 1))
    assert first_validity(date(2028, 2, 29), RULES, None)[1] == date(2031, 2, 27)
    assert first_validity(date(2026, 3, 2), RULES, date(2027, 6, 30))[1] == date(2027, 6, 30)


def test_renewal_runs_at_most_three_years_from_the_day_after_expiry():
    assert renewal_validity(date(2029, 3, 1), RULES, None) == (date(2029, 3, 2), date(2032, 3, 1))


def test_renewal_window_is_sixty_calendar_days_before_expiry():
    expires = date(2029, 3, 1)
    require_renewal_window(date(2028, 12, 31), expires, RULES)  # 60 days before
    require_renewal_window(expires, expires, RULES)
    for day in (date(2028, 12, 30), date(2029, 3, 2)):
        with pytest.raises(Unprocessable):
            require_renewal_window(day, expires, RULES)


def test_diff_lists_each_changed_field_once():
    assert diff_snapshots({"a": 1, "b": [1], "c": "x"}, {"a": 1, "b": [1, 2], "d": "y"}) == [
        {"field": "b", "from": [1], "to": [1, 2]}, {"field": "c", "from": "x", "to": None},
        {"field": "d", "from": None, "to": "y"}]
