"""House rule 1 (STYLE.md): which package may import which, read from the source with ``ast``.

The kernel imports no service; the three services (auth, registry, scoring) import only the kernel and talk to
each other over HTTP; the console is a client of their APIs (issue 8) and imports only the kernel; the CLI is the
operator's tool and drives every service in process (migrations, imports, sweeps, keys), but never the console.
Every package under ``services/`` must have a rule here, so a new one cannot slip past the check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "services"

# package → the other packages of services/ it may import
ALLOWED: dict[str, frozenset[str]] = {
    "kernel": frozenset(),
    "auth": frozenset({"kernel"}),
    "registry": frozenset({"kernel"}),
    "scoring": frozenset({"kernel"}),
    "console": frozenset({"kernel"}),
    "cli": frozenset({"kernel", "auth", "registry", "scoring"}),
}


def imported_modules(path: Path, root: Path | None = None) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against its place below ``root``."""
    root = ROOT.parent if root is None else root
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
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


def violations(owner: str, root: Path) -> list[str]:
    """The imports of package ``owner`` below ``root``/services that its rule forbids."""
    services = root / "services"
    packages = {p.name for p in services.iterdir() if (p / "__init__.py").exists()}
    forbidden = packages - ALLOWED[owner] - {owner}
    found = []
    for path in sorted((services / owner).rglob("*.py")):
        for module in sorted(imported_modules(path, root)):
            parts = module.split(".")
            if parts[0] == "services" and len(parts) > 1 and parts[1] in forbidden:
                found.append(f"{path.relative_to(root)} imports {module}")
    return found


def test_every_package_has_a_rule():
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(ALLOWED), f"write the import rule of {sorted(packages ^ set(ALLOWED))} in ALLOWED"


@pytest.mark.parametrize("owner", sorted(ALLOWED))
def test_packages_import_only_what_their_rule_allows(owner):
    found = violations(owner, ROOT.parent)
    assert not found, "\n".join(found)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the package layout in ``tmp_path`` with ``files`` in it: the check runs there, not in the tree."""
    for name in ALLOWED:
        (tmp_path / "services" / name).mkdir(parents=True)
        (tmp_path / "services" / name / "__init__.py").write_text("")
    for relative, text in files.items():
        (tmp_path / relative).write_text(text)
    return tmp_path


def test_the_checker_catches_a_relative_import_across_services(tmp_path):
    root = _tree(tmp_path, {"services/scoring/probe.py": "from ..registry import models\n"})
    assert "services.registry.models" in imported_modules(root / "services/scoring/probe.py", root)
    assert violations("scoring", root) == ["services/scoring/probe.py imports services.registry",
                                           "services/scoring/probe.py imports services.registry.models"]


@pytest.mark.parametrize(("owner", "text"), [
    ("kernel", "import services.auth.models\n"),
    ("registry", "from services import console\n"),
    ("auth", "from services.cli import main\n"),
    ("console", "from services.scoring.schemas import Product\n"),
    ("cli", "from ..console import web\n"),
])
def test_the_checker_catches_each_forbidden_direction(tmp_path, owner, text):
    root = _tree(tmp_path, {f"services/{owner}/probe.py": text})
    assert violations(owner, root), text


def test_the_checker_lets_the_allowed_imports_pass(tmp_path):
    root = _tree(tmp_path, {"services/cli/probe.py": "from services.registry import models\nfrom ..kernel import db\n",
                            "services/console/probe.py": "from ..kernel.problems import Problem\n"})
    assert violations("cli", root) == [] and violations("console", root) == []
