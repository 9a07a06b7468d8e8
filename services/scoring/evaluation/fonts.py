"""The one CJK font every chart and report is drawn with, named by its file.

WenQuanYi Micro Hei (Debian's ``fonts-wqy-microhei``, Apache-2.0 or GPLv3 with the font exception) is installed
by ``make run``/``make test`` and by ``deploy/Dockerfile``. Its outlines are TrueType, so ReportLab can embed it
in a PDF, and it has Latin letters and digits of its own, so one face sets a mixed Chinese-English label.

PNG charts go through CairoSVG, which asks fontconfig for the SVG's first font family; the file is added to
fontconfig's application fonts first, so that family resolves to this file whatever fontconfig's directories
hold, instead of falling back to a face without Chinese (which draws every character as the same box).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from pathlib import Path

from services.kernel.problems import Problem

__all__ = ["CJK_FAMILY", "CJK_FONT", "SVG_FAMILIES", "FontMissing", "cjk_font", "register_with_fontconfig"]

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FAMILY = "WenQuanYi Micro Hei"
# Browsers showing the SVG without this face pick the next one they have; the layout's width estimates
# (textfit) hold for those too.
SVG_FAMILIES = f"{CJK_FAMILY}, Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


class FontMissing(Problem):
    status, slug, title = 500, "font-missing", "The CJK font is not installed"


@functools.cache
def cjk_font() -> Path:
    if not CJK_FONT.is_file():
        raise FontMissing(f"{CJK_FONT} is missing: install the Debian package fonts-wqy-microhei.")
    return CJK_FONT


@functools.cache
def register_with_fontconfig() -> bool:
    """Add the font file to fontconfig's application fonts (once per process); False if that is not possible."""
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return False
    library.FcConfigAppFontAddFile.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    library.FcConfigAppFontAddFile.restype = ctypes.c_int
    return bool(library.FcConfigAppFontAddFile(None, str(cjk_font()).encode()))
