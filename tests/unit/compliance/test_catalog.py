"""The rule catalog covers every rule DOMAIN.md §5 lists, each with a citation and a severity."""

import pytest

from services.registry.compliance.catalog import catalog, refuse
from services.registry.compliance.engine import CHECKS

# DOMAIN §5, item by item, and the rule that implements it.
DOMAIN_5 = {
    "a resource named in an active agreement is not registered": "OPS-RESOURCE-UNREGISTERED",
    "first registration later than 20 working days": "REG-FIRST-LATE",
    "acceptance overdue": "REG-ACCEPTANCE-OVERDUE",
    "review overdue": "REG-REVIEW-OVERDUE",
    "notice overdue": "REG-NOTICE-OVERDUE",
    "registration expired or renewal not filed": "REG-EXPIRED-NOT-RENEWED",
    "agreement term > 5 years": "OPS-AGREEMENT-TERM",
    "agreement signed before plan approval or filing": "OPS-SIGNED-BEFORE-PLAN",
    "public-welfare product with a non-zero price": "PRICE-WELFARE-FEE",
    "specific price above the ceiling": "PRICE-ABOVE-CEILING",
    "allowed profit rate above the cap": "PRICE-PROFIT-RATE-CAP",
    "ceiling not reviewed within 3 years": "PRICE-CEILING-NOT-REVIEWED",
    "revenue deviation > 10% without a ceiling adjustment": "PRICE-DEVIATION-NO-CEILING-ADJUSTMENT",
    "annual report missing after 31 March": "RPT-ANNUAL-MISSING",
    "product delivered but not registered": "PRD-DELIVERED-UNREGISTERED",
}


@pytest.mark.parametrize(("example", "rule_id"), sorted(DOMAIN_5.items()))
def test_every_domain_section_5_rule_is_in_the_catalog_with_citation_and_severity(example, rule_id):
    rule = catalog()[rule_id]
    assert rule.citation and rule.title
    assert rule.severity in {"hard", "soft"}


def test_every_rule_has_a_check_and_every_check_a_rule():
    assert set(catalog()) == set(CHECKS)


@pytest.mark.parametrize("rule_id", ["PRICE-ABOVE-CEILING", "PRICE-WELFARE-FEE", "OPS-AGREEMENT-TERM"])
def test_the_three_write_blocking_rules_of_the_issue_are_hard(rule_id):
    assert catalog()[rule_id].severity == "hard"


def test_a_refusal_is_a_422_problem_naming_the_rule():
    problem = refuse("OPS-AGREEMENT-TERM", "six years", years=6)
    body = problem.body("/x")
    assert problem.status == 422
    assert body["rule"]["id"] == "OPS-AGREEMENT-TERM" and body["rule"]["citation"] == "OPS Art. 13"
    assert body["facts"] == {"years": 6}
