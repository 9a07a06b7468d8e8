"""GB/T 2260 administrative divisions by name, for every service: the registry's catalogue publishes them as
IRIs (``{base}/catalog/regions/{code}``, each one resolvable) with these labels, and scoring names the regions it
evaluates with them.

The standard's province-level codes (31 provinces, autonomous regions and municipalities, and the three further
entries GB/T 2260 lists) are named here; a prefecture or county code is labelled from its province, with the code,
and is ``skos:broader`` its province, so every code a record carries resolves to a labelled concept.
"""

from __future__ import annotations

__all__ = ["PROVINCES", "province_of", "region_label"]

PROVINCES: dict[str, str] = {
    "110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省", "150000": "内蒙古自治区",
    "210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省",
    "310000": "上海市", "320000": "江苏省", "330000": "浙江省", "340000": "安徽省", "350000": "福建省",
    "360000": "江西省", "370000": "山东省",
    "410000": "河南省", "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
    "460000": "海南省",
    "500000": "重庆市", "510000": "四川省", "520000": "贵州省", "530000": "云南省", "540000": "西藏自治区",
    "610000": "陕西省", "620000": "甘肃省", "630000": "青海省", "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
    "710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区",
}


def province_of(code: str) -> str | None:
    """The province-level code above ``code`` (itself for a province), if the standard lists it."""
    province = code[:2] + "0000"
    return province if len(code) == 6 and code.isdigit() and province in PROVINCES else None


def region_label(code: str) -> str:
    """The Chinese name of a province-level code; below it, the province's name with the code."""
    if code in PROVINCES:
        return PROVINCES[code]
    province = province_of(code)
    return f"{PROVINCES[province]}（{code}）" if province else code
