"""docs/rules.md, the rules reference a registrar or a newcomer reads in the repository, is generated from
rules.yaml, the compliance engine, the code and the tests (issue 14), so it cannot go stale; what is written
by hand after its end marker is kept."""

from __future__ import annotations

import pytest

from services.registry.compliance import reference
from services.registry.compliance.catalog import catalog
from services.registry.compliance.reference_sources import mentions, naming_tests


@pytest.fixture(scope="module")
def generated() -> str:
    return reference.generated()


def test_docs_rules_md_is_what_the_generator_writes(generated):
    assert reference.current_generated() == generated, (
        "docs/rules.md is stale: run `python -m services.registry.compliance.reference` and commit it")


def test_text_after_the_end_marker_is_kept_and_the_rest_rewritten(tmp_path):
    path = tmp_path / "rules.md"
    readings = f"{reference.END_MARKER}\n\n## Readings\n\nA reading chosen by hand.\n"
    path.write_text("# an outdated reference\n\n" + readings, encoding="utf-8")
    assert reference.write(path)
    assert path.read_text(encoding="utf-8") == reference.generated() + readings
    assert not reference.write(path)  # a second run changes nothing


def test_a_new_file_ends_with_the_marker(tmp_path):
    path = tmp_path / "docs" / "rules.md"
    reference.write(path)
    assert path.read_text(encoding="utf-8").endswith(reference.END_MARKER + "\n")


def test_every_rule_is_tabled_with_its_article_and_severity(generated):
    for rule in catalog().values():
        row = next(line for line in generated.splitlines() if line.startswith(f"| **{rule.id}**"))
        assert f"| {rule.citation} | {rule.severity} |" in row.replace("\\|", "|")
        assert "**no check**" not in row and "**none**" not in row


def test_every_hard_rule_is_refused_where_the_write_happens():
    hard = {r.id for r in catalog().values() if r.severity == "hard"}
    sites = mentions(hard)
    assert all(any(m.refusal for m in sites[rule_id]) for rule_id in hard), sites


def test_every_rule_is_named_by_a_test_of_its_own():
    proofs = naming_tests(set(catalog()))
    catalog_tests = "tests/unit/compliance/test_catalog.py::"
    assert all(any(not t.startswith(catalog_tests) for t in tests) for tests in proofs.values()), proofs


@pytest.mark.parametrize(("step", "default"), [
    ("first filing", "20 working days"), ("acceptance", "3 working days"), ("review", "20 working days"),
    ("notice", "10 working days"), ("cancellation", "10 working days"), ("validity", "3 years"),
    ("renewal window", "60 calendar days")])
def test_statutory_deadlines_are_tabled_from_the_settings_defaults(generated, step, default):
    assert f"| {step} | {default} |" in generated
