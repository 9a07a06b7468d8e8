"""Validity of a registration (Art. 15): three years from coding, or a shorter operation agreement's term;
renewal only within 60 calendar days before expiry, each renewal at most three years from the day after expiry."""

from __future__ import annotations

from datetime import date, timedelta

from services.kernel.problems import Unprocessable
from services.kernel.timeutil import add_years

from ..compliance.catalog import refuse
from .rules import RegistrationRules

__all__ = ["first_validity", "renewal_opens_on", "renewal_validity", "require_renewal_window",
           "require_validity", "validity_starts_on"]


def _cap(until: date, agreement_ends_on: date | None) -> date:
    return min(until, agreement_ends_on) if agreement_ends_on else until


def first_validity(coded_on: date, rules: RegistrationRules, agreement_ends_on: date | None) -> tuple[date, date]:
    """Valid from the coding day through the day before its anniversary (inclusive end)."""
    return coded_on, _cap(add_years(coded_on, rules.validity_years) - timedelta(days=1), agreement_ends_on)


def renewal_validity(expires_on: date, rules: RegistrationRules, agreement_ends_on: date | None) -> tuple[date, date]:
    start = expires_on + timedelta(days=1)
    return start, _cap(add_years(start, rules.renewal_max_years) - timedelta(days=1), agreement_ends_on)


def validity_starts_on(registration_type: str, coded_on: date, previous_valid_until: date | None) -> date | None:
    """The first day of validity a registration coded on ``coded_on`` gets (None: it carries the old validity).

    A first registration is valid from its coding day, a renewal from the day after the old expiry; a change or
    correction keeps the validity of the registration it replaces.
    """
    if registration_type == "first":
        return coded_on
    if registration_type == "renewal" and previous_valid_until is not None:
        return previous_valid_until + timedelta(days=1)
    return None


def require_validity(starts_on: date | None, agreement_ends_on: date | None) -> None:
    """Art. 15: a product's validity ends with its agreement; one that ended before the validity would start
    leaves no validity at all, and the registration is refused naming the rule (422)."""
    if starts_on is not None and agreement_ends_on is not None and agreement_ends_on < starts_on:
        raise refuse("REG-VALIDITY-ENDS-BEFORE-START",
                     f"the operation agreement ended on {agreement_ends_on.isoformat()}; a registration valid from "
                     f"{starts_on.isoformat()} would end before it starts",
                     agreement_ends_on=agreement_ends_on.isoformat(), valid_from=starts_on.isoformat())


def renewal_opens_on(expires_on: date, rules: RegistrationRules) -> date:
    return expires_on - timedelta(days=rules.renewal_window_calendar_days)


def require_renewal_window(today: date, expires_on: date, rules: RegistrationRules) -> None:
    opens = renewal_opens_on(expires_on, rules)
    if not opens <= today <= expires_on:
        raise Unprocessable(
            f"Renewal is filed within {rules.renewal_window_calendar_days} calendar days before expiry "
            f"({opens.isoformat()} to {expires_on.isoformat()}).",
            slug="outside-renewal-window", opens_on=opens.isoformat(), expires_on=expires_on.isoformat(),
        )
