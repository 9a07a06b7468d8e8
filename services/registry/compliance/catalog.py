"""The rule catalog, read from ``rules.yaml`` (rules as data), and the one way a hard rule refuses a write."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from services.kernel.problems import Unprocessable

__all__ = ["Rule", "RuleBroken", "catalog", "refuse", "rule"]

SEVERITIES = frozenset({"hard", "soft"})


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str
    severity: str
    subject: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "citation": self.citation, "severity": self.severity,
                "subject": self.subject}


@cache
def catalog() -> dict[str, Rule]:
    raw = yaml.safe_load((Path(__file__).with_name("rules.yaml")).read_text(encoding="utf-8"))
    rules = {}
    for item in raw:
        r = Rule(**item)
        if r.severity not in SEVERITIES or r.id in rules:
            raise ValueError(f"bad rule in catalog: {r.id}")
        rules[r.id] = r
    return rules


def rule(rule_id: str) -> Rule:
    return catalog()[rule_id]


class RuleBroken(Unprocessable):
    """422: the write would break a hard rule; the body names the rule and its citation."""

    slug = "rule-broken"
    title = "The request would break a compliance rule"


def refuse(rule_id: str, detail: str, **facts: Any) -> RuleBroken:
    r = rule(rule_id)
    return RuleBroken(f"{r.id}: {detail}", rule=r.as_json(), facts=facts)
