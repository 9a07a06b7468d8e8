"""Controlled vocabularies shared by the DCAT-AP export and import: our values ↔ EU authority tables.

Rules as data: the mapping of update frequencies and opening attributes to the Publications Office's
authority tables (frequency, access-right) lives here, in one place, read both ways.
"""

from __future__ import annotations

__all__ = ["ACCESS_RIGHTS", "EU_ACCESS_RIGHT", "EU_FREQUENCY", "FREQUENCIES", "FORM_LABELS", "frequency_code"]

EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
EU_LANGUAGE_ZH = "http://publications.europa.eu/resource/authority/language/ZHO"

# Our update-frequency words (English codes and the Chinese an agency writes) → EU frequency code.
FREQUENCIES: dict[str, str] = {
    "realtime": "UPDATE_CONT", "real-time": "UPDATE_CONT", "实时": "UPDATE_CONT",
    "hourly": "HOURLY", "每小时": "HOURLY",
    "daily": "DAILY", "每日": "DAILY", "每天": "DAILY", "日": "DAILY",
    "weekly": "WEEKLY", "每周": "WEEKLY", "周": "WEEKLY",
    "monthly": "MONTHLY", "每月": "MONTHLY", "月": "MONTHLY",
    "quarterly": "QUARTERLY", "每季度": "QUARTERLY", "季度": "QUARTERLY",
    "semiannual": "ANNUAL_2", "每半年": "ANNUAL_2", "半年": "ANNUAL_2",
    "annual": "ANNUAL", "yearly": "ANNUAL", "每年": "ANNUAL", "年": "ANNUAL",
    "irregular": "IRREG", "不定期": "IRREG",
    "never": "NEVER", "不更新": "NEVER",
}
# EU code → the canonical value we store when importing.
FREQUENCY_FROM_EU = {"UPDATE_CONT": "realtime", "HOURLY": "hourly", "DAILY": "daily", "WEEKLY": "weekly",
                     "MONTHLY": "monthly", "QUARTERLY": "quarterly", "ANNUAL_2": "semiannual", "ANNUAL": "annual",
                     "IRREG": "irregular", "NEVER": "never"}

# Opening attribute (开放属性) → EU access right: unconditional opening is public, conditional is restricted.
ACCESS_RIGHTS = {"unconditional": "PUBLIC", "conditional": "RESTRICTED", "not": "NON_PUBLIC"}
OPENING_FROM_EU = {v: k for k, v in ACCESS_RIGHTS.items()}
ACCESS_LABELS = {"unconditional": "无条件开放", "conditional": "有条件开放", "not": "不予开放"}

FORM_LABELS = {"dataset": "数据集", "api": "数据接口", "model": "数据模型", "report": "数据报告", "application": "数据应用"}


def frequency_code(value: str | None) -> str | None:
    return FREQUENCIES.get((value or "").strip().lower())
