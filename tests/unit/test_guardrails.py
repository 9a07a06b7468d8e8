"""The mypy ratchet's rules (tests/guardrails/mypy_ratchet.py): counts only go down, new modules are strict."""

from __future__ import annotations

from collections import Counter

from tests.guardrails.mypy_ratchet import compare, modules, package_of, strict_patterns, unlisted

PYPROJECT = """
[tool.mypy]
python_version = "3.11"

[[tool.mypy.overrides]]
module = ["services.kernel", "services.kernel.*", "services.registry.common.*"]
disallow_untyped_defs = true
disallow_any_generics = true

[[tool.mypy.overrides]]
module = ["reportlab.*"]
ignore_missing_imports = true
"""


def test_errors_count_against_their_domain_or_their_service():
    assert package_of("services/registry/catalog/dcat.py") == "services/registry/catalog"
    assert package_of("services/registry/catalog/deep/x.py") == "services/registry/catalog"
    assert package_of("services/registry/main.py") == "services/registry"


def test_a_rise_fails_a_fall_asks_for_a_lower_baseline_and_a_new_package_starts_at_zero():
    over, under = compare(Counter({"services/auth": 3, "services/scoring": 1, "services/new": 1}),
                          {"services/auth": 2, "services/scoring": 4})
    assert over == ["services/auth: 3 mypy errors, the baseline allows 2",
                    "services/new: 1 mypy errors, the baseline allows 0"]
    assert under == ["services/scoring: 1 mypy errors, down from 4"]
    assert compare(Counter({"services/auth": 2}), {"services/auth": 2}) == ([], [])


def test_only_the_override_with_the_strict_flags_names_strict_modules(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    patterns = strict_patterns(tmp_path / "pyproject.toml")
    assert patterns == ["services.kernel", "services.kernel.*", "services.registry.common.*"]


def test_a_new_module_outside_the_strict_list_is_named(tmp_path):
    for name in ("services/__init__.py", "services/kernel/__init__.py", "services/kernel/db.py",
                 "services/registry/__init__.py", "services/registry/old.py", "services/registry/new.py",
                 "services/registry/common/paging.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    present = modules(tmp_path)
    assert "services.kernel" in present and "services.registry.common.paging" in present
    legacy = {"services", "services.registry", "services.registry.old"}
    patterns = ["services.kernel", "services.kernel.*", "services.registry.common.*"]
    assert unlisted(present, legacy, patterns) == ["services.registry.new"]
