"""Chinese first, English available: the language of a request and its gettext translations.

The language is ``?lang=zh|en`` (remembered in the session), else the session's, else the best match of
Accept-Language, else Chinese.

Messages live in gettext catalogues, ``locale/{zh,en}/LC_MESSAGES/messages.po``, extracted from the templates
and pages with Babel (``babel.cfg``). Their msgids are stable keys (``nav.notices``, ``state.registered``), not
English source text, because the interface is Chinese first (neither language is the "source") and because the
pages compose keys from the APIs' enumerations (``"state." ~ r.state``): a key names the value, a sentence could
not. The ``.po`` files are compiled in memory on first use (Babel's ``pofile`` → ``mofile`` → stdlib
``gettext``), so there is no ``.mo`` to build or to forget to rebuild. A key missing from a catalogue shows its
last part (``state.xyz`` → ``xyz``): a value the APIs add later reads as the API spells it rather than failing
the page (``tests/unit/console/test_i18n.py`` fails CI when a value the registry defines is missing).
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "Message",
    "Translator",
    "catalogue",
    "negotiate",
    "readable",
    "request_language",
    "translations",
]

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"
_KEY = re.compile(r"^[a-z_]+\.(.+)$")


def N_(key: str) -> str:
    """Marks a key chosen in Python and translated later in a template, so that extraction finds it."""
    return key


class Message(str):
    """A text of an API (its own words, usually English) with the key of what it means in the catalogue.

    It reads as the API's text wherever a plain string is expected; ``_`` shows the key's translation, and the
    API's words too when the reader can read them (``readable``); with ``instead`` the API's words replace the
    translation when readable (a field error: "String should have at least 2 characters" says more than "Too
    short", but only to a reader of English).
    """

    key: str
    detail: str
    instead: bool

    def __new__(cls, key: str, detail: str = "", *, instead: bool = False) -> Message:
        message = super().__new__(cls, detail or key)
        message.key, message.detail, message.instead = key, detail, instead
        return message


def readable(text: str, lang: str) -> bool:
    """Whether an API's own words are shown on a page: always in English; in Chinese unless they are English."""
    return bool(text) and (lang == "en" or not text.isascii())


def catalogue(lang: str) -> Catalog:
    """The parsed ``.po`` of a language (Babel's Catalog: messages, flags, the header)."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The language's catalogue compiled in memory, once per process; fuzzy entries are not used."""
    compiled = BytesIO()
    write_mo(compiled, catalogue(lang), use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


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


def here(request: Request) -> str:
    """This page with its query (a lookup's code, a search, a page of results), for the language switch to return
    to; without ``lang``, which would undo the switch."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


class Translator:
    """``_`` of a page: a key in the request's language, ``str.format``-ed with the values given."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self._gettext = translations(self.lang).gettext

    def known(self, key: str) -> bool:
        return self._gettext(key) != key

    def __call__(self, key: str, **values: object) -> str:
        if isinstance(key, Message):
            title = self(key.key)
            if not readable(key.detail, self.lang) or key.detail == title:
                return title
            return key.detail if key.instead else f"{title}{'：' if self.lang == 'zh' else ': '}{key.detail}"
        key = str(key)
        text = self._gettext(key)
        if text == key:  # not in the catalogue: an API value reads as the API spells it
            match = _KEY.match(key)
            return match.group(1) if match else key
        return text.format(**values) if values else text


@pass_context
def context_gettext(context: Context, key: str) -> str:
    """``gettext`` of ``jinja2.ext.i18n`` (``{% trans %}`` blocks): the language of the page being rendered."""
    return Translator(context.get("lang", DEFAULT))(key)


@pass_context
def context_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(context.get("lang", DEFAULT)).ngettext(singular, plural, n)
