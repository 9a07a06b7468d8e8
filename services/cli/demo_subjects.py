"""The resources and products of the demo, by owner, and how far each one's first registration goes.

Two regions, each with a stronger and a weaker agency and one operator, so that evaluations have something to
tell apart: how many resources are described and registered, how well (data items, update frequency, sharing,
security assessment), whether the first registration was filed within 20 working days of operation start or
delivery (REG Art. 9(1)), how recently the data was refreshed, which products are registered and for how many
scenarios.

    agency     北京市交通委员会      5 resources: 3 registered on time, 1 in public notice, 1 draft
    agency3    北京市生态环境局      2 resources: both registered, one filed late; one is cancelled later
    agency2    上海市大数据中心      3 imported resources (import_cmds.catalog_demo): 2 registered, refreshed
                                     weeks ago, 1 draft
    agency4    上海市卫生健康委员会  1 draft resource
    operator   北京数据运营有限公司  3 products: 2 registered on time, 1 in public notice
    operator2  上海数据集团有限公司  2 products: 1 registered late, 1 delivered and never filed
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EVIDENCE", "SUBJECTS", "DemoSubject"]

EVIDENCE = [{"name": "存证记录.pdf", "sha256": "5" * 64, "description": "内部业务审核及存证"}]


@dataclass(frozen=True)
class DemoSubject:
    kind: Literal["resource", "product"]
    owner: str  # the demo account that describes and registers it
    body: dict  # its description, without dates (for an imported resource: what the owner completes)
    # draft: described only; notice: first registration filed today, left in public notice; coded: registered
    fate: Literal["draft", "notice", "coded"]
    filed_days_ago: int = 0  # coded: the day its first registration was received, counted back from today
    # Days from operation start (resource) or delivery (product) to the filing; None: not started or delivered.
    lead_days: int | None = None
    sources: tuple[str, ...] = ()  # product: names of the resources it is made from
    imported: bool = False  # a resource that came in with the agency's catalogue, completed before filing
    refreshed_days_ago: int | None = None  # resource: when its holder last reported refreshing the data

    @property
    def name(self) -> str:
        return self.body["name"]


def _items(*names: str) -> list[dict]:
    return [{"name": n} for n in names]


BEIJING, SHANGHAI = "110000", "310000"
TRAFFIC = {"region_code": BEIJING, "domain": "交通"}
ECOLOGY = {"region_code": BEIJING, "domain": "生态环境"}
HEALTH = {"region_code": SHANGHAI, "domain": "卫生健康"}


def _r(where: dict, name: str, description: str, items: list[dict], frequency: str, sharing: str, opening: str,
       grading: str, security: dict | None, **more) -> dict:
    body = {"name": name, "description": description, "data_items": items, "update_frequency": frequency,
            "sharing_attribute": sharing, "opening_attribute": opening, "grading": grading, **where, **more}
    return body | ({"security_assessment": security} if security is not None else {})


SUBJECTS: list[DemoSubject] = [
    # 北京市交通委员会: the broadest and best described catalogue, registered on time.
    DemoSubject("resource", "agency", _r(
        TRAFFIC, "城市道路交通流量数据（演示）", "全市主要道路分钟级交通流量与拥堵指数",
        [{"name": "road_id"}, {"name": "flow", "type": "integer"}, {"name": "speed", "type": "number"}],
        "realtime", "conditional", "conditional", "general", {"risk_level": "low", "summary": "已脱敏，无个人信息"},
        scale="1.2 TB", quality="完整率 99.2%", source="交通管理部门道路卡口采集",
        lawful_basis="《中华人民共和国道路交通安全法》"),
        "coded", filed_days_ago=42, lead_days=12, refreshed_days_ago=0),
    DemoSubject("resource", "agency", _r(
        TRAFFIC, "企业登记基础信息（演示）", "市场主体登记的公开基础信息",
        [{"name": "uscc"}, {"name": "name"}, {"name": "registered_on", "type": "date"}],
        "daily", "unconditional", "conditional", "general", {"risk_level": "low"},
        scale="320 万条", quality="与登记系统日同步", source="市场监管部门登记系统",
        lawful_basis="《市场主体登记管理条例》"), "notice", lead_days=6),
    DemoSubject("resource", "agency", _r(
        TRAFFIC, "公交线路与站点数据（演示）", "全市公交线路走向、站点位置与首末班时间",
        _items("line_id", "line_name", "station_id", "station_name", "longitude", "latitude", "sequence"),
        "daily", "unconditional", "unconditional", "general", {"risk_level": "low", "summary": "不含个人信息"},
        scale="1,600 条线路", quality="每日核对", source="公交运营企业报送"),
        "coded", filed_days_ago=40, lead_days=8, refreshed_days_ago=1),
    DemoSubject("resource", "agency", _r(
        TRAFFIC, "停车场泊位实时数据（演示）", "经营性停车场的总泊位与空余泊位",
        _items("parking_id", "name", "district", "total_spaces", "free_spaces", "updated_at"),
        "realtime", "conditional", "conditional", "general",
        {"risk_level": "medium", "summary": "含经营主体信息，按停车场聚合"},
        scale="5,200 个停车场", quality="分钟级上报", source="停车场动态监测平台"),
        "coded", filed_days_ago=38, lead_days=15, refreshed_days_ago=0),
    DemoSubject("resource", "agency", _r(
        TRAFFIC, "交通违法处罚统计数据（演示）", "按月、区、违法类型统计的处罚数量",
        _items("month", "district", "violation_type", "count"), "monthly", "conditional", "not", "important",
        {"risk_level": "high", "summary": "源数据涉及个人信息，仅提供统计结果"}), "draft"),
    # 北京市生态环境局: a good resource registered months late, and one whose registration it later cancels.
    DemoSubject("resource", "agency3", _r(
        ECOLOGY, "空气质量监测站小时数据（演示）", "国控、市控空气质量监测站的逐小时浓度",
        _items("station_id", "station_name", "time", "pm25", "pm10", "o3", "no2", "aqi"),
        "realtime", "unconditional", "unconditional", "general", {"risk_level": "low"},
        scale="35 个站点", quality="审核后发布"), "coded", filed_days_ago=36, lead_days=150, refreshed_days_ago=3),
    DemoSubject("resource", "agency3", _r(
        ECOLOGY, "重点排污单位自动监测数据（演示）", "重点排污单位排放口的污染物自动监测浓度",
        _items("unit_uscc", "unit_name", "outlet_id", "pollutant", "concentration", "time"),
        "daily", "conditional", "not", "important", {"risk_level": "medium", "summary": "含企业经营信息"}),
        "coded", filed_days_ago=34, lead_days=9),
    # 上海市大数据中心: its imported catalogue, completed with start dates and security assessments.
    DemoSubject("resource", "agency2", {"name": "上海市企业登记信息",
                                        "security_assessment": {"risk_level": "low", "summary": "仅公开登记信息"}},
                "coded", filed_days_ago=35, lead_days=14, imported=True, refreshed_days_ago=21),
    DemoSubject("resource", "agency2", {"name": "上海市空气质量监测数据",
                                        "security_assessment": {"risk_level": "low"}},
                "coded", filed_days_ago=33, lead_days=16, imported=True, refreshed_days_ago=9),
    DemoSubject("resource", "agency2", {"name": "上海市公共交通客流数据",
                                        "security_assessment": {"risk_level": "medium", "summary": "客流按站点聚合"}},
                "draft", imported=True),
    # 上海市卫生健康委员会: one resource described, nothing filed yet.
    DemoSubject("resource", "agency4", _r(
        HEALTH, "医疗机构执业登记信息（演示）", "医疗机构名称、级别、所在区与核定床位",
        _items("institution_id", "name", "level", "district", "beds"), "yearly", "conditional", "conditional",
        "general", None), "draft"),
    # 北京数据运营有限公司: products registered on time, for several scenarios.
    DemoSubject("product", "operator", {
        "name": "出行热力指数 API（演示）", "description": "按小时发布的道路拥堵热力指数", "form": "api",
        "scenarios": ["物流路径规划", "城市交通治理"], "use_type": "industry",
        "conditions_of_use": "签署授权运营服务协议后调用", "region_code": BEIJING, "domain": "交通"},
        "coded", filed_days_ago=40, lead_days=7, sources=("城市道路交通流量数据（演示）",)),
    DemoSubject("product", "operator", {
        "name": "公众出行服务（演示）", "description": "公交到站与停车泊位查询，面向公众免费", "form": "application",
        "scenarios": ["公众出行导航", "公交到站提醒"], "use_type": "public_welfare", "region_code": BEIJING,
        "domain": "交通"}, "coded", filed_days_ago=37, lead_days=10,
        sources=("公交线路与站点数据（演示）", "停车场泊位实时数据（演示）")),
    DemoSubject("product", "operator", {
        "name": "空气质量精细化预报服务（演示）", "description": "街道级未来 72 小时空气质量预报", "form": "api",
        "scenarios": ["环境健康提示", "重污染天气应急"], "use_type": "industry", "region_code": BEIJING,
        "domain": "生态环境"}, "notice", lead_days=5, sources=("空气质量监测站小时数据（演示）",)),
    # 上海数据集团有限公司: one product registered two months after delivery, one never filed.
    DemoSubject("product", "operator2", {
        "name": "企业信用评估 API（演示）", "description": "基于登记信息的企业信用评分", "form": "api",
        "scenarios": ["企业信用评估", "普惠金融授信"], "use_type": "industry", "region_code": SHANGHAI,
        "domain": "市场监管"}, "coded", filed_days_ago=35, lead_days=60, sources=("上海市企业登记信息",)),
    DemoSubject("product", "operator2", {
        "name": "空气质量健康指数服务（演示）", "description": "面向公众的空气质量健康提示", "form": "application",
        "scenarios": ["公众健康出行"], "use_type": "public_welfare", "region_code": SHANGHAI,
        "domain": "生态环境"}, "draft", lead_days=90, sources=("上海市空气质量监测数据",)),
]
