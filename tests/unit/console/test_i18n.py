"""Chinese interface first, English on request (?lang=en, Accept-Language), from gettext catalogues.

The catalogues are checked the way a translator's tool would: Babel extracts every message the templates and
pages use (babel.cfg), and each must be translated, non-empty and not fuzzy in both languages. Keys the pages
compose from the APIs' enumerations (``"state." ~ r.state``) cannot be extracted: they are checked against the
enumerations the registry's schemas define, so a value added there fails here until it is translated.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from services.console.i18n import LANGUAGES, Message, Translator, catalogue, negotiate, translations
from services.console.upstream import ApiError
from services.kernel.problems import PROBLEM_BASE
from services.registry.catalog import schemas as catalog_schemas
from services.registry.operation import schemas as operation_schemas
from services.registry.operation.agreement_routes import Status as AgreementStatus
from services.registry.pricing import schemas as pricing_schemas
from services.registry.registration import schemas as registration_schemas

CONSOLE = Path(__file__).resolve().parents[3] / "services" / "console"
# A key written as a plain literal in a template, handed to a macro that translates it (field(_, "x", "subject.name")).
TEMPLATE_KEY = re.compile(r"""["']([a-z_]+\.[a-z_]*[a-z])["']""")


def _extracted() -> set[str]:
    with open(CONSOLE / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {message for _file, _line, message, _comments, _context
             in extract_from_dir(str(CONSOLE), method_map, options_map)}
    return {m for m in found if isinstance(m, str)}


def _template_literals(prefixes: set[str]) -> set[str]:
    keys = set()
    for template in (CONSOLE / "templates").glob("*.html"):
        keys |= {k for k in TEMPLATE_KEY.findall(template.read_text()) if k.split(".")[0] in prefixes
                 and not k.endswith(".html")}
    return keys


def _problems(lang: str) -> list[str]:
    entries = {m.id: m for m in catalogue(lang) if m.id}
    return [f"{lang}: {key} {problem}" for key, problem in
            [(k, "fuzzy") for k, m in entries.items() if m.fuzzy] +
            [(k, "empty") for k, m in entries.items() if not m.string or not str(m.string).strip()]]


def test_babel_extraction_finds_the_messages_of_templates_and_pages():
    used = _extracted()
    assert {"nav.notices", "prices.title", "cert.valid", "form.required", "import.step_failed"} <= used
    assert len(used) > 200


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_used_is_translated_not_empty_and_not_fuzzy(lang):
    entries = {m.id: m for m in catalogue(lang) if m.id}
    prefixes = {k.split(".")[0] for k in entries}
    used = _extracted() | _template_literals(prefixes)
    missing = sorted(k for k in used if k not in entries)
    assert not missing, f"{lang}: not in the catalogue: {missing}"
    assert not _problems(lang)


def test_both_catalogues_hold_the_same_keys_and_chinese_differs_from_english():
    zh, en = ({m.id: str(m.string) for m in catalogue(lang) if m.id} for lang in ("zh", "en"))
    assert zh.keys() == en.keys()
    same = sorted(k for k in zh if zh[k] == en[k] and not k.startswith(("severity.", "prices.up_to", "measure.percent")))
    assert not same, f"untranslated (identical in both languages): {same}"


def _values(alias) -> set[str]:
    return set(typing.get_args(alias))


ENUMERATIONS = {  # prefix of the composed keys → the registry's own enumeration (DOMAIN §0)
    "type": _values(registration_schemas.RegistrationType),
    "attribute": _values(registration_schemas.Attribute),
    "grading": _values(registration_schemas.Grading),
    "form": _values(registration_schemas.ProductForm),
    "use": _values(registration_schemas.UseType),
    "frequency": _values(registration_schemas.Frequency),
    "status": _values(catalog_schemas.Status),
    "mode": _values(operation_schemas.Mode),
    "unit": _values(pricing_schemas.BillingUnit),
    "agreement_status": _values(AgreementStatus),
    "finding_status": {"open", "resolved", "waived"},
    "evaluation_kind": {"organization", "region"},
    "subject": {"resource", "product"},
}


@pytest.mark.parametrize(("prefix", "values"), sorted(ENUMERATIONS.items()))
def test_every_value_of_the_registrys_enumerations_has_a_label(prefix, values):
    for lang in LANGUAGES:
        t = Translator(lang)
        assert not sorted(v for v in values if not t.known(f"{prefix}.{v}")), (lang, prefix)


def test_the_templates_compose_keys_only_with_prefixes_the_catalogue_has():
    composed = set()
    for template in (CONSOLE / "templates").glob("*.html"):
        composed |= set(re.findall(r"""_\(["']([a-z_]+)\.["']\s*~""", template.read_text()))
    zh = {m.id.split(".")[0] for m in catalogue("zh") if m.id}
    assert composed and composed <= zh


def test_the_po_files_compile_and_a_missing_key_reads_as_the_api_spells_it():
    assert translations("en").gettext("nav.notices") == "Public notices"
    assert Translator("en")("state.some_new_state") == "some_new_state"
    assert Translator("zh")("state.registered") == "已登记"
    assert Translator("zh")("Field required. Really") == "Field required. Really"


@pytest.mark.parametrize(("header", "lang"), [
    (None, "zh"), ("", "zh"), ("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("en;q=0.5,zh;q=0.9", "zh"), ("fr-FR,en;q=0.3", "en"), ("de", "zh"), ("en;q=bogus,zh", "zh"),
])
def test_accept_language_picks_the_preferred_supported_language(header, lang):
    assert negotiate(header) == lang


def test_api_problems_read_in_the_pages_language():
    refused = ApiError(422, {"type": PROBLEM_BASE + "validation", "title": "Invalid input",
                             "detail": "The request has invalid fields.",
                             "errors": [{"field": "body.name", "message": "Field required", "type": "missing"},
                                        {"field": "body.region_code", "message": "odd", "type": "brand_new"}]})
    zh, en = Translator("zh"), Translator("en")
    assert zh(refused.summary) == "填写内容有误"
    assert en(refused.summary) == "Invalid input: The request has invalid fields."
    fields = refused.field_errors()
    assert zh(fields["name"]) == "此项必填。" and en(fields["name"]) == "Field required"
    assert zh(fields["region_code"]) == "odd"  # an error type the catalogue does not know: the API's words
    conflict = ApiError(409, {"type": PROBLEM_BASE + "registration-in-progress", "detail": "登记 7 正在办理"})
    assert zh(conflict.summary) == "已有登记正在办理中：登记 7 正在办理"
    unknown = ApiError(409, {"type": PROBLEM_BASE + "something-new", "title": "Something new"})
    assert unknown.title_key == "problem.conflict" and zh(unknown.summary) == "与当前状态冲突"
    assert ApiError(502, {}).title_key == "problem.unavailable"
    assert isinstance(refused.summary, Message) and refused.summary == "The request has invalid fields."


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


async def test_the_language_switch_keeps_the_query_string_but_not_the_language(browser):
    page = (await browser.get("/lookup?code=NOPE-1&lang=en")).text
    assert 'href="/lang/zh?back=/lookup%3Fcode%3DNOPE-1"' in page
    answer = await browser.get("/lang/zh?back=/lookup%3Fcode%3DNOPE-1")
    assert answer.headers["location"] == "/lookup?code=NOPE-1"


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", "≤ 10,000: ¥0.50 · ¥1,234.125 · 2025年3月2日 · 2025年3月1日"),
    ("en", "≤ 10,000: CN¥0.50 · CN¥1,234.125 · 2 Mar 2025 · 1 Mar 2025"),
])
def test_numbers_money_and_dates_read_as_the_language_writes_them_in_beijing_time(lang, expected):
    from services.console.web import TEMPLATES

    page = TEMPLATES.env.from_string(
        '{{ _("prices.up_to", n=(10000 | number)) }}: {{ "0.5" | money }} · {{ "1234.125" | money }} · '
        '{{ "2025-03-01T20:00:00Z" | day }} · {{ "2025-03-01" | day }}')
    assert page.render(lang=lang, _=Translator(lang)) == expected
    # Not what a filter expects: shown as it came, never a failed page.
    assert TEMPLATES.env.from_string('{{ "n/a" | money }} {{ "soon" | day }}').render(lang=lang) == "n/a soon"
