"""The numbers of the registration measures, kept as settings where the law leaves room (DOMAIN §1).

Env: ``PDR_REGISTRATION_<FIELD>``. Defaults are the figures of 发改数据规〔2025〕26号.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["RegistrationRules"]


class RegistrationRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_REGISTRATION_", extra="ignore")

    # Art. 9(1): first registration within 20 working days of operation start / product delivery.
    first_filing_working_days: int = Field(20, ge=1)
    # Art. 9(1): operations existing before the measures took effect register within 30 working days of it.
    measures_in_force_on: date = date(2025, 3, 1)
    existing_operation_working_days: int = Field(30, ge=1)
    acceptance_working_days: int = Field(3, ge=1)  # Art. 10
    review_working_days: int = Field(20, ge=1)  # Art. 11
    notice_working_days: int = Field(10, ge=1)  # Art. 12
    cancellation_working_days: int = Field(10, ge=1)  # Art. 9(4)
    # Art. 9: a change registration is due "promptly" after a material change; the number is not in the text
    # (DOMAIN §1: configurable, default 20 working days from the day the change happened).
    change_filing_working_days: int = Field(20, ge=1)
    validity_years: int = Field(3, ge=1)  # Art. 15
    renewal_window_calendar_days: int = Field(60, ge=1)  # Art. 15
    renewal_max_years: int = Field(3, ge=1)  # Art. 15
    # Art. 13: the national coding rule is not public; the format is a setting. Fields: {year}, {kind}
    # (R resource / P product), {region} (6-digit division code) and {serial}; a check character follows.
    code_format: str = "PDR{year}{kind}{region}{serial:08d}"
    # The code series is counted per value of this template (a counter row each), e.g. per year.
    code_series: str = "{year}"
