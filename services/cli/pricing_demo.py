"""Demo data of pricing and annual reports for ``pdr up --demo``, then one compliance sweep.

Treasury yields; each operator's maximum allowed revenue for last year (a one-year cycle) and for the cycle
starting this year (set after last year's report, so its excess is carried over); ceilings and the operators'
own prices from today (a price never takes effect in the past); the annual reports for last year:

    北京数据运营有限公司  revenue 11.60 M against a maximum of 11.05 M: +5.0 %, the operator adjusts its prices
    上海数据集团有限公司  revenue  9.30 M against a maximum of  7.09 M: +31.2 %, the authorizer must adjust the
                          ceiling, and until it does the sweep keeps a finding open (PRICE §3)

The sweep also finds what the other demo steps left behind on purpose: first registrations filed late, a
delivered product never registered, a cancelled resource still in an agreement. Idempotent: every record is
looked up before it is created.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .demo_client import DemoDates, DemoRegistry, Tokens
from .demo_subjects import BEIJING, SHANGHAI
from .operation_demo import subject_ids

__all__ = ["pricing_demo"]


@dataclass(frozen=True)
class Cycle:
    years_back: int  # first year of the cycle: 1 last year, 0 this year
    years: int
    operating_cost: str
    subsidies: str
    taxes: str
    profit_rate: str


# operator account: (price authority account, region, cycles); amounts in yuan, rates in percent
CAPS = {
    "operator": ("price", BEIJING, (Cycle(1, 1, "12000000.00", "2000000.00", "300000.00", "7.50"),
                                    Cycle(0, 3, "12000000.00", "2000000.00", "300000.00", "7.68"))),
    "operator2": ("price2", SHANGHAI, (Cycle(1, 1, "8000000.00", "1500000.00", "200000.00", "6.00"),
                                       Cycle(0, 3, "9000000.00", "1500000.00", "250000.00", "6.50"))),
}
# product: (implementing body that sets the ceiling, ceiling, the operator's price); per call, in yuan
PRICES = {
    "出行热力指数 API（演示）": ("authority", {"unit_price": "0.05"}, {
        "tiers": [{"up_to": 10000, "unit_price": "0.05"}, {"up_to": 100000, "unit_price": "0.03"},
                  {"up_to": None, "unit_price": "0.02"}]}),
    "空气质量精细化预报服务（演示）": ("authority", {"unit_price": "0.08"}, {"unit_price": "0.06"}),
    "企业信用评估 API（演示）": ("authority2", {"unit_price": "0.04"}, {"unit_price": "0.03"}),
}
# Last year's annual reports: figures, and per product (name, calls, revenue).
REPORTS = {
    "operator": ({"business_overview": "出行热力指数 API 服务物流、网约车企业 126 家；公众出行服务免费提供",
                  "operating_cost": "10400000.00", "revenue": "11600000.00", "profit": "1200000.00"},
                 [("出行热力指数 API（演示）", 520_000_000, "11600000.00"),
                  ("公众出行服务（演示）", 8_300_000, "0.00")]),
    "operator2": ({"business_overview": "企业信用评估 API 服务金融机构 48 家，调用量超出成本监审时的预测",
                   "operating_cost": "7100000.00", "revenue": "9300000.00", "profit": "2200000.00"},
                  [("企业信用评估 API（演示）", 310_000_000, "9300000.00"),
                   ("空气质量健康指数服务（演示）", 2_400_000, "0.00")]),
}
YIELDS = {2: "2.67", 1: "1.68", 0: "1.70"}  # years back from last year: average 10-year yield in percent


def _yields(api: DemoRegistry, dates: DemoDates) -> None:
    entered = {y["year"] for y in api.get("price", "/pricing/treasury-yields")}
    for back, value in YIELDS.items():
        if dates.last - back not in entered:
            api.post("price", "/pricing/treasury-yields", {"year": dates.last - back, "average_yield": value,
                                                           "source": "中国债券信息网（演示数值）"})


def _caps(api: DemoRegistry, dates: DemoDates, years_back: int) -> None:
    caps = api.get("admin", "/pricing/revenue-caps")
    for operator, (price, region, cycles) in CAPS.items():
        org = api.org(operator)
        for cycle in (c for c in cycles if c.years_back == years_back):
            first = dates.year - cycle.years_back
            if any(c["operator_org_id"] == org["id"] and c["first_year"] <= first < c["first_year"] + c["years"]
                   for c in caps):
                continue
            api.post(price, "/pricing/revenue-caps", {
                "operator_org_id": org["id"], "operator_org_name": org["name"], "region_code": region,
                "first_year": first, "years": cycle.years, "survey_year": first - 1,
                "operating_cost": cycle.operating_cost, "subsidies": cycle.subsidies, "taxes": cycle.taxes,
                "profit_rate": cycle.profit_rate, "basis": "成本监审报告（演示）"})


def _prices(api: DemoRegistry, dates: DemoDates, products: dict[str, dict]) -> None:
    for name, (body, ceiling, price) in PRICES.items():
        product = products[name]
        layers = {r["layer"] for r in api.get(body, f"/products/{product['id']}/prices")}
        common = {"billing_unit": "per_call", "effective_from": dates.today.isoformat()}
        if "ceiling" not in layers:
            api.post(body, f"/products/{product['id']}/ceilings", {**common, **ceiling, "basis": "授权方核定（演示）"})
        if "operator" not in layers:
            owner = "operator" if product["region_code"] == BEIJING else "operator2"
            api.post(owner, f"/products/{product['id']}/prices", {**common, **price, "basis": "成本加合理利润（演示）"})


def _reports(api: DemoRegistry, dates: DemoDates, products: dict[str, dict]) -> None:
    for operator, (figures, lines) in REPORTS.items():
        if api.get(operator, "/operation/reports", year=dates.last):
            continue
        api.post(operator, "/operation/reports", {**figures, "year": dates.last, "products": [
            {"product_id": products[name]["id"], "volume": volume, "revenue": revenue}
            for name, volume, revenue in lines]})


def pricing_demo(urls: dict[str, str], tokens: Tokens) -> None:
    dates = DemoDates()
    with httpx.Client(base_url=urls["registry"], timeout=30) as client:
        api = DemoRegistry(client, tokens)
        products = subject_ids(api)
        _yields(api, dates)
        _caps(api, dates, years_back=1)
        _prices(api, dates, products)
        _reports(api, dates, products)
        _caps(api, dates, years_back=0)  # after the reports: last year's excess is carried over
        swept = api.post("admin", "/compliance/sweep", {})
        reports = api.get("admin", "/operation/reports", year=dates.last)
    print("pricing demo: reports " + ", ".join(f"{r['operator_org_name']} {r['deviation']} ({r['who_adjusts']})"
                                               for r in reports) + f"; open findings {swept['open_now']}")
