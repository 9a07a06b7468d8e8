"""Controlled vocabularies shared by the DCAT-AP export and import: our values ↔ EU authority tables.

Rules as data: the mapping of update frequencies and opening attributes to the Publications Office's
authority tables (frequency, access-right) lives here, in one place, read both ways.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_RIGHTS", "AGREEMENT_STATUS_LABELS", "ATTRIBUTE_ALIASES", "EU_ACCESS_RIGHT", "EU_FREQUENCY", "FORM_LABELS",
    "FREQUENCIES", "FREQUENCY_ALIASES", "FREQUENCY_FROM_EU", "GRADING_ALIASES", "IANA_MEDIA_TYPE", "LICENCES",
    "MODE_LABELS", "OPENING_FROM_EU", "PRICE_KIND_LABELS", "UNIT_LABELS", "USE_LABELS", "frequency_code",
    "licence_key",
]

EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
EU_LANGUAGE_ZH = "http://publications.europa.eu/resource/authority/language/ZHO"
IANA_MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"

# Update frequencies as stored (registration schemas' ``Frequency``) → EU frequency code, and back.
FREQUENCIES: dict[str, str] = {
    "realtime": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
    "quarterly": "QUARTERLY", "yearly": "ANNUAL", "irregular": "IRREG", "static": "NEVER",
}
FREQUENCY_FROM_EU = {code: ours for ours, code in FREQUENCIES.items()}
# What agencies write in their catalogues (Chinese) → the stored value.
FREQUENCY_ALIASES = {
    "实时": "realtime", "每日": "daily", "每天": "daily", "日": "daily", "每周": "weekly", "周": "weekly",
    "每月": "monthly", "月": "monthly", "每季度": "quarterly", "季度": "quarterly", "每年": "yearly", "年": "yearly",
    "annual": "yearly", "不定期": "irregular", "静态": "static", "不更新": "static",
}
ATTRIBUTE_ALIASES = {"无条件": "unconditional", "有条件": "conditional", "不予": "not", "无条件共享": "unconditional",
                     "有条件共享": "conditional", "不予共享": "not", "无条件开放": "unconditional",
                     "有条件开放": "conditional", "不予开放": "not"}
GRADING_ALIASES = {"一般": "general", "一般数据": "general", "重要": "important", "重要数据": "important",
                   "核心": "core", "核心数据": "core"}

# Opening attribute (开放属性) → EU access right: unconditional opening is public, conditional is restricted.
ACCESS_RIGHTS = {"unconditional": "PUBLIC", "conditional": "RESTRICTED", "not": "NON_PUBLIC"}
OPENING_FROM_EU = {v: k for k, v in ACCESS_RIGHTS.items()}
ACCESS_LABELS = {"unconditional": "无条件开放", "conditional": "有条件开放", "not": "不予开放"}

# Authorized operation as the public disclosure words it (spec Arts. 9, 18–19; pricing notice).
MODE_LABELS = {"whole": "整体授权", "domain": "分领域授权", "scenario": "依场景授权"}
AGREEMENT_STATUS_LABELS = {"active": "履行中", "suspended": "已暂停", "expired": "已到期", "terminated": "已终止"}
USE_LABELS = {"public_welfare": "公共治理、公益事业", "industry": "产业发展、行业发展"}
UNIT_LABELS = {"per_product": "按产品", "per_service": "按服务", "per_time": "按服务时长", "per_call": "按调用量"}
PRICE_KIND_LABELS = {"specific": "具体收费标准", "trial": "试行收费标准"}

FORM_LABELS = {"dataset": "数据集", "api": "数据接口", "model": "数据模型", "report": "数据报告",
               "application": "数据应用"}


def frequency_code(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return FREQUENCIES.get(FREQUENCY_ALIASES.get(value, value))


# The terms a record is offered under, as licence documents of the registry (``{base}/catalog/licences/{key}``):
# no national open licence exists for public data, so each states the rule that governs use. A resource is
# governed by its opening attribute, a product by its use (free for public governance and welfare, DOMAIN §3).
LICENCES = {
    "unconditional": "无条件开放：可依法直接获取和使用，使用时注明数据来源",
    "conditional": "有条件开放：向数据提供单位提出申请，经同意后按约定条件使用",
    "not": "不予开放：仅依法依规共享，不向社会开放",
    "public_welfare": "公共治理、公益事业用途：免费提供，按运营机构登记的使用条件使用",
    "industry": "产业发展、行业发展用途：按公示的收费标准和运营机构登记的使用条件使用",
}


def licence_key(subject_type: str, opening_attribute: str, use_type: str) -> str:
    key = use_type if subject_type == "product" else opening_attribute
    return key if key in LICENCES else ("industry" if subject_type == "product" else "not")
