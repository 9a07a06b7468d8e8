"""``pdr --help`` and every group's help answer without loading the services (issue 16: help took 7 s because the
whole FastAPI stack was imported for it). Checked by what is in ``sys.modules`` after help, not by the clock, so a
busy machine cannot make it flake; the modules named are each ~0.1–1 s of imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "pydantic", "httpx", "uvicorn", "alembic",
         "services.kernel", "services.auth", "services.registry", "services.scoring", "services.console")
# Runs `pdr ARGS` the way the console script does, then lists the heavy modules it loaded.
PROBE = """
import json, sys
sys.argv = ["pdr", *json.loads(sys.argv[1])]
from services.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in {heavy}))
print("\\n" + json.dumps({{"code": code, "loaded": loaded}}))
"""
HELP = [[], ["--help"], ["auth", "--help"], ["ledger", "--help"], ["ledger", "verify", "--help"], ["up", "--help"],
        ["import", "--help"], ["scoring", "--help"], ["calendar", "--help"], ["registration", "--help"],
        ["sweep", "--help"], ["migrate", "--help"], ["serve", "--help"], ["auth", "list-orgs", "--help"]]


def _probe(args: list[str]) -> tuple[dict, str]:
    script = PROBE.format(heavy=repr(HEAVY))
    result = subprocess.run([sys.executable, "-c", script, json.dumps(args)], capture_output=True, text=True,
                            check=False, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stdout + result.stderr


@pytest.mark.parametrize("args", HELP, ids=lambda a: " ".join(a) or "(no arguments)")
def test_help_loads_none_of_the_services(args):
    outcome, output = _probe(args)
    assert outcome["loaded"] == [], f"`pdr {' '.join(args)}` imported {outcome['loaded']}"
    assert "Usage" in output
    assert outcome["code"] in (0, 2)  # typer's no_args_is_help exits 2 after printing help


def test_the_probe_sees_a_command_that_does_load_the_services():
    # The same probe on a command that runs (offline: an AHP matrix) finds what it imported, so an empty list
    # above means help loaded nothing, not that the probe is blind.
    outcome, output = _probe(["scoring", "ahp", "[[1,3],[0.3333333,1]]"])
    assert outcome["code"] == 0, output
    assert "services.scoring" in outcome["loaded"]


def test_the_installed_pdr_script_answers_help():
    script = Path(sys.executable).with_name("pdr")
    if not script.exists():
        pytest.skip(f"no console script beside {sys.executable} (project not installed in this environment)")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    for group in ("up", "auth", "ledger", "import", "scoring"):
        assert group in result.stdout
