"""House rule 1 (STYLE.md): the three services never import each other; the kernel imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "services"
SERVICES = ("auth", "registry", "scoring")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("owner", [*SERVICES, "kernel"])
def test_packages_import_only_the_kernel_and_themselves(owner):
    forbidden = {f"services.{s}" for s in SERVICES if s != owner}
    violations = []
    for path in sorted((ROOT / owner).rglob("*.py")):
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                violations.append(f"{path.relative_to(ROOT.parent)} imports {module}")
    assert not violations, "\n".join(violations)


def test_the_checker_catches_a_relative_import_across_services(tmp_path):
    fake = ROOT / "scoring" / "_probe_for_test.py"
    fake.write_text("from ..registry import models\n")
    try:
        assert "services.registry.models" in imported_modules(fake)
    finally:
        fake.unlink()
