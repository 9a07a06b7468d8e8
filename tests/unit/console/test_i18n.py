"""Chinese interface first, English on request (?lang=en, Accept-Language), from one message catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.console.i18n import Translator, negotiate
from services.console.messages import CATALOG

TEMPLATES = Path(__file__).resolve().parents[3] / "services" / "console" / "templates"


@pytest.mark.parametrize(("header", "lang"), [
    (None, "zh"), ("", "zh"), ("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("en;q=0.5,zh;q=0.9", "zh"), ("fr-FR,en;q=0.3", "en"), ("de", "zh"), ("en;q=bogus,zh", "zh"),
])
def test_accept_language_picks_the_preferred_supported_language(header, lang):
    assert negotiate(header) == lang


def test_every_key_the_templates_use_is_in_the_catalog_in_both_languages():
    keys = set()
    for template in TEMPLATES.glob("*.html"):
        keys |= set(re.findall(r"""_\(["']([a-z_]+\.[a-z_]+)["']\)""", template.read_text()))
    missing = sorted(k for k in keys if k not in CATALOG)
    assert not missing
    assert all(zh and en and zh != en or k == "nav.other_language" for k, (zh, en) in CATALOG.items()
               if k.split(".")[0] not in {"severity"})


def test_an_unknown_value_reads_as_the_api_spells_it():
    assert Translator("en")("state.some_new_state") == "some_new_state"
    assert Translator("zh")("state.registered") == "已登记"


async def test_pages_are_chinese_by_default_and_english_on_request(browser):
    chinese = (await browser.get("/notices")).text
    assert '<html lang="zh-CN">' in chinese and "登记公示" in chinese
    english = (await browser.get("/notices", headers={"Accept-Language": "en-GB,en;q=0.9"})).text
    assert '<html lang="en">' in english and "Public notices" in english
    chosen = (await browser.get("/notices?lang=en")).text
    assert "Public notices" in chosen
    # The choice is remembered for the session, whatever the browser's header says.
    remembered = await browser.get("/lookup", headers={"Accept-Language": "zh-CN"})
    assert "Registration lookup" in remembered.text


async def test_the_language_switch_link_returns_to_the_same_page(browser):
    answer = await browser.get("/lang/en?back=/prices")
    assert answer.status_code == 303 and answer.headers["location"] == "/prices"
    off_site = await browser.get("/lang/en?back=//evil.example")
    assert off_site.headers["location"] == "/"
