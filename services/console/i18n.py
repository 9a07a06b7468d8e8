"""Chinese first, English available: the language of a request and the message catalog lookup.

The language is ``?lang=zh|en`` (remembered in the session), else the session's, else the best match of
Accept-Language, else Chinese. A key missing from the catalog shows its last part (``state.xyz`` → ``xyz``):
a value the APIs add later reads as the API spells it rather than failing the page.
"""

from __future__ import annotations

from fastapi import Request

from .messages import CATALOG

__all__ = ["LANGUAGES", "Translator", "negotiate", "request_language"]

LANGUAGES = ("zh", "en")
DEFAULT = "zh"


def negotiate(accept_language: str | None) -> str:
    """The supported language the header prefers most (q-values honoured), Chinese when none fits."""
    best, best_q = DEFAULT, -1.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def request_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        if "session" in request.scope:
            request.session["lang"] = asked
        return asked
    if "session" in request.scope and request.session.get("lang") in LANGUAGES:
        return request.session["lang"]
    return negotiate(request.headers.get("accept-language"))


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        entry = CATALOG.get(key)
        text = key.partition(".")[2] or key if entry is None else entry[0 if self.lang == "zh" else 1]
        return text.format(**values) if values else text
