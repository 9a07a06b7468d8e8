"""Charts of evaluations: Chinese drawn with a real CJK face, every label inside the canvas, names whole."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
import yaml
from PIL import Image, ImageChops
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from services.scoring.evaluation.charts import ASCENT, DESCENT, comparison_svg, radar_svg, to_png
from services.scoring.evaluation.fonts import CJK_FONT, SVG_FAMILIES, cjk_font
from services.scoring.evaluation.textfit import text_width, wrap

MODEL = Path(__file__).parents[3] / "services/scoring/indicators/default_model.yaml"
SVG = "{http://www.w3.org/2000/svg}"
LONG_LATIN = "Shanghai Municipal Administration of Big Data and Public Data Operation Company Limited"
LONG_CHINESE = "江苏省南京市江北新区公共数据授权运营有限公司（试点）"


def _model_dimensions(scores=(88.2, 45.0, 100.0, 0.0, 60.0, 75.3)) -> list[dict]:
    dims = yaml.safe_load(MODEL.read_text())["dimensions"]
    return [{"code": d["code"], "name": d["name"], "score": s} for d, s in zip(dims, scores, strict=True)]


def _glyph(char: str) -> Image.Image:
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='80' height='80' font-family={quoteattr(SVG_FAMILIES)}>"
           f"<rect width='100%' height='100%' fill='white'/><text x='8' y='64' font-size='64'>{char}</text></svg>")
    return Image.open(BytesIO(to_png(svg))).convert("L")


def _ink(image: Image.Image) -> int:
    return sum(1 for x, y in itertools.product(range(image.width), range(image.height))
               if image.getpixel((x, y)) < 128)


def test_png_draws_two_chinese_characters_as_two_different_glyphs_not_the_missing_glyph_box():
    assert cjk_font().is_file()
    shu, ju, missing = _glyph("数"), _glyph("据"), _glyph("\ue000")  # U+E000: a private-use point, no glyph
    assert _ink(shu) > 100 and _ink(ju) > 100
    # Without the CJK face all three are the same .notdef box.
    assert ImageChops.difference(shu, ju).getbbox() is not None
    assert ImageChops.difference(shu, missing).getbbox() is not None
    assert ImageChops.difference(ju, missing).getbbox() is not None


def _boxes(svg: str) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """The viewBox size, and each <text>'s estimated box (text, left, top, right, bottom)."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    root_size = float(root.get("font-size"))
    out = []
    for node in root.iter(f"{SVG}text"):
        size = float(node.get("font-size", root_size))
        text = "".join(node.itertext())
        x, y, w = float(node.get("x")), float(node.get("y")), text_width(text, size)
        left = {"start": x, "middle": x - w / 2, "end": x - w}[node.get("text-anchor", "start")]
        out.append((text, left, y - ASCENT * size, left + w, y + DESCENT * size))
    return (width, height), out


def _assert_inside(svg: str) -> None:
    (width, height), boxes = _boxes(svg)
    assert float(ET.fromstring(svg).get("width")) == width
    for text, left, top, right, bottom in boxes:
        assert left >= 0 and right <= width and top >= 0 and bottom <= height, (text, left, top, right, bottom)


def _overlap(a, b) -> bool:
    return a[1] < b[3] - 0.01 and b[1] < a[3] - 0.01 and a[2] < b[4] - 0.01 and b[2] < a[4] - 0.01


@pytest.mark.parametrize("scores", [(88.2, 45.0, 100.0, 0.0, 60.0, 75.3), (100.0,) * 6, (0.0,) * 6])
def test_every_radar_label_lies_inside_the_canvas_and_none_overlaps_another(scores):
    svg = radar_svg(f"{LONG_CHINESE} {LONG_LATIN} 2025: 72.4 (B)", _model_dimensions(scores))
    _assert_inside(svg)
    _, boxes = _boxes(svg)
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)


def test_radar_labels_fit_with_long_names_and_more_axes():
    dims = [{"code": f"d{i}", "name": name, "score": 50.0} for i, name in enumerate(
        [LONG_LATIN, LONG_CHINESE, "x", "Supercalifragilisticexpialidocious-indicator", "数据", LONG_LATIN, "短", "y"])]
    _assert_inside(radar_svg("t", dims))


def test_every_comparison_label_lies_inside_the_canvas():
    dims = _model_dimensions()
    peers = [{"name": name, "total": total, "dimensions": dims} for name, total in
             ((LONG_LATIN, 100.0), (LONG_CHINESE, 0.0), ("上海市数据局", 55.5), ("A" * 60, 12.0))]
    svg = comparison_svg(f"2025 · default-1.0 · {LONG_LATIN}", peers)
    _assert_inside(svg)
    assert svg.count("class='bar'") == 4 * 7


def test_names_are_wrapped_whole_not_cut_at_eighteen_characters():
    svg = radar_svg("t", [{"code": "a", "name": LONG_LATIN, "score": 10.0}] +
                    [{"code": c, "name": LONG_CHINESE, "score": 10.0} for c in "bcdef"])
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    words = {w for t in texts for w in t.split()}
    assert set(LONG_LATIN.split()) <= words and "…" not in "".join(texts)
    assert LONG_CHINESE in "".join(texts)


def test_wrapping_breaks_latin_at_spaces_and_chinese_between_characters():
    name = "无条件或有条件共享资源占比 share of resources shared unconditionally or conditionally"
    for width in (40, 80, 120, 200):
        lines = wrap(name, width, 12)
        assert " ".join(lines).replace(" ", "") == name.replace(" ", "")
        assert set(name.split()[1:]) <= {w for line in lines for w in line.split()}  # no word split
        for line in lines:  # only a single word wider than the line may stick out
            assert text_width(line, 12) <= width or (line.isascii() and " " not in line), (width, line)
    assert wrap("收入（含税），合计", 30, 12)[1].startswith("（")  # an opening bracket leads its line
    assert not any(line.startswith(("，", "）")) for line in wrap("收入（含税），合计，比较", 24, 12))


def test_an_ellipsis_ends_at_a_word_boundary_only_when_lines_run_out():
    assert wrap(LONG_LATIN, 150, 12, max_lines=10)[-1].endswith("Limited")
    cut = wrap(LONG_LATIN, 150, 12, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…")
    assert cut[-1][:-1].split()[-1] in LONG_LATIN.split()  # the last word before the ellipsis is whole
    assert text_width(cut[-1], 12) <= 150


def test_make_and_the_deploy_image_install_the_font_package_whose_file_is_named():
    root = Path(__file__).parents[3]
    makefile, dockerfile = (root / "Makefile").read_text(), (root / "deploy/Dockerfile").read_text()
    assert str(CJK_FONT) in makefile and "fonts-wqy-microhei" in makefile
    assert re.search(r"apt-get install[^\n]*fonts-wqy-microhei", dockerfile)


@pytest.fixture(scope="module")
def font_metrics():
    pdfmetrics.registerFont(TTFont("wqy-test", str(cjk_font()), subfontIndex=0))
    return lambda text, size: pdfmetrics.stringWidth(text, "wqy-test", size)


def test_width_estimate_is_never_narrower_than_the_font_file_measures(font_metrics):
    model = MODEL.read_text()
    names = re.findall(r"^\s*(?:- )?name: (.+)$", model, flags=re.MULTILINE)
    samples = [*names, LONG_LATIN, LONG_CHINESE, "0123456789.%", "WWWMMM mmm www", "评估批次 2025 · default-1.0"]
    for text in samples:
        assert text_width(text, 12) >= font_metrics(text, 12), text
