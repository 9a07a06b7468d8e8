"""The console is a client of the APIs (issue 8): it imports the kernel, never a service's code."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_architecture import imported_modules

CONSOLE = Path(__file__).resolve().parents[3] / "services" / "console"


def test_the_console_imports_no_service_package():
    for path in CONSOLE.rglob("*.py"):
        imported = imported_modules(path)
        bad = {m for m in imported if m.split(".")[:2] in (["services", s] for s in ("auth", "registry", "scoring"))}
        assert not bad, (path.name, bad)


def test_htmx_is_vendored_and_no_page_loads_anything_from_another_site():
    assert (CONSOLE / "static" / "htmx.min.js").stat().st_size > 10_000
    for template in (CONSOLE / "templates").glob("*.html"):
        text = template.read_text()
        assert "src=\"http" not in text and "href=\"http" not in text and "//cdn" not in text, template.name
