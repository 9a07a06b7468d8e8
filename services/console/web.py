"""Rendering: Jinja2 templates (autoescaped), the request's language and user, htmx fragments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from .formats import install_filters
from .i18n import Translator, context_gettext, context_ngettext, here, request_language
from .session import csrf_token, current_user

__all__ = ["TEMPLATES", "is_htmx", "render", "roles_of"]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = True  # every template, whatever its name: output is escaped unless marked safe
TEMPLATES.env.trim_blocks = True
TEMPLATES.env.lstrip_blocks = True
# gettext in templates: ``_`` of the page (a Translator in the context) and ``{% trans %}`` blocks of
# jinja2.ext.i18n, both in the language of the page being rendered (i18n.py); CLDR formats as filters.
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(context_gettext, context_ngettext, newstyle=False)
install_filters(TEMPLATES.env)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def roles_of(request: Request) -> set[str]:
    user = current_user(request)
    return set(user["roles"]) if user else set()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = request_language(request)
    context.update(
        request=request, lang=lang, _=Translator(lang), user=current_user(request), roles=roles_of(request),
        csrf=csrf_token(request), demo=request.app.state.settings.demo, htmx=is_htmx(request),
        here=here(request),
        site=request.app.state.settings.site_owner,
    )
    roles = context["roles"]
    context["nav"] = {"work": bool(roles & {"operator", "agency"}), "review": bool(roles & {"registrar", "admin"}),
                      "oversee": bool(roles & {"authority", "auditor", "admin", "registrar"}),
                      "evaluate": bool(roles & {"authority", "auditor", "admin"})}
    headers = {"Cache-Control": "no-store"} if context["user"] else {}
    headers["Vary"] = "Accept-Language, Cookie, HX-Request"
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code, headers=headers)
