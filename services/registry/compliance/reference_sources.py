"""What the rules reference reads besides ``rules.yaml``: where each rule is checked and named in the code, the
tests that name it, and the registration settings with the comments that cite their articles.

Everything is found by reading the repository (``ast`` and ``tokenize``), never listed by hand, so a rule, a
refusal site, a test or a setting added anywhere shows up in the reference the next time it is generated.
"""

from __future__ import annotations

import ast
import inspect
import io
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "Mention", "Setting", "check_of", "mentions", "naming_tests", "registration_settings"]

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = ROOT / "services" / "registry"
TESTS = ROOT / "tests"
NOT_PROOFS = ("perf",)  # benchmarks name rules in their generated data; they prove timings, not rules


@dataclass(frozen=True, order=True)
class Mention:
    path: str  # relative to the repository root
    where: str  # the enclosing function (dotted), or the module-level name assigned
    refusal: bool  # ``refuse("RULE-ID", …)``: a write breaking a hard rule is refused here


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    comment: str  # the comment beside or above the field in the settings class, in the project's words


def _relative(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def check_of(check: Any) -> tuple[str, str]:
    """The file and name of a rule's check; a check built by a factory is named by its factory."""
    target = getattr(check, "func", check)  # a functools.partial is named by its function
    module = sys.modules.get(getattr(target, "__module__", ""))
    path = _relative(Path(module.__file__)) if module is not None and module.__file__ else "?"
    qualname = getattr(target, "__qualname__", type(target).__qualname__)
    parts = qualname.split(".")
    if "<locals>" in parts:
        return path, ".".join(parts[:parts.index("<locals>")]) + "(…)"
    return path, qualname


def _constants(tree: ast.Module) -> Iterator[tuple[str, str, bool]]:
    """(string constant, where it stands, whether it is the rule argument of ``refuse``) for every constant."""

    def visit(node: ast.AST, where: str) -> Iterator[tuple[str, str, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from visit(child, f"{where}.{child.name}" if where else child.name)
            elif not where and isinstance(child, (ast.Assign, ast.AnnAssign)):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                yield from visit(child, "" if not names else f"={names[0]}")
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "refuse" \
                    and child.args and isinstance(child.args[0], ast.Constant):
                yield child.args[0].value, where, True
                for rest in [*child.args[1:], *child.keywords]:
                    yield from visit(rest, where)
            elif isinstance(child, ast.Constant) and isinstance(child.value, str):
                yield child.value, where, False
            else:
                yield from visit(child, where)

    yield from visit(tree, "")


def _parsed(paths: list[Path]) -> list[tuple[Path, str, ast.Module]]:
    return [(path, *_parse(path, path.stat().st_mtime_ns)) for path in sorted(paths)]


@cache  # by modification time: a file edited since is read again
def _parse(path: Path, _mtime_ns: int) -> tuple[str, ast.Module]:
    source = path.read_text(encoding="utf-8")
    return source, ast.parse(source, filename=str(path))


def mentions(rule_ids: set[str]) -> dict[str, list[Mention]]:
    """Where the registry's code names each rule, besides the check mappings (``CHECKS``) already shown."""
    found: dict[str, set[Mention]] = {rule_id: set() for rule_id in rule_ids}
    for path, _, tree in _parsed(list(REGISTRY.rglob("*.py"))):
        for value, where, refusal in _constants(tree):
            if value in found and where != "=CHECKS":
                found[value].add(Mention(_relative(path), where.lstrip("=") or "module", refusal))
    return {rule_id: sorted(found[rule_id]) for rule_id in rule_ids}


def naming_tests(rule_ids: set[str]) -> dict[str, list[str]]:
    """``path::test`` of every test whose source, decorators or module-level values it uses name the rule."""
    found: dict[str, list[str]] = {rule_id: [] for rule_id in rule_ids}
    files = [p for p in TESTS.rglob("test_*.py") if not set(p.relative_to(TESTS).parts[:-1]) & set(NOT_PROOFS)]
    for path, source, tree in _parsed(files):
        for name, text in _test_texts(source, tree):
            for rule_id in rule_ids:
                if rule_id in text:
                    found[rule_id].append(f"{_relative(path)}::{name}")
    return {rule_id: sorted(tests) for rule_id, tests in found.items()}


def _test_texts(source: str, tree: ast.Module) -> list[tuple[str, str]]:
    lines = source.splitlines(keepends=True)

    def text_of(node: ast.AST) -> str:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        return "".join(lines[first - 1:node.end_lineno])

    assigned: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    assigned[target.id] = text_of(node)
    out = []
    for node, name in _tests(tree):
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        out.append((name, "".join([text_of(node), *(assigned[n] for n in sorted(used & assigned.keys()))])))
    return out


def _tests(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            yield node, node.name
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    yield item, f"{node.name}::{item.name}"


def registration_settings() -> list[Setting]:
    """The registration settings in declaration order, each with its default and its comment.

    A field's comment is the one on its line, else the comment block above it; fields declared right after
    one another share the block above the first (``measures_in_force_on`` and ``existing_operation_…``).
    """
    from ..registration import rules

    source = inspect.getsource(rules.RegistrationRules)
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    lines = source.splitlines()
    settings = []
    for number, line in enumerate(lines, start=1):
        name = line.strip().split(":", 1)[0]
        if not line.startswith("    ") or line.startswith("     ") or name not in rules.RegistrationRules.model_fields:
            continue
        comment = comments.get(number) if number in comments and not line.strip().startswith("#") else None
        if comment is None:
            above, row = [], number - 1
            while row > 0 and (lines[row - 1].strip().startswith("#") or _is_field(lines[row - 1])):
                if lines[row - 1].strip().startswith("#"):
                    above.insert(0, comments[row])
                elif above or row in comments:  # the block's first field, or a field with its own comment
                    break
                row -= 1
            comment = " ".join(above)
        settings.append(Setting(name, rules.RegistrationRules.model_fields[name].default, comment))
    return settings


def _is_field(line: str) -> bool:
    return line.startswith("    ") and not line.startswith("     ") and ":" in line and "=" in line \
        and not line.strip().startswith(("#", "model_config", "def "))
