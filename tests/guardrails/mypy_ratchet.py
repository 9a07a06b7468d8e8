"""The type-checking ratchet (issue 17): mypy's errors may only go down, and new code is strict from the start.

mypy runs once over ``services`` with the configuration in pyproject.toml: the modules its strict override names
(the kernel, and every module written since this ratchet) are checked as with ``--strict``, the rest at mypy's
default level. ``mypy_baseline.json`` beside this file holds two things:

- ``errors``: the error count per package (``services/<service>`` or ``services/<service>/<domain>``). A count
  above its baseline fails, naming the package and its errors: fix the new ones. A count below fails too, asking
  to lower the baseline (``--update``), so a gain is kept. A package that is not listed may have no error.
- ``legacy_modules``: the modules that existed, unchecked by ``--strict``, when the ratchet began. Any other
  module must be named by the strict override in pyproject.toml, so a new module cannot join the old debt.

``--update`` lowers the counts and drops legacy modules that are gone or have become strict; it never raises a
count or adds a module: that is a hand edit of the JSON, where a review sees it. The counts depend on mypy's
version, which pyproject.toml pins.

    python -m tests.guardrails.mypy_ratchet [--update]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("mypy_baseline.json")
ERROR = re.compile(r"^(?P<path>services/[^:]+\.py):\d+(?::\d+)?: error: ")


def package_of(path: str) -> str:
    """``services/registry/catalog/dcat.py`` → ``services/registry/catalog``; a service's own files count as it."""
    parts = Path(path).parts
    return "/".join(parts[:3]) if len(parts) > 3 else "/".join(parts[:2])


def strict_patterns(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The module patterns of the override that turns on ``--strict``'s flags."""
    config = tomllib.loads(pyproject.read_text())["tool"]["mypy"]
    patterns: list[str] = []
    for override in config.get("overrides", []):
        if override.get("disallow_untyped_defs") and override.get("disallow_any_generics"):
            module = override["module"]
            patterns.extend([module] if isinstance(module, str) else module)
    return patterns


def modules(root: Path = ROOT) -> set[str]:
    """Every module below ``services/``, dotted (a package as its own name)."""
    found = set()
    for path in (root / "services").rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def is_strict(module: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns)


def run_mypy() -> tuple[Counter[str], dict[str, list[str]]]:
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary"])
    if status == 2:  # a crash or a bad configuration, not type errors
        sys.exit(f"mypy could not run:\n{stderr or stdout}")
    counts: Counter[str] = Counter()
    errors: dict[str, list[str]] = defaultdict(list)
    for line in stdout.splitlines():
        match = ERROR.match(line)
        if match:
            package = package_of(match["path"])
            counts[package] += 1
            errors[package].append(line)
    return counts, errors


def compare(counts: Counter[str], baseline: dict[str, int]) -> tuple[list[str], list[str]]:
    """(packages over their baseline, packages under it) as messages."""
    over, under = [], []
    for package in sorted(set(counts) | set(baseline)):
        now, allowed = counts.get(package, 0), baseline.get(package, 0)
        if now > allowed:
            over.append(f"{package}: {now} mypy errors, the baseline allows {allowed}")
        elif now < allowed:
            under.append(f"{package}: {now} mypy errors, down from {allowed}")
    return over, under


def unlisted(present: set[str], legacy: set[str], patterns: list[str]) -> list[str]:
    """Modules that are neither legacy nor strict: new code outside the strict list."""
    return sorted(m for m in present - legacy if not is_strict(m, patterns))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="lower the counts, drop legacy modules that left")
    args = parser.parse_args(argv)
    stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else {"errors": {}, "legacy_modules": []}
    baseline: dict[str, int] = stored["errors"]
    legacy = set(stored["legacy_modules"])
    patterns, present = strict_patterns(), modules()
    counts, errors = run_mypy()
    over, under = compare(counts, baseline)
    new = unlisted(present, legacy, patterns)
    if new:
        print("mypy: new modules outside the strict list; name them in pyproject.toml's strict override:")
        print("\n".join(f"  {module}" for module in new))
    if over:
        print("mypy: these packages gained type errors; fix the new ones:")
        for message in over:
            print(f"  {message}")
            print("\n".join(f"    {line}" for line in errors[message.split(":")[0]]))
    if args.update:
        if over or new:
            print("Not updated: the ratchet only lowers.")
            return 1
        kept = sorted(m for m in legacy & present if not is_strict(m, patterns))
        BASELINE.write_text(json.dumps({"errors": dict(sorted(counts.items())), "legacy_modules": kept},
                                       indent=2, ensure_ascii=False) + "\n")
        print(f"{BASELINE.relative_to(ROOT)}: {sum(counts.values())} errors in {len(counts)} packages, "
              f"{len(kept)} legacy modules")
        return 0
    if under:
        print("mypy: fewer errors than the baseline; keep the gain: python -m tests.guardrails.mypy_ratchet --update")
        print("\n".join(f"  {message}" for message in under))
    if not (over or under or new):
        print(f"mypy: {sum(counts.values())} errors in {len(counts)} packages, as the baseline allows; "
              f"{len(present - legacy)} modules strict")
    return 1 if over or under or new else 0


if __name__ == "__main__":
    sys.exit(main())
