"""Numbers, money and dates as the page's language writes them (Babel, CLDR data), as Jinja filters.

The APIs answer in ISO forms (``10000``, ``"0.50"``, ``"2025-03-01"``, UTC timestamps); a person reads
``10,000``, ``¥0.50`` and the date of the calendar in Beijing: every timestamp is shown in Asia/Shanghai, since
the registration measures count their days there (DOMAIN §1) and a UTC date is the previous day before 08:00.
Values that are not what a filter expects are shown unchanged rather than failing the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

__all__ = ["BABEL_LOCALES", "TIMEZONE", "as_date", "install_filters"]

BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}
TIMEZONE = ZoneInfo("Asia/Shanghai")


def _locale(context: Context) -> str:
    return BABEL_LOCALES.get(context.get("lang", "zh"), BABEL_LOCALES["zh"])


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _instant(value: Any) -> datetime | None:
    """A timestamp of the APIs (ISO 8601, naive means UTC) in Beijing time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(TIMEZONE)


def as_date(value: Any) -> date | None:
    """A calendar date: a plain date as given; a timestamp as its date in Beijing."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    instant = _instant(value)
    return instant.date() if instant else None


@pass_context
def number(context: Context, value: Any, digits: int | None = None) -> Any:
    amount = _decimal(value)
    if amount is None:
        return value
    fmt = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(amount, format=fmt, locale=_locale(context), decimal_quantization=digits is not None)


@pass_context
def money(context: Context, value: Any) -> Any:
    """An amount in yuan (CNY), with at least two decimals, at most the four prices may carry."""
    amount = _decimal(value)
    if amount is None:
        return value
    places = max(2, min(4, -amount.normalize().as_tuple().exponent))
    return format_currency(amount, "CNY", format="¤#,##0." + "0" * places, locale=_locale(context),
                           currency_digits=False)


@pass_context
def day(context: Context, value: Any, form: str = "medium") -> Any:
    shown = as_date(value)
    return format_date(shown, form, locale=_locale(context)) if shown else (value or "")


@pass_context
def moment(context: Context, value: Any, form: str = "medium") -> Any:
    instant = _instant(value)
    return format_datetime(instant, form, tzinfo=TIMEZONE, locale=_locale(context)) if instant else (value or "")


def install_filters(env: Environment) -> None:
    env.filters.update(number=number, money=money, day=day, moment=moment)
