"""The type-checking ratchet (issue 17): mypy's error count per package may only go down.

mypy runs once over ``services`` with the configuration in pyproject.toml: the kernel and the modules listed
there are checked as with ``--strict``, the rest at mypy's default level. The errors are counted per package
(``services/<service>`` or ``services/<service>/<domain>``) and compared with ``mypy_baseline.json`` beside this
file:

- a count above its baseline fails, naming the package and its new errors: fix them;
- a count below its baseline fails too, asking to lower the baseline (``--update``), so a gain is kept;
- a package missing from the baseline (a new one) must have no error at all.

``--update`` writes the current counts, and only lowers: a count may go up only by editing the JSON by hand,
where a review sees it. The counts depend on mypy's version, which pyproject.toml pins.

    python -m tests.guardrails.mypy_ratchet [--update]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
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


def run_mypy() -> tuple[Counter[str], dict[str, list[str]], str]:
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
    return counts, errors, stdout


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="lower the baseline to the current counts")
    args = parser.parse_args(argv)
    baseline: dict[str, int] = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    counts, errors, _ = run_mypy()
    over, under = compare(counts, baseline)
    if args.update:
        if over and BASELINE.exists():
            print("\n".join(["Not updated: these packages gained errors (fix them):", *over]))
            return 1
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=2) + "\n")
        print(f"{BASELINE.relative_to(ROOT)}: {sum(counts.values())} errors in {len(counts)} packages")
        return 0
    if over:
        print("mypy: these packages gained type errors; fix the new ones:")
        for message in over:
            package = message.split(":")[0]
            print(f"  {message}")
            print("\n".join(f"    {line}" for line in errors[package]))
    if under:
        print("mypy: fewer errors than the baseline; keep the gain: python -m tests.guardrails.mypy_ratchet --update")
        print("\n".join(f"  {message}" for message in under))
    if not over and not under:
        print(f"mypy: {sum(counts.values())} errors in {len(counts)} packages, as the baseline allows")
    return 1 if over or under else 0


if __name__ == "__main__":
    sys.exit(main())
