"""Screenshots of the console's main pages, Chinese and English, desktop and phone, for docs/screenshots.md.

Retake them after a change to the pages with

    python -m tests.browser.screenshots            # writes docs/screenshots/*.png and docs/screenshots.md

It starts the whole system on fresh databases with the demo data of `pdr up --demo` (the same as the browser
tests), signs in as the demo accounts and drives Debian's chromium. Each picture is the top of the page cut to a
sensible height and stored as a palette PNG, so that each stays well under 200 KB in the repository.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .console_pages import seeded_system, sign_in

ROOT = Path(__file__).resolve().parents[2]
DEVICES = {"desktop": ({"width": 1280, "height": 900}, 1100), "phone": ({"width": 375, "height": 812}, 1400)}
LANGUAGES = {"zh": ("zh-CN", "中文"), "en": ("en-US", "English")}
MAX_BYTES = 200_000


@dataclass(frozen=True)
class Shot:
    name: str
    title: str
    role: str | None  # who looks at the page (None: the public, signed out)
    find: Callable[[object, str], str]  # (a signed-in page, base URL) → the page's URL


def path(url: str) -> Callable[[object, str], str]:
    return lambda page, base: base + url


def first_link(start: str, selector: str) -> Callable[[object, str], str]:
    """The first link matching ``selector`` on ``start``: the demo's ids differ on every run."""
    def find(page, base: str) -> str:
        page.goto(base + start)
        return page.locator(selector).first.evaluate("a => a.href")
    return find


SHOTS = [
    Shot("home", "Home page: catalogue search, figures and browse", None, path("/")),
    Shot("notices", "Public notices of registrations", None, path("/notices")),
    Shot("lookup", "Lookup of a registration code, with the certificate checked in the page", "operator",
         first_link("/workspace", "a[href^='/lookup?code=']")),
    Shot("prices", "Public price list", None, path("/prices")),
    Shot("registration", "A registration, as its applicant sees it", "operator",
         first_link("/workspace", "a[href^='/workspace/registrations/']")),
    Shot("registrar-queue", "The registrar's queues", "registrar", path("/registrar")),
    Shot("evaluation", "An evaluation with its radar chart", "authority",
         first_link("/oversight/evaluations?subject_kind=organization", "a[href^='/oversight/evaluations/']")),
]


def save_png(data: bytes, target: Path, max_height: int) -> int:
    """The top ``max_height`` pixels as a 128-colour palette PNG (text and flat colours lose nothing visible)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, max_height)))
    for colours in (128, 64, 32):
        buffer = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, "PNG", optimize=True)
        if buffer.tell() <= MAX_BYTES:
            break
    target.write_bytes(buffer.getvalue())
    return buffer.tell()


def take(base: str, browser, out: Path) -> list[tuple[Path, int]]:
    written = []
    for shot in SHOTS:
        # Where the page is (as the role that can reach it), then the page in each language and device.
        finder = browser.new_context(locale="zh-CN")
        page = finder.new_page()
        if shot.role:
            sign_in(page, base, shot.role)
        url = shot.find(page, base)
        finder.close()
        viewer = None if shot.name == "lookup" else shot.role  # a lookup is what the public does
        for lang, (locale, _) in LANGUAGES.items():
            for device, (viewport, max_height) in DEVICES.items():
                context = browser.new_context(locale=locale, viewport=viewport)
                page = context.new_page()
                if viewer:
                    sign_in(page, base, viewer)
                page.goto(url, wait_until="networkidle")
                target = out / f"{shot.name}-{lang}-{device}.png"
                written.append((target, save_png(page.screenshot(full_page=True), target, max_height)))
                context.close()
    return written


def index(out: Path) -> str:
    """docs/screenshots.md: each page, Chinese and English, desktop and phone."""
    rel = Path(os.path.relpath(out.resolve(), out.resolve().parent))  # the .md is written beside the folder
    lines = ["# Screenshots", "",
             "The console's main pages in Chinese and English, on a desktop (1280 px) and a phone (375 px), with",
             "the demo data of `pdr up --demo`. Retake them with `python -m tests.browser.screenshots` after changing",
             "a page; `tests/browser/test_responsive.py` checks every page at 375 px (no sideways scrolling, axe-core).",
             ""]
    for shot in SHOTS:
        lines += [f"## {shot.title}", "", "| | 中文 | English |", "| --- | --- | --- |"]
        for device in DEVICES:
            cells = [f'<a href="{rel}/{shot.name}-{lang}-{device}.png"><img src="{rel}/{shot.name}-{lang}-{device}.png" '
                     f'alt="{shot.title} ({label}, {device})" width="{360 if device == "desktop" else 180}"></a>'
                     for lang, (_, label) in LANGUAGES.items()]
            lines.append(f"| {device} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with seeded_system(Path(tempfile.mkdtemp(prefix="pdr-screenshots-"))) as system, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        written = take(system.urls["console"], browser, args.out)
        browser.close()
    (args.out.parent / "screenshots.md").write_text(index(args.out) + "\n", encoding="utf-8")
    for target, size in written:
        print(f"{target}  {size // 1024} KB")


if __name__ == "__main__":
    main()
