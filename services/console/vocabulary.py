"""Labels of the APIs' enumerations (states, types, attributes…) by prefix: value → (Chinese, English).

Spelled as DOMAIN §0 and the registry's schemas spell them; a value missing here reads as the API spells it.
"""

from __future__ import annotations

__all__ = ["ENUMS"]

ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "type": {"first": ("首次登记", "First registration"), "change": ("变更登记", "Change"),
             "correction": ("更正登记", "Correction"), "cancellation": ("注销登记", "Cancellation"),
             "renewal": ("续展", "Renewal")},
    "state": {"new": ("新建", "new"), "submitted": ("待受理", "Submitted"), "returned": ("退回补正", "Returned"),
              "refused": ("不予登记", "Refused"), "withdrawn": ("已撤回", "Withdrawn"),
              "under_review": ("审核中", "Under review"), "in_notice": ("公示中", "In notice"),
              "terminated": ("已终止", "Terminated"), "registered": ("已登记", "Registered"),
              "completed": ("已办结", "Completed"), "superseded": ("已被替代", "Superseded"),
              "cancelled": ("已注销", "Cancelled"), "revoked": ("已撤销", "Revoked"), "expired": ("已失效", "Expired")},
    "status": {"draft": ("草稿", "Draft"), "registered": ("已登记", "Registered"), "cancelled": ("已注销", "Cancelled"),
               "revoked": ("已撤销", "Revoked"), "expired": ("已失效", "Expired"), "terminated": ("已终止", "Terminated")},
    "step": {"filing": ("登记", "filing"), "acceptance": ("受理", "acceptance"), "review": ("审核", "review"),
             "processing": ("办结", "processing"), "notice": ("公示", "notice"), "renewal": ("续展", "renewal")},
    "event": {"file": ("提交", "filed"), "submit": ("提交", "submitted"), "accept": ("受理", "accepted"),
              "return": ("退回", "returned"), "resubmit": ("补正", "resubmitted"), "refuse": ("不予登记", "refused"),
              "withdraw": ("撤回", "withdrawn"), "approve": ("审核通过", "approved"),
              "close_notice": ("公示期满", "notice closed"), "uphold_objection": ("异议成立", "objection upheld"),
              "dismiss_objection": ("异议驳回", "objection dismissed"), "revoke": ("撤销", "revoked"),
              "expire": ("失效", "expired"), "supersede": ("替代", "superseded"), "cancel": ("注销", "cancelled")},
    "objection_status": {"pending": ("待复核", "Pending"), "upheld": ("成立", "Upheld"),
                         "dismissed": ("驳回", "Dismissed")},
    "use": {"industry": ("产业发展、行业发展", "Industry or sector development"),
            "public_welfare": ("公共治理、公益事业", "Public governance or welfare")},
    "form": {"dataset": ("数据集", "Dataset"), "api": ("数据接口", "API"), "model": ("模型", "Model"),
             "report": ("分析报告", "Report"), "application": ("应用", "Application")},
    "attribute": {"unconditional": ("无条件", "Unconditional"), "conditional": ("有条件", "Conditional"),
                  "not": ("不予", "Not")},
    "grading": {"general": ("一般", "General"), "important": ("重要", "Important"), "core": ("核心", "Core")},
    "frequency": {"realtime": ("实时", "Real time"), "daily": ("每日", "Daily"), "weekly": ("每周", "Weekly"),
                  "monthly": ("每月", "Monthly"), "quarterly": ("每季度", "Quarterly"), "yearly": ("每年", "Yearly"),
                  "irregular": ("不定期", "Irregular"), "static": ("不更新", "Static")},
    "unit": {"per_product": ("按产品", "per product"), "per_service": ("按服务", "per service"),
             "per_time": ("按服务时长", "per service time"), "per_call": ("按调用量", "per call")},
    "price_kind": {"specific": ("具体收费标准", "specific"), "trial": ("试行收费标准", "trial"),
                   "ceiling": ("上限收费标准", "ceiling")},
    "severity": {"hard": ("严重", "hard"), "soft": ("一般", "soft"), "high": ("高", "high"),
                 "medium": ("中", "medium"), "low": ("低", "low")},
    "finding_status": {"open": ("未整改", "Open"), "resolved": ("已整改", "Resolved"), "waived": ("已豁免", "Waived")},
    "evaluation_kind": {"organization": ("机构", "Organization"), "region": ("地区", "Region")},
    "mode": {"whole": ("整体授权", "Whole"), "domain": ("分领域授权", "By domain"), "scenario": ("依场景授权", "By scenario")},
    "agreement_status": {"draft": ("草稿", "Draft"), "signed": ("已签署", "Signed"), "filed": ("已备案", "Filed"),
                         "active": ("履行中", "Active"), "suspended": ("已暂停", "Suspended"),
                         "terminated": ("已终止", "Terminated"), "expired": ("已到期", "Expired")},
}
