"""The words of the downloadable report (PDF and XLSX), in Chinese and English."""

from __future__ import annotations

from typing import Literal

__all__ = ["Lang", "label"]

Lang = Literal["zh", "en"]

LABELS: dict[str, tuple[str, str]] = {
    "title": ("公共数据价值化评估报告", "Public data valorization evaluation report"),
    "run": ("评估批次", "Evaluation run"),
    "period": ("评估期", "Period"),
    "previous_period": ("对比期", "Compared with"),
    "as_of": ("统计截止日", "Counted as of"),
    "provisional": ("本年度截至统计日，为临时结果", "current year to date: provisional"),
    "final": ("全年", "full year"),
    "model": ("指标体系版本", "Indicator model"),
    "digest": ("输入摘要", "Inputs digest"),
    "created": ("计算时间", "Computed at"),
    "kind": ("评估对象", "Subjects"),
    "kind.organization": ("机构", "organizations"),
    "kind.region": ("地区", "regions"),
    "ranking": ("排名", "Ranking"),
    "rank": ("排名", "Rank"),
    "name": ("名称", "Name"),
    "subject_id": ("编号", "ID"),
    "total": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "delta_total": ("总分变化", "Δ total"),
    "comparison": ("一级指标对比", "Dimensions compared"),
    "change": ("与上期相比", "Change against the previous period"),
    "no_previous": ("无上期评估", "no previous period"),
    "dimension": ("一级指标", "Dimension"),
    "score": ("得分", "Score"),
    "previous": ("上期", "Previous"),
    "delta": ("变化", "Δ"),
    "movers": ("得分变动原因", "What moved the score"),
    "movers.change": ("贡献变化最大的指标", "Indicators whose contribution changed most"),
    "movers.shortfall": ("失分最多的指标", "Indicators with the largest shortfall"),
    "movers.none": ("无", "none"),
    "basis": ("依据", "Basis"),
    "indicator": ("指标", "Indicator"),
    "code": ("代码", "Code"),
    "unit": ("单位", "Unit"),
    "value": ("取值", "Value"),
    "previous_value": ("上期取值", "Previous value"),
    "contribution": ("贡献", "Contribution"),
    "previous_contribution": ("上期贡献", "Previous contribution"),
    "shortfall": ("失分", "Shortfall"),
    "normalized": ("标准化值", "Normalized"),
    "weight": ("权重", "Weight"),
    "global_weight": ("综合权重", "Global weight"),
    "missing": ("缺失", "missing"),
    "outdated": ("登记数据已变化", "registry data changed since"),
    "indicators": ("指标明细", "Indicators"),
    "about": ("说明", "About"),
    "radar": ("雷达图", "Radar chart"),
    "sheet.change": ("与上期相比", "Changes"),
    "sheet.movers": ("得分变动原因", "What moved"),
    "page": ("第 {page} 页", "Page {page}"),
}


def label(key: str, lang: Lang) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
