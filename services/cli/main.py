"""``pdr``: one typer app; each service's commands live in their own module and register here.

The command modules import only typer and rich at their top, so ``pdr --help`` answers without loading the
services (FastAPI, SQLAlchemy, pydantic models): each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys

import typer

from . import auth_cmds, compliance_cmds, import_cmds, ledger_cmds, registration_cmds, run_cmds, scoring_cmds

__all__ = ["app", "main"]

app = typer.Typer(help="PDR — Public Data Registry & Authorized Operation.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
run_cmds.register(app)
import_cmds.register(app)
compliance_cmds.register(app)
app.add_typer(auth_cmds.app, name="auth")
app.add_typer(ledger_cmds.app, name="ledger")
app.add_typer(registration_cmds.calendar_app, name="calendar")
app.add_typer(registration_cmds.registration_app, name="registration")
app.add_typer(scoring_cmds.app, name="scoring")


def main() -> None:
    try:
        app()
    except Exception as exc:
        # Only a command that loaded pydantic can have raised its ValidationError: help never loads it.
        pydantic = sys.modules.get("pydantic")
        if pydantic is None or not isinstance(exc, pydantic.ValidationError):
            raise
        # A setting from the environment (PDR_*) that does not validate: say which, without a traceback.
        typer.echo(f"pdr: invalid configuration ({exc.title}):", err=True)
        for problem in exc.errors():
            name = ".".join(str(p) for p in problem["loc"]) or "settings"
            typer.echo(f"  {name}: {problem['msg']}", err=True)
        raise SystemExit(2) from None
