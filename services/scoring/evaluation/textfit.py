"""How wide a label is, and how it wraps: the layout of charts and report tables rests on these two.

Widths are estimates in em per character, chosen to be at least the advance of WenQuanYi Micro Hei (the face
PNG and PDF use) and of DejaVu Sans (a browser's usual fallback): a label laid out with them fits in either.
A test holds the estimate against the font file's own metrics.

Wrapping breaks Latin text only at spaces and Chinese text between characters (never before closing
punctuation such as ，。）); a label that needs more lines than allowed is cut after its last whole word or
character that leaves room for "…".
"""

from __future__ import annotations

import unicodedata

__all__ = ["ELLIPSIS", "text_width", "wrap"]

ELLIPSIS = "…"
_NARROW = frozenset("iljI|!.,:;'`·")
_SMALL = frozenset("ftrJ()[]{}-/\"")
_WIDE_LATIN = frozenset("mwMW%@")
# Closing marks stay with the character before them; opening marks with the one after.
_NO_LINE_START = frozenset("，。、：；！？）」』》〉】〕”’%,.:;!?)]}")
_NO_LINE_END = frozenset("（「『《〈【〔“‘([{")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _char_em(ch: str) -> float:  # noqa: PLR0911 (one width per kind of character)
    if _is_wide(ch) or ch == ELLIPSIS:
        return 1.0
    if ch == " ":
        return 0.32
    if ch in _NARROW:
        return 0.34
    if ch in _SMALL:
        return 0.42
    if ch in _WIDE_LATIN:
        return 0.99
    if ch.isupper():
        return 0.8
    if ch.isascii():
        return 0.65
    return 1.0  # anything else (other scripts, symbols): a full em rather than a guess too small


def text_width(text: str, size: float) -> float:
    """The estimated advance of ``text`` at font size ``size`` (same unit as ``size``)."""
    return size * sum(_char_em(ch) for ch in text)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Unbreakable pieces, each with whether a space stood before it: a Latin word, or one Chinese character
    with the punctuation that may not be parted from it."""
    pieces: list[tuple[str, bool]] = []
    run, space = "", False
    for ch in " ".join(text.split()):
        if ch == " " or _is_wide(ch):
            if run:
                pieces.append((run, space))
                run, space = "", False
            if ch == " ":
                space = True
            else:
                pieces.append((ch, space))
                space = False
        else:
            run += ch
    if run:
        pieces.append((run, space))
    merged: list[tuple[str, bool]] = []
    for piece, before in pieces:
        if merged and not before and (piece[0] in _NO_LINE_START or merged[-1][0][-1] in _NO_LINE_END):
            merged[-1] = (merged[-1][0] + piece, merged[-1][1])
        else:
            merged.append((piece, before))
    return merged


def wrap(text: str, width: float, size: float, max_lines: int | None = None) -> list[str]:
    """``text`` in lines no wider than ``width`` where it can be; a single word wider than ``width`` keeps a line
    of its own (the caller measures the lines it gets, so nothing is clipped)."""
    lines: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    for token, space in _tokens(text):
        candidate = _joined([*current, (token, space)])
        if current and text_width(candidate, size) > width:
            lines.append(current)
            current = [(token, False)]
        else:
            current.append((token, space if current else False))
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while len(last) > 1 and text_width(_joined(last) + ELLIPSIS, size) > width:
            last = last[:-1]
        return [_joined(line) for line in lines[:max_lines - 1]] + [_joined(last) + ELLIPSIS]
    return [_joined(line) for line in lines]


def _joined(tokens: list[tuple[str, bool]]) -> str:
    return "".join((" " if space and i else "") + token for i, (token, space) in enumerate(tokens))
